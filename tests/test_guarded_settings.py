"""Loopback trust makes any local user an admin; the settings that decide where a provider key is sent, what program
runs, which file is read or where the daemon listens, and the model registry (which file answers `auto`), change over
HTTP only for a caller that presents the admin token."""

from __future__ import annotations

import json
import socket
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import openai
import pytest
from aiohttp import web

from larouter.routing.hbmodel import MODEL_FILE
from larouter.runtime import runtime_file
from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.cli import run
from tests.support.fake_openai import STATE, make_fake_openai
from tests.support.proc import larouterd
from tests.support.servers import BackgroundLoop, home_admin, http_json
from tests.support.tiny_gguf import write_tiny_gguf


def guarded_patches(tmp_path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(the key the 403 names, a valid patch that changes it)."""
    prices = tmp_path / "prices.toml"
    prices.write_text('version = "2027-01-01"\n[fake]\n"gpt-fake" = { input = 1.0, output = 1.0 }\n')
    model = tmp_path / "heartbeat.tsv"
    model.write_text(resources.files("larouter.routing").joinpath(MODEL_FILE).read_text("utf-8"))
    return [
        ("providers.fake.base_url", {"providers": {"fake": {"base_url": "http://127.0.0.1:9/v1"}}}),
        ("providers.fake.api_key", {"providers": {"fake": {"api_key": "sk-another-key-0123456789"}}}),
        ("providers.fake.api_key_env", {"providers": {"fake": {"api_key_env": "HOME"}}}),
        ("providers.grab.api_key_env", {"providers": {"grab": {"base_url": "http://127.0.0.1:9/v1",
                                                            "api_key_env": "FAKE_KEY", "models": ["grab-1"]}}}),
        ("local.llama_server", {"local": {"llama_server": str(tmp_path / "evil.sh")}}),
        ("local.extra_args", {"local": {"extra_args": ["--threads", "1"]}}),
        ("local.models.tiny.extra_args", {"local": {"models": {"tiny": {"extra_args": ["--threads", "1"]}}}}),
        ("usage.prices_file", {"usage": {"prices_file": str(prices)}}),
        ("routing.classifier.heartbeat.model_file",
         {"routing": {"classifier": {"heartbeat": {"model_file": str(model)}}}}),
        ("server.admin_token", {"server": {"admin_token": "a-new-admin-token-0123456789"}}),
        ("server.trust_loopback", {"server": {"trust_loopback": False}}),
        ("server.host", {"server": {"host": "127.0.0.2"}}),  # (review AF: the owner's clients, tokens and prompts
        ("server.port", {"server": {"port": 18791}}),  # went wherever another user moved the daemon, at its restart)
        ("routing.classifier.patterns.code_block.pattern",  # (review AG: a pattern that backtracks without end on a
         {"routing": {"classifier": {"patterns": {"code_block": {"pattern": "(a+)+$"}}}}}),  # prompt froze the daemon)
    ]


@pytest.mark.parametrize("case", range(14))
def test_a_guarded_key_needs_the_admin_token(router: Router, tmp_path: Path, case: int) -> None:
    """Each guarded key: without a token (or with an SDK placeholder) a 403 naming it and saying how, nothing
    changes; with the admin token the same patch applies."""
    key, patch = guarded_patches(tmp_path)[case]
    before = http_json("GET", router.url + "/api/config")[1]
    for headers in ({}, {"Authorization": "Bearer unused-on-loopback"}):
        status, out = http_json("PATCH", router.url + "/api/config", patch, headers=headers)
        assert status == 403, out
        error = out["error"]
        assert (error["type"], error["code"], error["param"]) == ("permission_error", "admin_token_required", key)
        assert key in error["message"] and "admin_token" in error["message"], error
        assert "else pass --token" in error["message"], error  # (`--url http://localhost:…` sends none: review AG)
        assert "Nothing was changed" in error["message"]
    assert http_json("GET", router.url + "/api/config")[1] == before
    assert not runtime_file(router.settings.home).exists()
    status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
    assert status == 200, out


def test_dropping_a_guarded_override_needs_the_token_too(router: Router) -> None:
    """`null` over a table that holds a guarded override changes where the key goes: a 403 as well; other keys of
    the same tables still change with loopback trust."""
    url = router.settings.providers["fake"].base_url
    status, _ = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": {"base_url": url + "/"}}},
                          headers=router.admin)
    assert status == 200
    for patch in ({"providers": {"fake": None}}, {"providers": None}, {"providers": {"fake": {"base_url": None}}}):
        status, out = http_json("PATCH", router.url + "/api/config", patch)
        assert status == 403 and out["error"]["param"] == "providers.fake.base_url", out
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": {"read_timeout": 3.0}}})
    assert status == 200 and out["providers"]["fake"]["base_url"] == url + "/", out


def test_other_keys_keep_loopback_trust(router: Router) -> None:
    """Everything else PATCHes with loopback trust, as the contract says."""
    patch = {"routing": {"default_model": "fake-delay", "cooldown": 5.0}, "local": {"ctx_size": 4096},
             "usage": {"batch_rows": 100},
             "providers": {"fake": {"prices": {"gpt-fake": {"input": 1.0, "output": 2.0}}, "read_timeout": 3.0}}}
    status, out = http_json("PATCH", router.url + "/api/config", patch)
    assert status == 200, out
    assert out["routing"]["default_model"] == "fake-delay" and out["local"]["ctx_size"] == 4096


def test_another_local_user_cannot_redirect_the_provider_key(router: Router, fake: Fake,
                                                             servers: BackgroundLoop) -> None:
    """The attack: a loopback caller without the token points a provider at its own listener, then makes a call.
    The PATCH is refused; the call goes to the configured provider and the listener never sees the key."""
    grab = make_fake_openai()
    grab_url = servers.start(grab)
    patch = {"providers": {"fake": {"base_url": grab_url + "/v1"}}}
    status, _ = http_json("PATCH", router.url + "/api/config", patch)
    assert status == 403
    answer = openai.OpenAI(base_url=router.v1, api_key="x").chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content
    assert fake.state.headers[-1]["Authorization"] == f"Bearer {FAKE_KEY}"
    assert grab[STATE].requests == []


def test_the_owner_cli_sets_a_guarded_key_another_user_cannot(home: Path, tmp_path: Path) -> None:
    """`larouter config set providers.openai.base_url ...` by the daemon's owner works (the CLI sends the token it
    reads from $LAROUTER_HOME/admin_token, with --url naming the daemon too); a CLI of another home, which cannot
    read that token, gets the 403 naming the key and saying how."""
    env = {"LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg")}
    with larouterd(home) as (url, _proc):
        done = run("config", "set", "providers.openai.base_url", "http://127.0.0.1:9/v1", env=env)
        assert done.exit_code == 0, done.output
        done = run("config", "set", "providers.openai.base_url", "http://127.0.0.1:8/v1", "--url", url + "/v1", env=env)
        assert done.exit_code == 0, done.output
        other = tmp_path / "other"
        other.mkdir()
        refused = run("config", "set", "providers.openai.base_url", "http://127.0.0.1:7/v1", "--url", url,
                      env={"LAROUTER_HOME": str(other), "XDG_CONFIG_HOME": str(other / "xdg")})
        assert refused.exit_code == 1, refused.output
        assert "HTTP 403" in refused.output and "providers.openai.base_url needs the admin token" in refused.output
        saved = json.loads(runtime_file(home).read_text())
        assert saved["providers"]["openai"]["base_url"] == "http://127.0.0.1:8/v1"


def test_the_cli_sends_no_token_where_no_daemon_of_its_home_listens(servers: BackgroundLoop, home: Path,
                                                                    tmp_path: Path) -> None:
    """While larouterd is down, another local user's program may listen on its configured port: the CLI, which
    finds the daemon there through the settings, sends it no admin token (it sent the one in $LAROUTER_HOME)."""
    seen: list[str | None] = []

    async def squat(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"status": "ok", "uptime": 1})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", squat)
    port = servers.start(app).rsplit(":", 1)[1]
    (home / "admin_token").write_text("lr_admin_owner-only-token-0123456789\n")
    cfg = tmp_path / "cli.toml"
    cfg.write_text(f'[server]\nhost = "127.0.0.1"\nport = {port}\n')
    env = {"LAROUTER_CONFIG": str(cfg), "LAROUTER_HOME": str(home)}
    run("status", env=env)
    run("config", "set", "providers.openai.base_url", "http://127.0.0.1:9/v1", env=env)
    run("status", "--url", f"http://127.0.0.1:{port}", env=env)
    assert seen and seen == [None] * len(seen), seen
    said = " ".join(run("status", "--help", env=env).output.split())  # (it claimed the token went where the URL
    assert ("default: the local admin token when the URL is where this home's running larouterd listens "  # came
            "(larouterd.address), else none;") in said, said  # from the settings: review AU 8)
    assert "comes from the settings" not in said.split("--token", 1)[1], said


def test_every_block_read_can_be_sent_back_whole_without_the_token(router: Router, home: Path) -> None:
    """GET /api/config, then PATCH each top-level block back as it was shown, on loopback trust: 200, and no guarded
    key is pinned by a runtime override (the routing block, which shows `heartbeat.model_file`, was a 403 once the
    classifier's file names were shown: review AE); a guarded key sent back changed is still a 403."""
    shown = http_json("GET", router.url + "/api/config")[1]
    for block in ("server", "routing", "usage", "local", "providers"):
        status, out = http_json("PATCH", router.url + "/api/config", {block: shown[block]})
        assert status == 200, (block, out)
    assert http_json("GET", router.url + "/api/config")[1] == shown
    overrides = json.loads(runtime_file(home).read_text()) if runtime_file(home).exists() else {}
    assert "model_file" not in json.dumps(overrides) and "prices_file" not in json.dumps(overrides), overrides
    routing = json.loads(json.dumps(shown["routing"]))
    routing["classifier"]["heartbeat"]["model_file"] = "/etc/passwd"
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": routing})
    assert status == 403 and out["error"]["param"] == "routing.classifier.heartbeat.model_file", out


def user_models(router: Router) -> list[str]:
    """The ids of the models registered on this router."""
    return [m["id"] for m in http_json("GET", router.url + "/api/models/catalog")[1]["data"] if m["user"]]


def test_registering_and_removing_a_model_need_the_admin_token(router: Router, tmp_path: Path) -> None:
    """Another local user, with loopback trust alone, registered a GGUF of theirs that then answered the owner's
    `auto` requests (run by llama-server as the owner), and learnt from the 400s whether the owner's files exist
    (review AF 2, 3). `POST /api/models` and `DELETE /api/models/{id}` without the token (or with an SDK
    placeholder) are a 403 `admin_token_required`, the same for any path, and nothing changes; with it, they work."""
    gguf = write_tiny_gguf(tmp_path / "mine.gguf")
    registry = router.settings.home / "models" / "registered.json"
    answers = []
    for headers in ({}, {"Authorization": "Bearer unused-on-loopback"}):
        for path in (str(gguf), str(tmp_path / "no-such.gguf"), str(tmp_path)):
            status, out = http_json("POST", router.url + "/api/models", {"id": "mine", "path": path}, headers=headers)
            assert status == 403, out
            error = out["error"]
            assert (error["type"], error["code"], error["param"]) == ("permission_error", "admin_token_required", "id")
            assert "registering a local model needs the admin token" in error["message"], error
            assert "Nothing was changed" in error["message"], error
            answers.append(error)
    assert all(error == answers[0] for error in answers), answers  # (no oracle: a file, none, a directory alike)
    assert user_models(router) == [] and not registry.exists()
    status, out = http_json("POST", router.url + "/api/models", {"id": "mine", "path": str(gguf)}, headers=router.admin)
    assert status == 201, out
    for headers in ({}, {"Authorization": "Bearer unused-on-loopback"}):
        status, out = http_json("DELETE", router.url + "/api/models/mine", headers=headers)
        assert status == 403 and out["error"]["code"] == "admin_token_required", out
        assert "removing a local model needs the admin token" in out["error"]["message"], out
    assert user_models(router) == ["mine"] and "mine" in registry.read_text()
    status, out = http_json("DELETE", router.url + "/api/models/mine", headers=router.admin)
    assert status == 200 and out == {"id": "mine", "deleted": True}, out
    assert user_models(router) == []


def test_the_owner_cli_adds_and_removes_a_model_another_user_cannot(home: Path, tmp_path: Path) -> None:
    """`larouter models add` / `models remove` by the daemon's owner work (the CLI sends the token it reads from
    $LAROUTER_HOME/admin_token); a CLI of another home, which cannot read that token, gets the 403 saying how, and
    nothing changes. A PATCH of server.port with loopback trust alone is refused the same way."""
    gguf = write_tiny_gguf(tmp_path / "mine.gguf")
    env = {"LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg")}
    other = tmp_path / "other"
    other.mkdir()
    stranger = {"LAROUTER_HOME": str(other), "XDG_CONFIG_HOME": str(other / "xdg")}
    with larouterd(home) as (url, _proc):
        refused = run("models", "add", "theirs", "--path", str(gguf), "--url", url, env=stranger)
        assert refused.exit_code == 1, refused.output
        said = " ".join(refused.output.split())
        assert "HTTP 403" in said and "registering a local model needs the admin token" in said, said
        done = run("models", "add", "mine", "--path", str(gguf), env=env)
        assert done.exit_code == 0 and f"registered mine ({gguf})" in done.stdout, done.output
        refused = run("models", "remove", "mine", "--yes", "--url", url, env=stranger)
        assert refused.exit_code == 1, refused.output
        assert "removing a local model needs the admin token" in refused.output, refused.output
        catalog = http_json("GET", url + "/api/models/catalog")[1]["data"]
        assert [m["id"] for m in catalog if m["user"]] == ["mine"]
        port = int(url.rsplit(":", 1)[1])
        status, out = http_json("PATCH", url + "/api/config", {"server": {"port": port + 1}})
        assert status == 403 and out["error"]["param"] == "server.port", out
        assert not runtime_file(home).exists()
        done = run("models", "remove", "mine", "--yes", "--url", url, env=env)
        assert done.exit_code == 0 and "removed mine" in done.stdout, done.output
        status, out = http_json("PATCH", url + "/api/config", {"server": {"port": port + 1}}, headers=home_admin(home))
        assert status == 200 and json.loads(runtime_file(home).read_text())["server"]["port"] == port + 1, out


def test_the_owner_cli_at_localhost_sends_the_token_to_the_recorded_address(router: Router, tmp_path: Path) -> None:
    """The owner's CLI aimed at its own daemon as `http://localhost:PORT` (--url or LAROUTER_URL; the daemon recorded
    `http://127.0.0.1:PORT`) adds and removes a model: it talks to the recorded address with the token it reads (it
    sent none, and the 403 said the CLI reads the token: review AG). At another address (here another daemon) it
    sends no token, and the 403 says why."""
    gguf = write_tiny_gguf(tmp_path / "mine.gguf")
    home = tmp_path / "own"
    home.mkdir()
    env = {"LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg")}
    with larouterd(home) as (url, _proc):
        port = url.rsplit(":", 1)[1]
        done = run("models", "add", "mine", "--path", str(gguf), "--url", f"http://localhost:{port}", env=env)
        assert done.exit_code == 0 and f"registered mine ({gguf})" in done.stdout, done.output
        refused = run("models", "add", "mine", "--path", str(gguf), "--url", router.url, env=env)
        assert refused.exit_code == 1, refused.output
        said = " ".join(refused.output.split())
        assert "HTTP 403" in said and "registering a local model needs the admin token" in said, said
        assert (f"--url / LAROUTER_URL differs from the address larouterd recorded ({url}): pass --token or use that "
                "address") in said, said
        assert b"authorization" not in heard_at_ipv6_loopback(int(port), "models", "remove", "mine", "--yes", env=env)
        done = run("models", "remove", "mine", "--yes", env={**env, "LAROUTER_URL": f"http://localhost:{port}/v1"})
        assert done.exit_code == 0 and "removed mine" in done.stdout, done.output
        catalog = http_json("GET", url + "/api/models/catalog")[1]["data"]
        assert [m["id"] for m in catalog if m["user"]] == []


def heard_at_ipv6_loopback(port: int, *args: str, env: dict[str, str]) -> bytes:
    """What a listener of another user's on [::1]:`port` gets (the request's head, lowercased) from `larouter ARGS
    --url http://[::1]:PORT`: an address the daemon did not record, however near."""
    heard: list[bytes] = []
    with socket.socket(socket.AF_INET6) as listener:
        listener.bind(("::1", port))
        listener.listen()
        listener.settimeout(30)

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(30)
                while b"\r\n\r\n" not in b"".join(heard) and (data := conn.recv(65536)):
                    heard.append(data)

        thread = threading.Thread(target=serve)
        thread.start()
        result = run(*args, "--url", f"http://[::1]:{port}", env=env)
        thread.join(30)
    assert result.exit_code != 0 and heard, result.output
    return b"".join(heard).lower()


def test_a_wrong_token_given_is_said_to_be_wrong(router: Router) -> None:
    """A mistyped admin token given with --token (or LAROUTER_TOKEN) got "pass an admin token with --token", which the
    user just did (review AU 3): the CLI says the token given is not this daemon's admin token, never showing it.
    Without a token, the advice to pass one stays."""
    for token, env in (("my-mistyped-admin-token", {}), ("lr_mistyped-admin-token-0123456789", {}),
                       ("lr_from-the-environment-0123456789", {"LAROUTER_TOKEN": "lr_from-the-environment-0123456789"})):
        args = () if env else ("--token", token)
        result = run("config", "set", "local.llama_server", "/bin/true", "--url", router.url, *args, env=env)
        said = " ".join(result.output.split())
        assert result.exit_code == 1 and ("HTTP 403" in said or "HTTP 401" in said), said
        assert "the token given with --token or LAROUTER_TOKEN is not this daemon's admin token" in said, said
        assert "pass an admin token" not in said and token not in said and token[3:] not in said, said
    result = run("config", "set", "local.llama_server", "/bin/true", "--url", router.url)
    said = " ".join(result.output.split())
    assert "HTTP 403" in said and "(pass an admin token with --token or LAROUTER_TOKEN)" in said, said
    assert "is not this daemon's admin token" not in said
    assert not runtime_file(router.settings.home).exists()
