"""The `larouter` CLI against a running daemon: every command, its output and its exit code."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.request import Request, urlopen
from typing import Any, Callable

import click
import pytest

from larouter.cli import main
from larouter.cli.once import OnceOption
from tests.conftest import FAKE_KEY, Router
from tests.support.cli import NOBODY, as_nobody, ok_json, on, run
from tests.support.proc import free_port
from tests.support.servers import http_json, wait_until

PRICES = '\n[providers.fake.prices."gpt-fake"]\ninput = 2.0\noutput = 8.0\n'


# --- status, daemon down, bad arguments ---------------------------------------------------------------------


def test_status(router: Router) -> None:
    """`status` shows health, uptime, running models and this month's spend, as text or JSON."""
    data = ok_json(router, "status")
    assert data["status"] == "ok" and data["uptime"] >= 0 and data["running"] == []
    assert data["spend"] == {"period": "monthly", "totalCost": 0.0, "totalCalls": 0, "projects": 1}
    assert data["routing"] == {"stickyConversations": 0, "trackedTurns": 0, "learnedHeartbeats": 0}
    text = on(router, "status")
    assert text.exit_code == 0
    for part in (f"{router.url}: ok", "running models", "none", "spend this month", "$0.0000 over 0 calls",
                 "(all projects, deleted ones included)", "0 learned heartbeats, 0 sticky conversations"):
        assert part in text.stdout, part


@pytest.mark.parametrize("args", [
    ["status"], ["models", "catalog"], ["models", "list"], ["models", "ps"], ["models", "start", "x"],
    ["models", "download", "x"], ["models", "logs", "x"], ["projects", "list"], ["projects", "create", "a"],
    ["usage"], ["usage", "export", "-o", "-"], ["config", "get"], ["config", "set", "a.b", "1"],
    ["route", "explain", "hi"],
])
def test_daemon_down_exits_2_with_hint(args: list[str]) -> None:
    """Every command against a closed port: exit 2, one line naming the URL and how to start the daemon."""
    url = f"http://127.0.0.1:{free_port()}"
    result = on(url, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach larouterd at {url}" in lines[0] and "larouterd" in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["nonsense"], "No such command"),
    (["models", "start"], "Missing argument 'ID'"),
    (["usage", "--period", "yearly"], "'yearly' is not one of"),
    (["projects", "create", "x", "--budget", "lots"], "not an amount in USD"),
    (["projects", "update", "default"], "nothing to change"),
    (["models", "add", "mine"], "give either --path FILE.gguf, or --repo and --file"),
    (["models", "add", "mine", "--path", "/nonexistent/x.gguf"], "does not exist"),
    (["route", "explain"], "give a PROMPT or --file"),
    (["config", "get", "not a key"], "is not a dotted key"),
    (["config", "set", "server.port"], "Missing argument 'VALUE'"),
])
def test_bad_arguments_exit_1(args: list[str], message: str) -> None:
    """Click usage errors exit 1 (2 means unreachable), with click's usage hint and no request sent."""
    result = on(f"http://127.0.0.1:{free_port()}", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Usage:" in result.stderr


def test_rejected_requests_exit_1(router: Router) -> None:
    """A 4xx from the daemon is exit 1 with its one-line message."""
    result = on(router, "projects", "create", "x", "--policy", "cheapest")
    assert result.exit_code == 1 and "HTTP 400: 'routingPolicy' must be one of cost-optimized" in result.stderr
    result = on(router, "projects", "delete", "proj_nope", "--yes")
    assert result.exit_code == 1 and "no project 'proj_nope': it is neither a project's id nor its name" in result.stderr
    result = on(router, "models", "health", "nope")
    assert result.exit_code == 1 and "HTTP 404" in result.stderr and "unknown model 'nope'" in result.stderr


def test_not_larouterd(fake: Any) -> None:
    """Another HTTP server at the URL is a clean exit 1, not a traceback."""
    result = on(fake.url, "status")
    assert result.exit_code == 1 and result.stderr.startswith("error:")


def test_foreign_json_server_is_not_mistaken_for_larouterd() -> None:
    """A server that answers /health with JSON of its own shape is an exit 1 naming the doubt, not a KeyError."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = b'{"status": "healthy"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = on(f"http://127.0.0.1:{server.server_address[1]}", "status")
    finally:
        server.shutdown()
    assert result.exit_code == 1 and "not a LARouter daemon (HTTP 200" in result.stderr, result.output
    assert "KeyError" not in result.output


def test_status_with_a_rejected_token_exits_1(router: Router) -> None:
    """A token the daemon refuses is an error (exit 1, HTTP 401), not a status of "ok" with blanks."""
    result = on(router, "status", "--token", "lr_sk_not_a_real_token")
    assert result.exit_code == 1 and "HTTP 401" in result.stderr, result.output


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:21", "127.0.0.1:18790", "http://", "file:///etc/passwd"])
def test_url_must_be_http(url: str) -> None:
    """--url that is not an http(s) address is refused at once (exit 1), never waited on."""
    result = on(url, "status")
    assert result.exit_code == 1 and "http:// or https://" in result.stderr, result.output


def test_url_from_env_and_from_settings(router: Router, tmp_path: Path, home: Path) -> None:
    """LAROUTER_URL picks the daemon; without it the CLI uses server.host/port from the settings."""
    data = json.loads(run("status", "--json", env={"LAROUTER_URL": router.url}).stdout)
    assert data["url"] == router.url
    port = router.url.rsplit(":", 1)[1]
    cfg = tmp_path / "cli.toml"
    cfg.write_text(f'[server]\nhost = "127.0.0.1"\nport = {port}\n')
    result = run("status", "--json", env={"LAROUTER_CONFIG": str(cfg), "LAROUTER_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"] == f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(("text", "message"), [
    ("[server]\nport = -1\n", "server.port: must be a TCP port (0-65535), got -1"),
    ("[server\n", "not valid TOML"),
    ("[server]\nport = 1\n# caf\udce9\n", "byte 0xe9 at offset 23 is not UTF-8"),  # a Latin-1 comment
])
def test_a_broken_config_is_reported_not_taken_for_a_daemon_that_is_down(tmp_path: Path, home: Path, text: str,
                                                                         message: str) -> None:
    """Without --url the CLI reads the daemon's address from the settings: when they are broken it says so, naming
    the file and the key (exit 1), instead of "cannot reach larouterd at" the default address."""
    cfg = tmp_path / "broken.toml"
    cfg.write_bytes(text.encode("utf-8", "surrogateescape"))
    for args in (["status"], ["config", "get"]):
        result = run(*args, env={"LAROUTER_CONFIG": str(cfg), "LAROUTER_HOME": str(home)})
        assert result.exit_code == 1, result.output
        assert str(cfg) in result.stderr and message in result.stderr and "--url" in result.stderr, result.stderr
        assert "cannot reach" not in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="becoming another user needs root (CI runs as root)")
def test_a_config_directory_we_may_not_search_is_said(tmp_path: Path) -> None:
    """`sudo -u other larouter status` keeps HOME=/root: looking for ~/.config/larouter/config.toml in a directory
    the user may not search said "unexpected PermissionError" (review AO): the file is named with why."""
    theirs = tmp_path / "root-home"  # (root's, 0700)
    theirs.mkdir(mode=0o700)
    mine = Path(tempfile.mkdtemp(prefix="larouter-nobody-"))  # (tmp_path is in root's 0700 directory)
    try:
        os.chown(mine, NOBODY, NOBODY)
        for args in (["status"], ["config", "get", "routing"]):
            code, said = as_nobody(mine, *args, env={"HOME": str(theirs), "XDG_CONFIG_HOME": None, "LAROUTER_CONFIG": None,
                                                     "LAROUTER_HOME": str(mine / "home")})
            assert code == 1 and "unexpected" not in said, said
            assert f"{theirs}/.config/larouter/config.toml: cannot read config file: Permission denied" in said, said
    finally:
        shutil.rmtree(mine, ignore_errors=True)


# --- projects -----------------------------------------------------------------------------------------------


def test_projects_lifecycle(router: Router) -> None:
    """create prints the token once, list/update show it, rotate revokes the old token, delete asks first."""
    made = on(router, "projects", "create", "my-app", "--budget", "50", "--policy", "balanced", "--window", "weekly",
              "--description", "prod")
    assert made.exit_code == 0, made.output
    token = next(w for w in made.stdout.split() if w.startswith("lr_sk_"))
    assert made.stdout.count(token) == 1 and "shown only this once" in made.stdout
    pid = made.stdout.split("(", 1)[1].split(")", 1)[0]
    listed = ok_json(router, "projects", "list")
    mine = next(p for p in listed if p["id"] == pid)
    assert (mine["name"], mine["budgetUsd"], mine["budgetWindow"], mine["routingPolicy"], mine["description"]) == (
        "my-app", 50.0, "weekly", "balanced", "prod")
    assert token not in json.dumps(listed) and pid in on(router, "projects", "list").stdout

    assert ok_json(router, "projects", "update", pid, "--budget", "none", "--name", "renamed")["budgetUsd"] is None
    # a project token alone reads its own project's usage and export: no --project needed
    mine_env = {"LAROUTER_URL": router.url, "LAROUTER_TOKEN": token}
    own = run("usage", "--json", env=mine_env)
    assert own.exit_code == 0 and json.loads(own.stdout)["projectId"] == pid, own.output
    assert f"Usage of project renamed ({pid})" in run("usage", env=mine_env).stdout
    assert run("usage", "models", "--json", env=mine_env).exit_code == 0
    exported = run("usage", "export", "-o", "-", env=mine_env)
    assert exported.exit_code == 0 and exported.stdout.startswith("time,project,"), exported.output
    # a project token may not administer projects: exit 1 with the token hint
    denied = run("projects", "list", env={"LAROUTER_URL": router.url, "LAROUTER_TOKEN": token})
    assert denied.exit_code == 1 and "HTTP 403" in denied.stderr and "--token" in denied.stderr

    declined = on(router, "projects", "rotate-token", pid, input="n\n")
    assert declined.exit_code == 1 and "aborted" in declined.stderr
    unanswered = on(router, "projects", "rotate-token", pid, input="")  # stdin at its end: said on a line of its own
    assert unanswered.exit_code == 1 and "\nerror: aborted: no answer (stdin ended)" in unanswered.stderr, unanswered.stderr
    rotated = ok_json(router, "projects", "rotate-token", pid, "--yes")
    assert rotated["token"].startswith("lr_sk_") and rotated["token"] != token
    old = run("usage", "--project", pid, env={"LAROUTER_URL": router.url, "LAROUTER_TOKEN": token})
    assert old.exit_code == 1 and "HTTP 401" in old.stderr

    deleted = on(router, "projects", "delete", pid, input="y\n")
    assert deleted.exit_code == 0 and f"deleted {pid}" in deleted.stdout
    assert pid not in [p["id"] for p in ok_json(router, "projects", "list")]


# --- config -------------------------------------------------------------------------------------------------


def test_config_get_set_unset(router: Router) -> None:
    """Dotted get; set parses TOML values and builds the merge patch; secrets stay masked; unset drops it."""
    assert ok_json(router, "config", "get", "routing.default_model") == "gpt-fake"
    assert 'routing.default_model = "gpt-fake"' in on(router, "config", "get", "routing").stdout
    everything = on(router, "config", "get")
    assert everything.exit_code == 0 and "server.port = " in everything.stdout
    assert FAKE_KEY not in everything.stdout and FAKE_KEY not in json.dumps(ok_json(router, "config", "get"))

    assert ok_json(router, "config", "set", "server.shutdown_grace", "30") == {
        "key": "server.shutdown_grace", "value": 30.0, "restartRequired": []}
    assert ok_json(router, "config", "get", "server.shutdown_grace") == 30.0
    out = on(router, "config", "set", "routing.default_model", "fake-slow")
    assert out.exit_code == 0 and 'set routing.default_model = "fake-slow"' in out.stdout
    assert ok_json(router, "config", "set", "providers.fake.models", '["gpt-fake", "fake-slow"]')["value"] == [
        "gpt-fake", "fake-slow"]
    restart = on(router, "config", "set", "server.max_body_bytes", "1048576")
    assert "restart larouterd to apply: server.max_body_bytes" in restart.stdout

    secret = "sk-cli-secret-0123456789abcdef"
    masked = on(router, "config", "set", "providers.fake.api_key", "-", "--token", router.admin_token,
                input=secret + "\n")
    assert masked.exit_code == 0 and secret not in masked.output and "sk-...cdef" in masked.stdout
    assert ok_json(router, "config", "get", "providers.fake.api_key") == "sk-...cdef"

    bad = run("config", "set", "--url", router.url, "server.shutdown_grace", "--", "-1")
    assert bad.exit_code == 1 and "HTTP 400" in bad.stderr and "shutdown_grace" in bad.stderr
    assert on(router, "config", "get", "server.nope").exit_code == 1
    unset = on(router, "config", "unset", "routing.default_model")
    assert unset.exit_code == 0 and 'unset routing.default_model (now "gpt-fake")' in unset.stdout
    for args in (["get", "routing.nonexistent"], ["unset", "routing.nonexistent"], ["unset", "nope.x", "--json"]):
        unknown = on(router, "config", *args)  # an unknown key is the same error for get and unset
        key = args[1]
        assert unknown.exit_code == 1 and f"no setting {key!r}" in unknown.stderr, (args, unknown.output)
        assert unknown.stdout == ""


# --- usage --------------------------------------------------------------------------------------------------


def test_usage_tables_chart_and_export(make_router: Callable[..., Router], tmp_path: Path) -> None:
    """After a paid call: totals, by model, by tier, savings, the daily bar chart, per-model detail and CSV."""
    router = make_router(extra_toml=PRICES)
    status, _ = http_json("POST", router.v1 + "/chat/completions",
                          {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 200
    wait_until(lambda: http_json("GET", router.url + "/api/usage")[1]["totalCalls"] == 1, 10, "the call to be billed")

    data = ok_json(router, "usage")
    assert data["totalCalls"] == 1 and data["totalCost"] > 0 and "gpt-fake" in data["byModel"]
    text = on(router, "usage", "--period", "monthly")
    assert text.exit_code == 0, text.output
    for part in ("Usage of project default, monthly", "over 1 call (1 ok)", "By model", "gpt-fake", "By tier",
                 "Savings", "vs gpt-4o", "Daily cost", "█", "100%"):
        assert part in text.stdout, part
    status, other = http_json("POST", router.url + "/api/projects", {"name": "other"})
    assert status == 201 and "no calls recorded" in on(router, "usage", "--project", other["id"]).stdout
    typo = on(router, "usage", "--project", "otehr")  # no such project: an error, not zero spend
    assert typo.exit_code == 1 and "no project 'otehr'" in typo.stderr, typo.output

    detail = ok_json(router, "usage", "models", "--sort", "calls")
    assert [m["model"] for m in detail["data"]] == ["gpt-fake"] and detail["sort"] == "calls"
    assert "gpt-fake" in on(router, "usage", "models").stdout

    target = tmp_path / "out" / "usage.csv"
    target.parent.mkdir()
    exported = on(router, "usage", "export", "-o", str(target), "--period", "all")
    assert exported.exit_code == 0 and f"to {target}" in exported.stderr
    rows = target.read_text().splitlines()
    assert rows[0].startswith("time,project,requested_model,model") and len(rows) == 2 and "gpt-fake" in rows[1]
    assert list(target.parent.iterdir()) == [target]  # no partial file left behind
    stdout = on(router, "usage", "export", "-o", "-")
    assert stdout.exit_code == 0 and stdout.stdout.splitlines() == rows
    unwritable = on(router, "usage", "export", "-o", str(tmp_path / "missing-dir" / "x.csv"))
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.stderr
    # where even removing the partial file fails (a read-only file system; here a file in place of a directory, which
    # refuses both with ENOTDIR): still "cannot write", exit 1, not "cannot reach larouterd", exit 2 (review B)
    (tmp_path / "a-file").write_text("")
    nowhere = on(router, "usage", "export", "-o", str(tmp_path / "a-file" / "x.csv"))
    assert nowhere.exit_code == 1 and "cannot write" in nowhere.stderr and "reach" not in nowhere.stderr, nowhere.output


def test_options_given_to_a_group_reach_its_command(make_router: Callable[..., Router]) -> None:
    """`larouter usage --project P models` and `... export` read P (they read the default project), `--period` on
    the group too, `larouter --url U --json status` works (it was "No such option"), and one option given twice
    with different values is an error naming both."""
    router = make_router(extra_toml=PRICES)
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "grouped"})
    assert status == 201
    for token in (proj["token"], None):
        req = Request(router.v1 + "/chat/completions", method="POST", data=json.dumps(
            {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
        with urlopen(req, timeout=30) as resp:
            assert resp.status == 200
    wait_until(lambda: http_json("GET", router.url + f"/api/usage?projectId={proj['id']}")[1]["totalCalls"] == 1,
               10, "the project's call to be billed")
    models = run("usage", "--project", proj["id"], "--period", "all", "models", "--json", "--url", router.url)
    assert models.exit_code == 0, models.output
    assert json.loads(models.stdout)["period"] == "all"
    assert [m["calls"] for m in json.loads(models.stdout)["data"]] == [1]
    export = run("usage", "--project", proj["id"], "export", "-o", "-", "--url", router.url)
    rows = export.stdout.splitlines()
    assert export.exit_code == 0 and len(rows) == 2 and f",{proj['id']}," in rows[1], export.output
    top = run("--url", router.url, "--json", "status")
    assert top.exit_code == 0 and json.loads(top.stdout), top.output
    twice = run("usage", "--project", proj["id"], "models", "--project", "default", "--url", router.url)
    assert twice.exit_code == 1 and "--project given as" in twice.output and "give it once" in twice.output


def test_an_option_given_twice_to_one_command_with_two_values_is_an_error(router: Router) -> None:
    """`usage --project a --project b`, `--url A --url B status`: an error naming both values, as the same option
    given to a group and its command is (click took the last one, so a script that appends options read the wrong
    project without a word); the same value twice is that value, and a flag may be repeated."""
    twice = run("usage", "--project", "default", "-p", "other", "--url", router.url)
    assert twice.exit_code == 1 and "--project given as 'default' and as 'other'" in twice.output, twice.output
    assert "give it once" in twice.output and "Traceback" not in twice.output
    urls = run("--url", router.url, "--url", "http://127.0.0.1:9", "status")
    assert urls.exit_code == 1 and "--url given as" in urls.output, urls.output
    same = run("usage", "--period", "all", "--period", "all", "--json", "--json", "--url", router.url)
    assert same.exit_code == 0 and json.loads(same.stdout)["period"] == "all", same.output


def test_every_option_is_given_once() -> None:
    """Every option of every command that takes a value is a `OnceOption` (one declared with plain click.option would
    take the last of two values again)."""
    def commands(cmd: click.Command) -> Any:
        yield cmd
        for sub in getattr(cmd, "commands", {}).values():
            yield from commands(sub)
    valued = [(c.name, p) for c in commands(main) for p in c.params
              if isinstance(p, click.Option) and not (p.is_flag or p.count or p.multiple)]
    plain = [(name, p.name) for name, p in valued if not isinstance(p, OnceOption)]
    assert len(valued) > 30 and not plain, plain


# --- route explain ----------------------------------------------------------------------------------------------


def test_route_explain(router: Router, tmp_path: Path) -> None:
    """explain a prompt or a request file: tier, confidence, reasons and candidates."""
    body = {"model": "auto", "messages": [{"role": "user", "content": "Prove that sqrt(2) is irrational."}]}
    status, direct = http_json("POST", router.url + "/api/route/explain", body)
    assert status == 200, direct
    data = ok_json(router, "route", "explain", body["messages"][0]["content"])
    assert data["tier"] == direct["tier"] and {"confidence", "reasons", "candidates"} <= set(data)
    request = tmp_path / "request.json"
    request.write_text(json.dumps(body))
    assert ok_json(router, "route", "explain", "--file", str(request))["tier"] == direct["tier"]
    text = on(router, "route", "explain", "--file", str(request))
    assert text.exit_code == 0 and f"Tier {direct['tier']}" in text.stdout and "confidence" in text.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert on(router, "route", "explain", "--file", str(bad)).exit_code == 1
