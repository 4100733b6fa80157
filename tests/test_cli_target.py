"""Which daemon the `larouter` CLI talks to: something at the URL that is not larouterd is named as such, and the
address comes from the same effective settings the daemon reads (runtime-config.json included)."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp import web

from tests.support.cli import ROOT, on, run
from tests.support.proc import daemon_env, free_port, larouterd, wait_healthy
from tests.support.servers import BackgroundLoop

COMMANDS = [["status"], ["usage"], ["usage", "models"], ["usage", "export", "-o", "-"], ["models", "list"],
            ["models", "logs", "x"], ["models", "download", "x"], ["projects", "list"], ["config", "get"],
            ["route", "explain", "hi"]]


def other_server(servers: BackgroundLoop, status: int, content_type: str, body: str) -> str:
    """Some other web server on a free loopback port: every path, every method answers the same page."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    return servers.start(app)


def empty_aiohttp(servers: BackgroundLoop) -> str:
    """A bare aiohttp server: its own plain-text `404: Not Found` for every path."""
    return servers.start(web.Application())


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize(("kind", "shown"), [("404 text", "HTTP 404 text/plain"), ("html 200", "HTTP 200 text/html"),
                                             ("html 502", "HTTP 502 text/html"),
                                             ("llama-server", "HTTP 404 application/json"),
                                             ("json api", "HTTP 200 application/json")])
def test_a_server_that_is_not_larouterd_is_named_so(servers: BackgroundLoop, args: list[str], kind: str,
                                                    shown: str) -> None:
    """Every command against a plain-text 404, an HTML page or another JSON API (another web server at the URL:
    llama-server on :8080 answers OpenAI-shaped errors) says "<url>: not a LARouter daemon (HTTP <status> <type>)"
    on one line, exit 1, no traceback, nothing on stdout (it said "HTTP 404: Not Found", "did not answer JSON",
    "unexpected KeyError", or printed the other server's data with exit 0)."""
    llama_404 = '{"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}'
    url = {"404 text": lambda: empty_aiohttp(servers),
           "html 200": lambda: other_server(servers, 200, "text/html", "<html><body>It works!</body></html>"),
           "html 502": lambda: other_server(servers, 502, "text/html", "<html>Bad Gateway</html>"),
           "llama-server": lambda: other_server(servers, 404, "application/json", llama_404),
           "json api": lambda: other_server(servers, 200, "application/json", '{"hello": "world"}')}[kind]()
    result = on(url, *args)
    assert result.exit_code == 1, (args, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{url}: not a LARouter daemon ({shown})" in lines[0], (args, result.stderr)
    assert result.stdout == ""


def test_larouterd_errors_are_still_its_own(router: Any) -> None:
    """larouterd's own JSON errors keep their message (a 404 of larouterd is not "not a LARouter daemon")."""
    result = on(router, "models", "health", "nope")
    assert result.exit_code == 1 and "HTTP 404" in result.stderr and "unknown model 'nope'" in result.stderr
    assert "not a LARouter daemon" not in result.stderr


@contextmanager
def daemon_from_settings(home: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """The real larouterd with no --host/--port flag: it listens where its settings say; stopped with SIGTERM."""
    log = open(home / "larouterd.log", "a", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "larouter.daemon"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def test_the_cli_follows_a_port_changed_at_runtime(home: Path, tmp_path: Path) -> None:
    """`larouter config set server.port P2` is kept in runtime-config.json, the top layer of the daemon's next start.
    While the daemon runs, the CLI finds it where it listens (`larouterd.address`), so it keeps working until the
    restart and finds it at P2 after (it read only the config file and environment, and knocked at the old port).
    With no daemon running, the CLI aims at the settings' address and its "cannot reach" says where it came from."""
    old = new = free_port()
    while new == old:  # two picks can return the same free port, and the test needs the daemon to move
        new = free_port()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[server]\nhost = "127.0.0.1"\nport = {old}\n')
    env = daemon_env(home, LAROUTER_CONFIG=str(cfg))
    cli_env = {"LAROUTER_CONFIG": str(cfg), "LAROUTER_HOME": str(home)}
    with daemon_from_settings(home, env) as proc:
        wait_healthy(f"http://127.0.0.1:{old}", proc)
        moved = run("config", "set", "server.port", str(new), env=cli_env)  # no --url: the settings say `old`
        assert moved.exit_code == 0 and "restart larouterd to apply: server.port" in moved.stdout, moved.output
        assert json.loads((home / "runtime-config.json").read_text())["server"]["port"] == new
        before = run("status", "--json", env=cli_env)  # the running daemon is still at `old`: found there
        assert before.exit_code == 0 and json.loads(before.stdout)["url"] == f"http://127.0.0.1:{old}", before.output
    stopped = run("status", env=cli_env)  # no daemon: the settings (runtime-config.json on top) say `new`
    said = " ".join(stopped.stderr.split())
    assert stopped.exit_code == 2 and f"cannot reach larouterd at http://127.0.0.1:{new}" in said, said
    assert f"server.port comes from {home / 'runtime-config.json'} (set at runtime)" in said, said
    with daemon_from_settings(home, env) as proc:
        wait_healthy(f"http://127.0.0.1:{new}", proc)
        after = run("status", "--json", env=cli_env)
        assert after.exit_code == 0, after.output
        assert json.loads(after.stdout)["url"] == f"http://127.0.0.1:{new}"
        unset = run("config", "unset", "server.port", env=cli_env)  # back to the file's port at the next start
        assert unset.exit_code == 0, unset.output
    again = run("status", env=cli_env)  # the override is gone: the CLI aims at the file's port again
    assert again.exit_code == 2 and f"cannot reach larouterd at http://127.0.0.1:{old}:" in again.stderr, again.output


def test_the_cli_finds_a_daemon_started_with_a_port_flag(home: Path) -> None:
    """`larouterd --port P` (no config says P): the CLI finds it through the address the daemon records while it
    runs, without --url; once the daemon stops, the record is gone and the CLI aims at the settings again."""
    with larouterd(home) as (url, _proc):  # started with --port 0 (it binds a port of its own)
        shown = run("status", "--json", env={"LAROUTER_HOME": str(home)})
        assert shown.exit_code == 0 and json.loads(shown.stdout)["url"] == url, shown.output
    assert not (home / "larouterd.address").exists()


def test_a_stale_address_whose_pid_was_reused_is_not_trusted(servers: BackgroundLoop, home: Path,
                                                            tmp_path: Path) -> None:
    """A `larouterd.address` left by a daemon killed hard, whose pid the kernel has given to another process since:
    the CLI never sends the admin token to the address it names (some other program listens there now); it aims at
    the settings' address. The record of the live daemon itself is trusted (`test_the_cli_finds_a_daemon_...`)."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    squatter = servers.start(app)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # the pid's new owner
    try:
        fields = (Path(f"/proc/{other.pid}/stat").read_text().rsplit(")", 1)[1].split())
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        (home / "admin_token").write_text("adm-secret-token-0123456789")
        (home / "larouterd.address").write_text(json.dumps(
            {"pid": other.pid, "url": squatter, "bootId": boot_id, "startTime": int(fields[19]) - 1}))
        result = run("status", env={"LAROUTER_HOME": str(home), "LAROUTER_PORT": str(free_port())})
        assert result.exit_code == 2 and "cannot reach larouterd" in result.stderr, result.output
        assert seen == []
    finally:
        other.kill()
        other.wait()


def test_a_bad_config_file_does_not_lock_the_cli_out_of_the_running_daemon(home: Path, tmp_path: Path) -> None:
    """A typo put in the config file for the next restart: the CLI still reaches the running daemon (where it says it
    listens, with its local token), warning that a restart would fail; with no daemon running, the typo is the error
    (every command exited 1 saying the CLI needed server.host and server.port from that file: review B)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    with larouterd(home) as (url, _proc):
        cfg.write_text("[routing]\ncooldowm = 5\n")
        env = {"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": str(cfg)}
        shown = run("status", "--json", env=env)
        assert shown.exit_code == 0 and json.loads(shown.stdout)["url"] == url, shown.output
        assert "cooldowm" in shown.stderr and "a restart of larouterd would fail" in shown.stderr, shown.stderr
        assert run("config", "get", "routing.cooldown", env=env).exit_code == 0  # (the admin token went along)
    stopped = run("status", env=env)
    assert stopped.exit_code == 1 and "cooldowm" in stopped.stderr and "no larouterd" in stopped.stderr, stopped.output


def test_a_daemon_started_with_a_config_flag_is_read_with_its_file(home: Path, tmp_path: Path) -> None:
    """`larouterd --config FILE` with a provider defined there, then changed at runtime: the CLI (which reads no such
    flag) loaded the runtime changes over its own settings, found a provider with no base_url, and warned at every
    command that a restart of larouterd would fail, which was false (review Q). It reads the file the running
    daemon records it read."""
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[providers.groq]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "GROQ_API_KEY"\n'
                   'models = ["llama-3"]\n')
    env = {"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": None, "XDG_CONFIG_HOME": str(home / "xdg")}
    with larouterd(home, "--config", str(cfg)) as (url, _proc):
        changed = run("config", "set", "providers.groq.prices.llama-3", "{ input = 0.05, output = 0.08 }", env=env)
        assert changed.exit_code == 0, changed.output
        shown = run("status", "--json", env=env)
        assert shown.exit_code == 0 and json.loads(shown.stdout)["url"] == url, shown.output
        assert "warning" not in shown.stderr, shown.stderr


def test_a_slow_daemon_is_said_to_be_slow(servers: BackgroundLoop) -> None:
    """A daemon that takes connections and answers nothing in time: "did not answer within N s" and how to wait
    longer (LAROUTER_TIMEOUT), exit 2; it said "is it running? start it with larouterd" after a fixed 30 s, wrong
    advice for a daemon that is up (review Q). A bad LAROUTER_TIMEOUT is a one-line error."""
    import asyncio

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    url = servers.start(app)
    result = on(url, "usage", env={"LAROUTER_TIMEOUT": "0.5"})
    assert result.exit_code == 2 and "did not answer within 0.5 s" in result.stderr, result.output
    assert "LAROUTER_TIMEOUT" in result.stderr and "is it running" not in result.stderr
    bad = on(url, "usage", env={"LAROUTER_TIMEOUT": "soon"})
    assert bad.exit_code == 1 and "LAROUTER_TIMEOUT must be a number" in bad.stderr, bad.output



@pytest.mark.parametrize("stall", [True, False])
def test_a_daemon_that_stops_part_way_is_not_said_to_be_down(servers: BackgroundLoop, stall: bool) -> None:
    """A daemon that sends its headers and part of its answer, then nothing (or hangs up): "stopped answering
    part-way", exit 2; it said "cannot reach larouterd … is it running? start it with larouterd" (review AB)."""
    import asyncio

    async def partial(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "100",
                                           "x-larouter-version": "0.1.0"})
        await resp.prepare(request)
        await resp.write(b'{"totalCost": ')
        if stall:
            await asyncio.sleep(30)
        else:
            assert request.transport is not None
            request.transport.close()
        return resp

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", partial)
    # (a timeout the headers and first bytes of an in-process server meet on a busy machine too; a stall still
    # outlasts it: it said "did not answer within 0.5 s" when they came later)
    result = on(servers.start(app), "usage", env={"LAROUTER_TIMEOUT": "2"})
    assert result.exit_code == 2 and "stopped answering part-way" in result.stderr, result.output
    assert "is it running" not in result.stderr and "cannot reach" not in result.stderr, result.stderr
    assert ("within the timeout" in result.stderr) is stall, result.stderr

def test_this_homes_daemon_from_before_an_upgrade_is_still_reached(servers: BackgroundLoop, home: Path) -> None:
    """A larouterd still running the release before an upgrade sends no x-larouter-version: at the address this
    home's running daemon recorded, its answers are still taken (every command said "not a LARouter daemon; point
    --url at larouterd" after `pip install -U`: review S); the same server at another address is not."""
    from larouter.address import write_address

    url = other_server(servers, 200, "application/json", '{"routing": {"policy": "cost-optimized"}}')
    home.mkdir(parents=True, exist_ok=True)
    write_address(home, "127.0.0.1", int(url.rsplit(":", 1)[1]))  # (this process stands for the running daemon)
    env = {"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": None, "XDG_CONFIG_HOME": str(home / "xdg")}
    found = run("config", "get", "--json", env=env)
    assert found.exit_code == 0 and json.loads(found.stdout)["routing"]["policy"] == "cost-optimized", found.output
    given = on(url, "config", "get", "--json", env=env)
    assert given.exit_code == 0, given.output
    stranger = other_server(servers, 200, "application/json", '{"routing": {}}')
    assert "not a LARouter daemon" in on(stranger, "config", "get", env=env).stderr


def test_a_record_that_cannot_be_removed_at_stop_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """The data directory became unwritable while larouterd ran: removing its address record at stop fails with a
    warning, not an error that ended the stop as "cannot listen ... Permission denied", exit 1 (review Z2)."""
    import logging

    from larouter.address import ADDRESS_FILE, remove_address, write_address

    write_address(tmp_path, "127.0.0.1", 18790)
    real = Path.unlink

    def refused(self: Path, missing_ok: bool = False) -> None:
        if self.parent == tmp_path:
            raise PermissionError(13, "Permission denied")
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    with caplog.at_level(logging.WARNING):
        remove_address(tmp_path)
    assert (tmp_path / ADDRESS_FILE).exists() and "could not remove" in caplog.text, caplog.text
