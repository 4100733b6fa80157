"""GET/PATCH /api/config: secrets masked, bad patches change nothing, good ones apply live and persist."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Callable

import aiohttp
import openai
import pytest

from larouter.app import make_app
from larouter.config import ConfigError
from larouter.runtime import load_runtime, runtime_file
from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.servers import http_json, wait_until


def test_every_secret_is_masked(make_router: Callable[..., Router]) -> None:
    """Provider keys show as `sk-...abcd`, the admin token as `***`, never in full."""
    router = make_router(env={"OPENAI_API_KEY": "sk-openai-secret-0123456789", "LAROUTER_ADMIN_TOKEN": "adm-secret-0123456789"})
    status, cfg = http_json("GET", router.url + "/api/config", None)
    text = json.dumps(cfg)
    assert status == 200
    for secret in (FAKE_KEY, "sk-openai-secret-0123456789", "adm-secret-0123456789"):
        assert secret not in text
    assert cfg["providers"]["openai"]["api_key"] == "sk-...6789"
    assert cfg["server"]["admin_token"] == "***"  # (its ends would give away 7 of its characters: review B)
    assert cfg["providers"]["fake"]["api_key"] == FAKE_KEY[:3] + "..." + FAKE_KEY[-4:]


def test_rejected_patch_changes_nothing(router: Router) -> None:
    """A bad value is a 400 naming the key path; settings and file stay as they were."""
    before = http_json("GET", router.url + "/api/config")[1]
    patch = {"routing": {"default_model": "o3"}, "server": {"port": "x"}}
    status, out = http_json("PATCH", router.url + "/api/config", patch,
                            headers=router.admin)  # (server.port is guarded: without the token, a 403 first)
    assert status == 400 and "server.port" in out["error"]["message"]
    assert http_json("GET", router.url + "/api/config")[1] == before
    assert not runtime_file(router.settings.home).exists()
    status, out = http_json("PATCH", router.url + "/api/config", {"local": {"bogus": 1}})
    assert status == 400 and "bogus" in out["error"]["message"]


def test_patch_applies_live_and_survives_restart(router: Router, fake: Fake, tmp_path) -> None:
    """Changing the default model re-routes `auto` at once, and a reload sees the change."""
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"default_model": "fake-late-usage"}})
    assert status == 200 and out["routing"]["default_model"] == "fake-late-usage" and out["restartRequired"] == []
    openai.OpenAI(base_url=router.v1, api_key="x").chat.completions.create(model="auto", messages=[{"role": "user", "content": "x"}])
    assert fake.state.requests[-1]["model"] == "fake-late-usage"
    reloaded = load_runtime(router.settings.config_path, env={"LAROUTER_HOME": str(router.settings.home), "FAKE_KEY": FAKE_KEY})
    assert reloaded.settings.routing.default_model == "fake-late-usage"


def test_secret_can_be_set_but_not_read(router: Router) -> None:
    """A key written through PATCH is used but only ever shown masked."""
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"anthropic": {"api_key": "sk-ant-new-secret-9999"}}},
                            headers=router.admin)
    assert status == 200 and out["providers"]["anthropic"]["api_key"] == "sk-...9999"
    models = {m["id"]: m for m in http_json("GET", router.url + "/v1/models")[1]["data"]}
    assert models["claude-sonnet-4-5"]["available"] is True
    assert oct(runtime_file(router.settings.home).stat().st_mode & 0o777) == "0o600"


def test_a_masked_secret_sent_back_keeps_the_key(router: Router, fake: Fake) -> None:
    """A client that edits the provider block GET /api/config showed it and sends it back whole leaves the key as it
    was (the mask is never stored as the key); any other masked value is a 400 that changes nothing."""
    shown = http_json("GET", router.url + "/api/config", headers=router.admin)[1]["providers"]["fake"]
    block = {**shown, "connect_timeout": 7}
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": block}}, headers=router.admin)
    assert status == 200 and out["providers"]["fake"]["connect_timeout"] == 7, out
    assert out["providers"]["fake"]["api_key"] == shown["api_key"]
    assert FAKE_KEY not in runtime_file(router.settings.home).read_text()  # (the key was never written there)
    openai.OpenAI(base_url=router.v1, api_key="x").chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "x"}])
    assert fake.state.headers[-1]["Authorization"] == f"Bearer {FAKE_KEY}"
    before = http_json("GET", router.url + "/api/config", headers=router.admin)[1]
    for masked in ("sk-...zzzz", "***"):
        status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": {"api_key": masked}}},
                                headers=router.admin)
        assert status == 400 and out["error"]["code"] == "masked_secret", out
        assert out["error"]["param"] == "providers.fake.api_key" and "masked" in out["error"]["message"]
    assert http_json("GET", router.url + "/api/config", headers=router.admin)[1] == before


async def test_concurrent_patches_never_corrupt_the_file(router: Router) -> None:
    """Thirty concurrent patches leave a valid file equal to the live settings."""
    async with aiohttp.ClientSession() as s:
        async def patch(i: int) -> int:
            async with s.patch(router.url + "/api/config", json={"usage": {"batch_rows": 100 + i}}) as r:
                return r.status

        assert set(await asyncio.gather(*(patch(i) for i in range(30)))) == {200}
    saved = json.loads(runtime_file(router.settings.home).read_text())
    live = http_json("GET", router.url + "/api/config")[1]
    assert saved["usage"]["batch_rows"] == live["usage"]["batch_rows"]


def test_patch_refuses_what_the_next_start_would_refuse(make_router: Callable[..., Router]) -> None:
    """Values only a start-up check caught (a tier name, a price file, a host, a port hidden by the command-line
    flag) are a 400 naming the setting, and nothing is persisted: the daemon always starts again."""
    router = make_router(server={"port": 18790})  # as `larouterd --port`: the flag masks server.port
    cases = [
        ({"routing": {"policies": {"cost-optimized": {"BOGUS": ["gpt-4o"]}}}}, "routing.policies.cost-optimized.BOGUS", "not a tier"),
        ({"usage": {"prices_file": "/nonexistent/prices.toml"}}, "usage.prices_file", "cannot read"),
        ({"server": {"port": "abc"}}, "server.port", "expected an integer"),
        ({"server": {"host": "not a host!!"}}, "server.host", "host name"),
        ({"routing": {"policy": "nope"}}, "routing.policy", "unknown policy"),
        ({"local": {"extra_args": "--flash-attn"}}, "local.extra_args", "list of strings"),
        ({"server": {"host": "127.0.0.1", "max_body_bytes": -5}}, "server.max_body_bytes", "> 0"),
    ]
    latin = router.settings.home / "prices-cp1252.toml"
    latin.write_bytes(b'version = "2026-12"  # \x80 per million\n')  # (a 500: review Z2)
    cases.append(({"usage": {"prices_file": str(latin)}}, "usage.prices_file", "not UTF-8"))
    for patch, param, words in cases:
        status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
        assert status == 400, (patch, out)
        assert out["error"]["param"] == param and words in out["error"]["message"], out
    assert not runtime_file(router.settings.home).exists()
    env = {"LAROUTER_HOME": str(router.settings.home), "FAKE_KEY": FAKE_KEY}
    assert load_runtime(router.settings.config_path, env=env).settings.server.port == router.settings.server.port


def test_a_damaged_runtime_file_is_named_at_start(router: Router) -> None:
    """A runtime file edited by hand into something invalid stops the start with its name and the bad key."""
    runtime_file(router.settings.home).write_text(json.dumps({"local": {"models": {"gemma": {"ctx_size": -1}}}}))
    env = {"LAROUTER_HOME": str(router.settings.home), "FAKE_KEY": FAKE_KEY}
    try:
        load_runtime(router.settings.config_path, env=env)
    except ConfigError as exc:
        assert "runtime-config.json" in str(exc) and "local.models.gemma.ctx_size" in str(exc)
    else:
        raise AssertionError("a negative ctx_size was accepted")


def test_patched_policy_chain_applies_at_once(router: Router) -> None:
    """A chain changed through PATCH routes the next request (it used to wait for a restart)."""
    body = {"model": "auto", "messages": [{"role": "user", "content": "Prove that there are infinitely many primes."}]}
    status, before = http_json("POST", router.url + "/api/route/explain", body)
    assert status == 200 and before["tier"] == "REASONING" and before["candidates"][0]["model"] != "fake-late-usage"
    status, _ = http_json("PATCH", router.url + "/api/config", {"routing": {"policies": {"cost-optimized": {"REASONING": ["fake-late-usage"]}}}})
    assert status == 200
    status, after = http_json("POST", router.url + "/api/route/explain", body)
    assert status == 200 and after["candidates"][0]["model"] == "fake-late-usage"


def test_a_policy_a_project_uses_may_be_patched_away_and_the_next_start_routes_it_by_cost_optimized(
        router: Router, caplog: pytest.LogCaptureFixture) -> None:
    """Dropping a custom policy a project uses is allowed (the README's promise): the project routes by
    cost-optimized until the policy is defined again, and the next start loads projects.json and says so."""
    mine = {"routing": {"policies": {"mine": {"SIMPLE": ["gpt-fake"]}}}}
    assert http_json("PATCH", router.url + "/api/config", mine)[0] == 200
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "custom", "routingPolicy": "mine"})
    assert status == 201, proj
    assert http_json("PATCH", router.url + "/api/config", {"routing": {"policies": {"mine": None}}})[0] == 200
    status, out = http_json("POST", router.url + f"/api/route/explain?projectId={proj['id']}",
                            {"messages": [{"role": "user", "content": "hi"}]})
    assert status == 200 and out["policy"] == "cost-optimized", out
    assert out["reasons"][-1] == "policy mine (not defined) -> cost-optimized", out
    env = {"LAROUTER_HOME": str(router.settings.home), "FAKE_KEY": FAKE_KEY}
    make_app(load_runtime(router.settings.config_path, env=env))  # the next start loads projects.json
    assert f"project {proj['id']} ('custom') uses routing policy 'mine', which the settings do not define" in caplog.text


def test_a_patch_of_the_wrong_shape_is_a_400_naming_the_key(router: Router) -> None:
    """Numbers or null where a table belongs are a 400 whose message and `param` name the same key, in words, never
    Python's; a merge patch's null drops an override at any depth (RFC 7396), so it is no value to validate."""
    cases = [
        ({"routing": {"policies": {"x": 1}}}, "routing.policies.x", "expected a table of tier -> model list, got 1"),
        ({"providers": {"foo": 1}}, "providers.foo", "expected a table of provider settings"),
        ({"routing": {"policies": 1}}, "routing.policies", "expected a table of policy name -> (table of tier ->"),
        ({"providers": 1}, "providers", "expected a table of provider name -> provider settings (the value is not shown: it may be a secret)"),
        ({"providers": {"fake": {"prices": {"m": 2.5}}}}, "providers.fake.prices.m", "expected a table of prices"),
        ({"server": [1]}, "server", "expected a table of settings ([server]), got [1]"),
        ({"providers": {"fake": {"prices": {"m": {"output": 1}}}}}, "providers.fake.prices.m.input", "required key is missing"),
        ({"providers": {"fake": {"prices": {"m": {"input": 1}}}}}, "providers.fake.prices.m.output", "required key is missing"),
    ]
    for patch, param, words in cases:
        status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
        assert status == 400, (patch, out)
        error = out["error"]
        assert error["param"] == param and error["message"].startswith(f"{param}: {words}"), (patch, error)
        assert "object" not in error["message"] and "NoneType" not in error["message"], error
    assert not runtime_file(router.settings.home).exists()
    for patch in ({"routing": {"policies": None}}, {"routing": {"policies": {"x": None}}}, {"local": {"models": None}}):
        status, out = http_json("PATCH", router.url + "/api/config", patch)
        assert status == 200 and out["routing"]["policies"] == {} and out["local"]["models"] == {}, (patch, out)
    assert not runtime_file(router.settings.home).exists()  # (no override to drop: nothing written, no null kept)


def test_a_secret_of_the_wrong_type_is_not_echoed(router: Router, tmp_path) -> None:
    """An API key or admin token wrapped in a list or table is a 400 (or a refused start) naming the key, without
    the value: it holds the secret."""
    secret = "sk-live-secret-0123456789"
    for patch in ({"providers": {"fake": {"api_key": [secret]}}}, {"server": {"admin_token": {"token": secret}}}):
        status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
        assert status == 400 and secret not in json.dumps(out), out
        assert out["error"]["message"].endswith("_key: expected a string (the value is not shown: it is a secret)") \
            or out["error"]["message"].endswith("token: expected a string (the value is not shown: it is a secret)"), out
    cfg = tmp_path / "secret.toml"
    cfg.write_text(f'[providers.openai]\napi_key = ["{secret}"]\n')
    try:
        load_runtime(cfg, env={"LAROUTER_HOME": str(router.settings.home)})
    except ConfigError as exc:
        assert "providers.openai.api_key: expected a string" in str(exc) and secret not in str(exc)
    else:
        raise AssertionError("a list as api_key was accepted")


async def test_a_patch_whose_client_hangs_up_is_applied_whole(tmp_path, monkeypatch) -> None:
    """aiohttp cancels a handler whose client disconnects. A PATCH cancelled while its file was being written used to
    leave the file changed and the live settings not (and the next PATCH, merged on the old ones, undid it): the
    patch now runs to its end, so the daemon and the file agree."""
    import threading

    from larouter import runtime as rt

    writing, release = threading.Event(), threading.Event()
    real_write = rt.atomic_write

    def slow_write(path, data, mode=0o600):  # the disk is slow: the client gives up meanwhile
        writing.set()
        release.wait(10)
        real_write(path, data, mode)

    monkeypatch.setattr(rt, "atomic_write", slow_write)
    runtime = load_runtime(None, {"LAROUTER_HOME": str(tmp_path / "home")})
    (tmp_path / "home").mkdir()
    task = asyncio.create_task(runtime.patch({"routing": {"cooldown": 7.0}}))
    assert await asyncio.to_thread(writing.wait, 10)
    task.cancel()  # what aiohttp does to the handler when the client hangs up
    release.set()
    await asyncio.sleep(0)
    async with runtime.lock:  # the shielded patch holds the lock until it is done
        pass
    path = runtime_file(tmp_path / "home")
    await asyncio.to_thread(wait_until, path.exists, 10, "the runtime file")  # the write thread ends either way
    saved = json.loads(path.read_text())
    assert saved == {"routing": {"cooldown": 7.0}} and runtime.settings.routing.cooldown == 7.0, runtime.settings.routing


@pytest.mark.parametrize("key", ["sk-abc\r\nX-Evil: 1", "sk-abc\u0000def", "sk-\u00e9t\u00e9"])
def test_a_provider_key_that_cannot_be_a_header_is_refused(router: Router, key: str) -> None:
    """A key goes into the Authorization header: one with a line break, a NUL or a non-ASCII character was accepted,
    then every call to that provider was a 500 (and `auto` stopped failing over). It is a 400 naming the key now,
    whose value is not shown; the live settings keep working."""
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": {"api_key": key}}},
                            headers=router.admin)
    assert status == 400 and out["error"]["param"] == "providers.fake.api_key", out
    message = out["error"]["message"]
    assert "printable ASCII" in message and "got" not in message and "sk-" not in message, out
    status, answer = http_json("POST", router.url + "/v1/chat/completions",
                               {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 200, answer


BAD_BASE_URLS = [  # (URL with its secret, what the 400 says)
    ("http://bench:sk-in-the-url@127.0.0.1:9/v1", "must not carry a user name or password"),
    ("http://127.0.0.1:9/v1?api-version=2024-10-21&api-key=sk-in-the-url", "must have no query"),
    ("http://127.0.0.1:9/v1#sk-in-the-url", "or fragment"),
    ("http://127.0.0.1:99999/v1", "its port is not a number from 0 to 65535"),
    ("http://127.0.0.1:sk-in-the-url/v1", "its port is not a number from 0 to 65535"),
]


@pytest.mark.parametrize(("url", "words"), BAD_BASE_URLS)
def test_a_base_url_with_credentials_or_a_query_is_a_400(router: Router, url: str, words: str) -> None:
    """A `base_url` with `user:password@` (every call was then a 500: aiohttp will not combine it with the key's
    Authorization header), a query (a broken URL once `/chat/completions` was appended, and `GET /api/config` showed
    its `api-key=` in full) or a fragment is a 400 naming the key, without the URL; nothing changes and calls work."""
    before = http_json("GET", router.url + "/api/config")[1]
    for patch in ({"providers": {"basic": {"base_url": url, "api_key": "sk-basic-key-0123456789"}}},
                  {"providers": {"fake": {"base_url": url}}}):
        status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
        assert status == 400, out
        error = out["error"]
        assert (error["code"], error["param"]) == ("invalid_config", next(iter(patch["providers"])).join(
            ("providers.", ".base_url"))), error
        assert words in error["message"] and "sk-in-the-url" not in json.dumps(out), error
    assert http_json("GET", router.url + "/api/config")[1] == before
    status, answer = http_json("POST", router.url + "/v1/chat/completions",
                               {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 200, answer


@pytest.mark.parametrize(("url", "words"), BAD_BASE_URLS)
def test_a_config_file_base_url_with_credentials_or_a_query_stops_the_start(home: Path, tmp_path: Path, url: str,
                                                                           words: str) -> None:
    """The same `base_url` in the config file: a ConfigError naming the file and the key, without the URL."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'[providers.basic]\nbase_url = "{url}"\napi_key_env = "FAKE_KEY"\n')
    with pytest.raises(ConfigError) as info:
        load_runtime(cfg, env={"LAROUTER_HOME": str(home), "FAKE_KEY": FAKE_KEY})
    message = str(info.value)
    assert str(cfg) in message and "providers.basic.base_url: must" in message and words in message, message
    assert "sk-in-the-url" not in message


def test_a_tier_set_twice_in_different_cases_is_refused(make_router: Callable[..., Router]) -> None:
    """Tier names are read in any case, so `complex` after `COMPLEX` would leave two chains for one tier, the one
    that wins depending on their order: the patch is a 400 naming both keys, and the chain stays as it was."""
    router = make_router()
    first = {"routing": {"policies": {"mine": {"COMPLEX": ["gpt-fake"]}}}}
    assert http_json("PATCH", router.url + "/api/config", first)[0] == 200
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"policies": {"mine": {"complex": ["fake-500"]}}}})
    assert status == 400 and out["error"]["code"] == "invalid_config", out
    assert "'COMPLEX' sets the COMPLEX tier already" in out["error"]["message"], out
    assert http_json("GET", router.url + "/api/config", None)[1]["routing"]["policies"]["mine"] == {"COMPLEX": ["gpt-fake"]}


def test_restart_required_lists_what_a_start_reads_and_what_changed(router: Router) -> None:
    """`usage.*` tuning, `server.body_timeout` and `server.event_loop` are read at start: a PATCH lists them (it
    answered `[]` and nothing changed); a value sent back unchanged is not listed, and dropping a whole table lists
    the restart-only keys it changes."""
    admin = router.admin
    status, out = http_json("PATCH", router.url + "/api/config", {"usage": {"queue_max": 2}, "server": {
        "body_timeout": 1.0, "event_loop": "asyncio"}}, headers=admin)
    assert status == 200 and out["restartRequired"] == ["server.body_timeout", "server.event_loop",
                                                        "usage.queue_max"], out
    same = {"server": {"host": router.settings.server.host, "max_body_bytes": router.settings.server.max_body_bytes}}
    assert http_json("PATCH", router.url + "/api/config", same, headers=admin)[1]["restartRequired"] == []
    assert http_json("PATCH", router.url + "/api/config", {"server": {"port": 1}}, headers=admin)[1][
        "restartRequired"] == ["server.port"]
    dropped = http_json("PATCH", router.url + "/api/config", {"server": None}, headers=admin)[1]["restartRequired"]
    assert dropped == [], dropped  # (back to the values in force: nothing to restart for)


@pytest.mark.parametrize("name", ["local:lan", " LOCAL:x", "a/b", "", "tab\tname"])
def test_a_provider_name_the_local_models_use_is_refused(router: Router, name: str) -> None:
    """`local:<x>` is what running local models are called: such a provider could be added but not removed (it was
    still served, its key still sent); it, an empty name and one with a '/' are a 400 naming the key."""
    patch = {"providers": {name: {"base_url": "http://127.0.0.1:9/v1", "models": ["lan-model"]}}}
    status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
    assert status == 400 and "a provider's name is" in out["error"]["message"], out


def test_a_provider_name_with_a_space_still_loads(router: Router) -> None:
    """The rule above refuses only what breaks something: `"my provider"` (valid in every earlier config) is fine."""
    patch = {"providers": {"my provider": {"base_url": "http://127.0.0.1:9/v1", "models": ["spaced-model"]}}}
    status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
    assert status == 200, out


def test_a_runtime_port_that_cannot_be_bound_says_where_it_came_from(home: Path) -> None:
    """`config set server.port P`, and at the next start P is taken: the error says P was set at runtime, where, and
    how out (it named a port in no file the operator edits)."""
    import socket
    import subprocess
    import sys

    from tests.support.proc import daemon_env

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    home.mkdir(parents=True, exist_ok=True)
    runtime_file(home).write_text(json.dumps({"server": {"port": port}}))
    try:
        done = subprocess.run([sys.executable, "-m", "larouter.daemon"], env=daemon_env(home), capture_output=True,
                              text=True, timeout=60)
    finally:
        taken.close()
    assert done.returncode == 1, done.stderr
    assert f"server.port {port} was set at runtime ({runtime_file(home)})" in done.stderr, done.stderr
    assert "larouter config unset server.port" in done.stderr


def test_the_start_names_file_settings_a_runtime_change_hides(home: Path, tmp_path: Path) -> None:
    """The config file sets `routing.cooldown`, a runtime change set it too: the start says the file's value is not
    in force and how to put it back (an edit to the file was ignored without a word)."""
    from tests.support.proc import daemon_log, larouterd

    cfg = tmp_path / "c.toml"
    cfg.write_text("[routing]\ncooldown = 12.0\n")
    home.mkdir(parents=True, exist_ok=True)
    runtime_file(home).write_text(json.dumps({"routing": {"cooldown": 6.0}}))
    with larouterd(home, "--config", str(cfg)) as (url, _):
        assert http_json("GET", url + "/api/config")[1]["routing"]["cooldown"] == 6.0
    log = daemon_log(home)
    assert f"{cfg} sets routing.cooldown, but a change made at runtime" in log and "config unset" in log, log[-1500:]
