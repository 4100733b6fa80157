"""The `larouter` CLI against a running daemon: every command, its output and its exit code."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import attrs
import pytest
from click.testing import CliRunner, Result

from larouter.app import make_app
from larouter.cli import main
from larouter.models.download_api import DOWNLOADS
from larouter.runtime import load_runtime
from tests.conftest import FAKE_KEY, Router
from tests.support.fake_hub import HUB, HubState, make_fake_hub, random_bytes
from tests.support.proc import daemon_env, free_port
from tests.support.servers import BackgroundLoop, http_json, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

ROOT = Path(__file__).resolve().parents[1]
PRICES = '\n[providers.fake.prices."gpt-fake"]\ninput = 2.0\noutput = 8.0\n'
REPO, FILE = "fake-org/tiny-GGUF", "tiny-q8_0.gguf"
DATA = random_bytes(300_000, seed=7)


def run(*args: str, input: str | None = None, env: dict[str, str | None] | None = None) -> Result:
    """Invoke `larouter ARGS` in-process, with no LAROUTER_URL/TOKEN leaking in; never a traceback."""
    result = CliRunner().invoke(main, list(args), input=input, env={"LAROUTER_URL": None, "LAROUTER_TOKEN": None,
                                                                     **(env or {})})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def on(router: Router | str, *args: str, **kw: Any) -> Result:
    """Invoke a command against this daemon."""
    return run(*args, "--url", router if isinstance(router, str) else router.url, **kw)


def ok_json(router: Router | str, *args: str, **kw: Any) -> Any:
    """Invoke with --json; assert exit 0; return the parsed stdout."""
    result = on(router, *args, "--json", **kw)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


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
                 "0 learned heartbeat(s), 0 sticky conversation(s)"):
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
    (["projects", "create", "x", "--policy", "cheapest"], "is not one of"),
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
    result = on(router, "projects", "delete", "proj_nope", "--yes")
    assert result.exit_code == 1 and "HTTP 404: no project 'proj_nope'" in result.stderr
    result = on(router, "models", "health", "nope")
    assert result.exit_code == 1 and "HTTP 404" in result.stderr and "unknown model 'nope'" in result.stderr


def test_not_larouterd(fake: Any) -> None:
    """Another HTTP server at the URL is a clean exit 1, not a traceback."""
    result = on(fake.url, "status")
    assert result.exit_code == 1 and result.stderr.startswith("error:")


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
    # a project token may not administer projects: exit 1 with the token hint
    denied = run("projects", "list", env={"LAROUTER_URL": router.url, "LAROUTER_TOKEN": token})
    assert denied.exit_code == 1 and "HTTP 403" in denied.stderr and "--token" in denied.stderr

    declined = on(router, "projects", "rotate-token", pid, input="n\n")
    assert declined.exit_code == 1 and "aborted" in declined.stderr
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
    masked = on(router, "config", "set", "providers.fake.api_key", "-", input=secret + "\n")
    assert masked.exit_code == 0 and secret not in masked.output and "sk-...cdef" in masked.stdout
    assert ok_json(router, "config", "get", "providers.fake.api_key") == "sk-...cdef"

    bad = run("config", "set", "--url", router.url, "server.shutdown_grace", "--", "-1")
    assert bad.exit_code == 1 and "HTTP 400" in bad.stderr and "shutdown_grace" in bad.stderr
    assert on(router, "config", "get", "server.nope").exit_code == 1
    unset = on(router, "config", "unset", "routing.default_model")
    assert unset.exit_code == 0 and 'unset routing.default_model (now "gpt-fake")' in unset.stdout


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
    for part in ("Usage of project default, monthly", "over 1 calls (1 ok)", "By model", "gpt-fake", "By tier",
                 "Savings", "vs gpt-4o", "Daily cost", "█", "100%"):
        assert part in text.stdout, part
    assert "no calls recorded" in on(router, "usage", "--project", "other").stdout

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


# --- models: catalog, registration, downloads ------------------------------------------------------------------


def test_models_catalog_list_add_remove(router: Router, tmp_path: Path) -> None:
    """catalog lists the lineup; add registers a local GGUF that list shows; remove forgets it."""
    catalog = ok_json(router, "models", "catalog")
    assert {"gemma-4-e4b", "gemma-4-31b"} <= {m["id"] for m in catalog}
    shown = on(router, "models", "catalog")
    assert shown.exit_code == 0 and "gemma-4-e4b" in shown.stdout and "Runs here" in shown.stdout
    assert "no local models yet" in on(router, "models", "list").stdout

    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    added = on(router, "models", "add", "mine", "--path", str(gguf))
    assert added.exit_code == 0 and f"registered mine ({gguf})" in added.stdout
    assert [m["id"] for m in ok_json(router, "models", "list")] == ["mine"]
    assert "mine" in on(router, "models", "list").stdout
    assert ok_json(router, "models", "health", "mine")["state"] == "stopped"
    assert ok_json(router, "models", "logs", "mine") == {"id": "mine", "lines": []}
    assert "removed mine" in on(router, "models", "remove", "mine").stdout
    assert ok_json(router, "models", "list") == []


@attrs.frozen
class HubDaemon:
    """A daemon whose downloads go to a fake hub."""

    url: str
    hub: HubState
    home: Path


@pytest.fixture
def hub_daemon(servers: BackgroundLoop, home: Path, tmp_path: Path) -> HubDaemon:
    """LARouter with HF_ENDPOINT at a fake hub serving REPO/FILE, 16 KiB download chunks, `tiny-test` registered."""
    hub = make_fake_hub()
    hub[HUB].add(REPO, FILE, DATA)
    hub_url = servers.start(hub)
    cfg = tmp_path / "dl.toml"
    cfg.write_text("[local]\ndisk_reserve_bytes = 1024\n")
    app = make_app(load_runtime(cfg, env={"LAROUTER_HOME": str(home), "HF_ENDPOINT": hub_url}))
    app[DOWNLOADS].chunk_bytes = 16 * 1024
    daemon = HubDaemon(servers.start(app), hub[HUB], home)
    added = on(daemon.url, "models", "add", "tiny-test", "--repo", REPO, "--file", FILE)
    assert added.exit_code == 0 and "larouter models download tiny-test" in added.stdout
    return daemon


def test_download_progress_bar_and_done(hub_daemon: HubDaemon) -> None:
    """download draws the bar from the SSE stream and prints the verified file; again: already on disk."""
    result = on(hub_daemon.url, "models", "download", "tiny-test")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.split(": ", 1)[1].split(" (", 1)[0])
    assert path.read_bytes() == DATA and "(sha256 verified)" in result.stdout
    assert "tiny-test custom" in result.stderr and "300.0/300.0 kB" in result.stderr  # the final bar
    again = ok_json(hub_daemon.url, "models", "download", "tiny-test")
    assert again["status"] == "done" and again["alreadyDownloaded"] is True and again["path"] == str(path)
    assert "already on disk" in on(hub_daemon.url, "models", "download", "tiny-test").stdout
    assert [m["id"] for m in ok_json(hub_daemon.url, "models", "list")] == ["tiny-test"]
    listed = ok_json(hub_daemon.url, "models", "downloads")
    assert {d["status"] for d in listed} == {"done"}
    missing = on(hub_daemon.url, "models", "download", "no-such-model")
    assert missing.exit_code == 1 and "HTTP 404" in missing.stderr


def interrupt(url: str, home: Path, *flags: str) -> tuple[int, str]:
    """Run `larouter models download tiny-test` as a process, press Ctrl-C once it is watching; (code, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "download", "tiny-test", "--url", url, *flags],
                            cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline() if proc.stderr else ""
    assert first.startswith("downloading tiny-test"), first
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=30)
    return proc.returncode, first + rest


def download_status(url: str) -> str:
    """The status of the one download the daemon knows."""
    return str(http_json("GET", url + "/api/models/downloads")[1]["data"][-1]["status"])


def test_download_ctrl_c_detaches_and_rejoins(hub_daemon: HubDaemon) -> None:
    """Ctrl-C exits 130 and the download continues in the daemon; the same command re-attaches to it."""
    hub_daemon.hub.trickle[FILE] = (4096, 0.05)
    code, err = interrupt(hub_daemon.url, hub_daemon.home)
    assert code == 130 and "Traceback" not in err
    dl_id = err.split(" as ", 1)[1].split()[0]
    assert f"stopped watching; download {dl_id} continues in larouterd" in err.replace("\n", " ")
    assert download_status(hub_daemon.url) != "cancelled"
    rejoined = on(hub_daemon.url, "models", "download", "tiny-test")
    assert rejoined.exit_code == 0 and f"as {dl_id}" in rejoined.stderr and "sha256 verified" in rejoined.stdout
    assert len(hub_daemon.hub.gets(FILE)) == 1  # one transfer, watched twice


def test_download_ctrl_c_cancels_with_flag(hub_daemon: HubDaemon) -> None:
    """With --cancel-on-interrupt, Ctrl-C cancels the download (exit 130); a later download resumes it."""
    hub_daemon.hub.trickle[FILE] = (4096, 0.05)
    code, err = interrupt(hub_daemon.url, hub_daemon.home, "--cancel-on-interrupt")
    assert code == 130 and "cancelled download dl_" in err and "Traceback" not in err
    wait_until(lambda: download_status(hub_daemon.url) == "cancelled", 10, "the download to be cancelled")
    del hub_daemon.hub.trickle[FILE]
    assert ok_json(hub_daemon.url, "models", "download", "tiny-test")["verified"] is True


def test_download_detach_and_cancel(hub_daemon: HubDaemon) -> None:
    """--detach returns the id at once; `models cancel` stops it; `models downloads` lists it."""
    hub_daemon.hub.trickle[FILE] = (4096, 0.05)
    started = ok_json(hub_daemon.url, "models", "download", "tiny-test", "--detach")
    assert started["status"] in ("queued", "downloading") and started["id"].startswith("dl_")
    cancelled = on(hub_daemon.url, "models", "cancel", started["id"])
    assert cancelled.exit_code == 0 and started["id"] in cancelled.stdout
    wait_until(lambda: download_status(hub_daemon.url) == "cancelled", 10, "the download to be cancelled")
    assert "cancelled" in on(hub_daemon.url, "models", "downloads").stdout
    failed = on(hub_daemon.url, "models", "cancel", "dl_bad")
    assert failed.exit_code == 1 and "HTTP 400" in failed.stderr


# --- models: the real llama-server ------------------------------------------------------------------------------


@pytest.mark.llama
def test_models_start_ps_health_logs_stop(local_router: Callable[..., Router]) -> None:  # noqa: F811
    """start waits until ready; ps, health, logs and status see it; stop stops it; a second stop is exit 1."""
    router = local_router()
    started = on(router, "models", "start", "tiny")
    assert started.exit_code == 0, started.output
    assert "✓ tiny ready on port" in started.stdout
    assert [p["id"] for p in ok_json(router, "models", "ps")] == ["tiny"]
    assert "tiny" in on(router, "models", "ps").stdout
    health = ok_json(router, "models", "health", "tiny")
    assert health["state"] == "ready" and health["healthy"] is True
    assert "healthy" in on(router, "models", "health", "tiny").stdout
    logs = on(router, "models", "logs", "tiny", "-n", "50")
    assert logs.exit_code == 0 and len(logs.stdout.splitlines()) > 1
    assert [m["id"] for m in ok_json(router, "status")["running"]] == ["tiny"]
    assert "tiny (ready, port" in on(router, "status").stdout
    stopped = on(router, "models", "stop", "tiny")
    assert stopped.exit_code == 0 and "stopped tiny" in stopped.stdout
    again = on(router, "models", "stop", "tiny")
    assert again.exit_code == 1 and "HTTP 409" in again.stderr
    assert "no models running" in on(router, "models", "ps").stdout


@pytest.mark.llama
def test_models_logs_follow_until_ctrl_c(local_router: Callable[..., Router], home: Path) -> None:  # noqa: F811
    """logs -f prints the tail, then follows; Ctrl-C ends it with exit 130."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "logs", "tiny", "-f", "--url", router.url],
                            cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline() if proc.stdout else ""
    assert first.strip(), "logs -f printed nothing"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


# --- route explain ----------------------------------------------------------------------------------------------


def test_route_explain(router: Router, tmp_path: Path) -> None:
    """explain a prompt or a request file: tier, confidence, reasons and candidates."""
    body = {"model": "auto", "messages": [{"role": "user", "content": "Prove that sqrt(2) is irrational."}]}
    status, direct = http_json("POST", router.url + "/api/route/explain", body)
    if status == 404:
        pytest.skip("this daemon has no POST /api/route/explain yet")
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
