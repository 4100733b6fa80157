"""The admin token: a PATCHed one applies at once (the old one is refused), and one no client could send is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from larouter.runtime import runtime_file
from tests.conftest import Router
from tests.support.cli import run
from tests.support.proc import daemon_env, larouterd
from tests.support.servers import http_json, http_raw

NEW = "lr_rotated_admin_token_0001"


def status_with(url: str, token: str) -> int:
    """The status of GET /api/config presenting this token."""
    return http_raw("GET", url + "/api/config", headers={"Authorization": f"Bearer {token}"})[0]


def test_a_patched_admin_token_applies_at_once_and_the_cli_keeps_working(home: Path) -> None:
    """`larouter config set server.admin_token T` needs no restart: the daemon refuses the old token and takes T from
    the next request on, so the CLI (which reads T from runtime-config.json) keeps working; unsetting it brings the
    generated token back (it said `restartRequired: []` and kept the old token: every CLI command was a 401)."""
    env = {"LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg")}
    with larouterd(home) as (url, _proc):
        old = (home / "admin_token").read_text().strip()
        changed = run("config", "set", "server.admin_token", NEW, env=env)
        assert changed.exit_code == 0 and "restart" not in changed.output, changed.output
        assert status_with(url, old) == 401
        assert status_with(url, NEW) == 200
        shown = run("status", "--json", env=env)
        assert shown.exit_code == 0 and json.loads(shown.stdout)["url"] == url, shown.output
        unset = run("config", "unset", "server.admin_token", env=env)
        assert unset.exit_code == 0, unset.output
        assert status_with(url, NEW) == 401 and status_with(url, old) == 200
        assert run("status", env=env).exit_code == 0


@pytest.mark.parametrize("token", ["", "a", "short-token-15c", "tok with space 0123456789", "abc\u0000def0123456789ab",
                                   "line\nbreak-0123456789", "tab\tseparated-0123456789", "ünïcode-token-0123456789"])
def test_an_admin_token_no_client_could_send_is_refused(router: Router, token: str) -> None:
    """An empty, short (under 16 characters), spaced, control-character or non-ASCII admin token is a 400 naming
    `server.admin_token`, never echoing the value, and nothing changes (a NUL token was kept, and every CLI command
    then failed with "not a LARouter daemon (HTTP 400 text/plain)")."""
    before = http_json("GET", router.url + "/api/config")[1]
    status, out = http_json("PATCH", router.url + "/api/config", {"server": {"admin_token": token}},
                            headers=router.admin)
    assert status == 400, out
    error = out["error"]
    assert error["param"] == "server.admin_token" and error["code"] == "invalid_config", error
    assert "server.admin_token: must be at least 16 printable ASCII characters" in error["message"], error
    if len(token) > 3:  # ("a" is in any message)
        assert token not in json.dumps(out) and json.dumps(token)[1:-1] not in json.dumps(out)
    assert http_json("GET", router.url + "/api/config")[1] == before
    assert not runtime_file(router.settings.home).exists()


def test_dropping_the_only_admin_token_of_a_network_bind_is_refused(make_router, home: Path) -> None:
    """On a non-loopback bind whose token was set at runtime, with no generated token to fall back to, unsetting
    `server.admin_token` is a 400 (the next start would refuse to run), and the token still works."""
    token = "adm-0123456789abcdef"
    runtime_file(home).write_text(json.dumps({"server": {"admin_token": token}}))
    router = make_router(extra_toml='\n[server]\nhost = "0.0.0.0"\n')
    auth = {"Authorization": f"Bearer {token}"}
    status, raw = http_raw("PATCH", router.url + "/api/config", {"server": {"admin_token": None, "port": 1}},
                           headers=auth)
    assert status == 400 and b"needs an admin token" in raw and token.encode() not in raw, raw
    assert status_with(router.url, token) == 200
    assert not (router.settings.home / "admin_token").exists()


def test_a_token_set_for_the_daemon_alone_reaches_the_owners_cli(home: Path, tmp_path: Path) -> None:
    """A home whose `admin_token` file holds the token generated at an earlier start, and a daemon given another one
    by LAROUTER_ADMIN_TOKEN (or a config file the CLI does not read): the daemon leaves it for its owner's CLI in
    `larouterd.token` while it runs, so the CLI, which has neither, works, guarded settings included (every command
    was a 401 "invalid or revoked token" the user never gave); the generated token stays the file's, and is the
    daemon's again once the variable is gone."""
    env = {"LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg")}
    with larouterd(home):
        old = (home / "admin_token").read_text().strip()
    with larouterd(home, env=daemon_env(home, LAROUTER_ADMIN_TOKEN=NEW)) as (url, _proc):
        assert status_with(url, old) == 401 and status_with(url, NEW) == 200
        assert run("status", env=env).exit_code == 0
        guarded = run("config", "set", "local.extra_args", '["--threads", "1"]', env=env)
        assert guarded.exit_code == 0, guarded.output
        assert (home / "larouterd.token").stat().st_mode & 0o077 == 0
    assert (home / "admin_token").read_text().strip() == old and not (home / "larouterd.token").exists()
    with larouterd(home) as (url, _proc):
        assert status_with(url, old) == 200 and status_with(url, NEW) == 401
        assert run("status", env=env).exit_code == 0
