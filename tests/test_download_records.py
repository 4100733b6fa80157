"""The record a download keeps beside a file (`.<file>.checked.json`), broken or planted: read safely and strictly
through the real HTTP API, as no record (`"sha256": null, "verified": false`), with the daemon still answering."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.support.fake_hub import random_bytes, sha256_hex
from tests.support.servers import home_admin
from tests.test_downloads import (  # noqa: F401 - fixtures used by name
    MAIN, MAIN_DATA, REPO, Daemon, Hub, daemon, events, hub, make_daemon, request, start,
)

ANSWER = 10.0  # seconds a re-download of a model on disk may take to answer (it answers at once)
NOT_CHECKED = {"sha256": None, "verified": False, "checkedAt": None}
DROP = object()  # a field `shaped` leaves out


def record_of(daemon: Daemon) -> Path:  # noqa: F811
    return daemon.model_dir / f".{MAIN}.checked.json"


def shaped(daemon: Daemon, **fields: Any) -> bytes:  # noqa: F811
    """A record of the real file's size and mtime, with `fields` over the sound ones."""
    info = (daemon.model_dir / MAIN).stat()
    record = {"sha256": sha256_hex(MAIN_DATA), "verified": True, "size": info.st_size, "mtimeNs": info.st_mtime_ns,
              "checkedAt": "2026-12-06T17:00:00Z", "repo": REPO, "revision": "main", "file": MAIN} | fields
    return json.dumps({k: v for k, v in record.items() if v is not DROP}).encode()


@contextlib.contextmanager
def address_space_headroom(extra: int) -> Iterator[None]:
    """Cap this process's address space at its current size plus `extra` for the block: a regression that reads
    /dev/zero whole then fails with MemoryError instead of taking the machine's memory."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    cap = pages * os.sysconf("SC_PAGE_SIZE") + extra
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def release_fifo(path: Path) -> None:
    """Open a FIFO for writing and close it, so a reader blocked in it (a regression) sees its end and its thread ends."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


async def downloaded(daemon: Daemon) -> None:  # noqa: F811
    """Download the model once (so its files and records are on disk)."""
    code, body = await start(daemon)
    assert code == 202, body
    final = (await events(daemon, body["id"]))[-1]
    assert final[0] == "done" and final[1]["verified"] is True, final


async def asked_again(daemon: Daemon) -> dict[str, Any]:  # noqa: F811
    """Ask for the model on disk again, within a deadline; the daemon answers /health afterwards."""
    code, body = await asyncio.wait_for(start(daemon), ANSWER)
    assert code == 200 and body["status"] == "done", body
    health, _ = await asyncio.wait_for(request("GET", daemon.url + "/health"), ANSWER)
    assert health == 200
    return body


def plant_dev_zero(daemon: Daemon) -> None:  # noqa: F811
    record_of(daemon).unlink()
    record_of(daemon).symlink_to("/dev/zero")


def plant_fifo(daemon: Daemon) -> None:  # noqa: F811
    record_of(daemon).unlink()
    os.mkfifo(record_of(daemon), 0o600)


def plant_nested(daemon: Daemon) -> None:  # noqa: F811
    record_of(daemon).write_text("[" * 2000 + "]" * 2000)  # within the size cap, past the recursion limit


@pytest.mark.parametrize("plant", [plant_dev_zero, plant_fifo, plant_nested], ids=["dev-zero", "fifo", "nested"])
async def test_a_record_that_is_no_regular_small_json_reads_as_none(daemon: Daemon,  # noqa: F811
                                                                     plant: Callable[[Daemon], None]) -> None:
    """A record that is a symlink to /dev/zero (read whole, it took 12 GB), a FIFO (it hung the request and then the
    shutdown) or JSON nested past the recursion limit (a 500): not checked, answered at once, the daemon fine."""
    await downloaded(daemon)
    plant(daemon)
    try:
        with address_space_headroom(1 << 30):
            body = await asked_again(daemon)
    finally:
        if plant is plant_fifo:
            release_fifo(record_of(daemon))
    assert body["files"][0] == {"path": str(daemon.model_dir / MAIN), **NOT_CHECKED}, body
    assert body["files"][1]["verified"] is True, body  # the projector's record is sound


@pytest.mark.parametrize("fields", [
    {"sha256": "<script>\r\nX: 1", "checkedAt": "\u0000"},
    {"sha256": "f" * 64 + "\n"},
    {"sha256": sha256_hex(MAIN_DATA).upper()},
    {"sha256": sha256_hex(MAIN_DATA)[:63]},
    {"checkedAt": "\u0000"},
    {"checkedAt": "2026-13-40T25:00:00Z"},
    {"checkedAt": "2026-12-06T17:00:00+02:00"},
    {"verified": 1},
    {"size": True},
    {"extra": "field"},
    {"revision": DROP},
    {"repo": 1},
], ids=["header-injection", "trailing-newline", "upper-hex", "short-hex", "nul-time", "bad-date", "not-utc",
        "verified-int", "size-bool", "extra-field", "part-source", "repo-int"])
async def test_a_record_of_the_wrong_shape_reads_as_none(daemon: Daemon, fields: dict[str, Any]) -> None:  # noqa: F811
    """Only the shape a download writes counts: a sha256 of 64 lowercase hex digits, a bool, integers, a UTC time as
    written; anything else (control characters to pass on to a client, a lying sha) is no record."""
    await downloaded(daemon)
    record_of(daemon).write_bytes(shaped(daemon, **fields))
    body = await asked_again(daemon)
    assert body["files"][0] == {"path": str(daemon.model_dir / MAIN), **NOT_CHECKED}, body


async def test_a_sound_record_still_counts(daemon: Daemon) -> None:  # noqa: F811
    """The strict reading keeps a record as a download writes it (rewritten here with another time)."""
    await downloaded(daemon)
    record_of(daemon).write_bytes(shaped(daemon))
    body = await asked_again(daemon)
    assert body["files"][0] == {"path": str(daemon.model_dir / MAIN), "sha256": sha256_hex(MAIN_DATA),
                                "verified": True, "checkedAt": "2026-12-06T17:00:00Z"}, body


async def test_a_record_from_before_sources_were_kept_still_counts(daemon: Daemon) -> None:  # noqa: F811
    """A record an earlier LARouter wrote (no repo, revision or file) still tells what was checked after an upgrade
    (it read as never checked: every model downloaded before read `verified: false`), and a registration of the same
    model again does not take the file for another source's (its source is unknown)."""
    await downloaded(daemon)
    record_of(daemon).write_bytes(shaped(daemon, repo=DROP, revision=DROP, file=DROP))
    body = await asked_again(daemon)
    assert body["files"][0] == {"path": str(daemon.model_dir / MAIN), "sha256": sha256_hex(MAIN_DATA),
                                "verified": True, "checkedAt": "2026-12-06T17:00:00Z"}, body
    admin = home_admin(daemon.home)
    assert (await request("DELETE", daemon.url + "/api/models/tiny-test", headers=admin))[0] == 200
    code, out = await request("POST", daemon.url + "/api/models", {"id": "tiny-test", "repo": REPO, "file": MAIN},
                              headers=admin)
    assert code == 201 and (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA, out
    assert (await asked_again(daemon))["files"][0]["verified"] is True


async def test_the_record_is_written_over_a_planted_symlink_not_through_it(daemon: Daemon,  # noqa: F811
                                                                            tmp_path: Path) -> None:
    """A symlink planted at the record's path before the download is replaced by the record (a temp file renamed
    over it); the file it pointed to is left as it was."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    daemon.model_dir.mkdir(parents=True, exist_ok=True)
    record_of(daemon).symlink_to(victim)
    await downloaded(daemon)
    assert victim.read_text() == "keep me"
    assert record_of(daemon).is_file() and not record_of(daemon).is_symlink()
    assert json.loads(record_of(daemon).read_bytes())["sha256"] == sha256_hex(MAIN_DATA)
    body = await asked_again(daemon)
    assert body["files"][0]["verified"] is True and body["files"][0]["sha256"] == sha256_hex(MAIN_DATA), body


async def test_a_file_on_disk_that_is_not_the_one_expected_is_fetched_again(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """The model is registered again from another repo, same file name, with that file's sha256: the file on disk
    is, by its record, another one, so it is fetched again (it was reported "done, verified" with the old file's
    sha256, and the old file was served as the model: review D)."""
    await downloaded(daemon)
    other = random_bytes(200_000, seed=7)
    hub.state.add("other-org/tiny-GGUF", MAIN, other)
    code, out = await request("POST", daemon.url + "/api/models", {"id": "tiny-test", "repo": "other-org/tiny-GGUF",
                                                                  "file": MAIN, "sha256": sha256_hex(other)},
                              headers=home_admin(daemon.home))
    assert code == 200, out  # (registered anew: a replacement)
    code, body = await start(daemon)
    assert code == 202, body  # a download, not "already on disk"
    final = (await events(daemon, body["id"]))[-1]
    assert final[0] == "done" and final[1]["sha256"] == sha256_hex(other) and final[1]["verified"] is True, final
    assert (daemon.model_dir / MAIN).read_bytes() == other


async def test_a_model_registered_again_from_another_repo_gets_its_own_file(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """The model is removed and registered again from another repo with the same file name, no sha256 given: the
    file the old download left is, by its record, another source's, so the registration deletes it (the model is
    not downloaded, and not started with the old file) and the download fetches the new repo's, verified by the
    hub's LFS sha256 (it answered `done`, "already on disk; sha256 verified", with the old sha256, never asking the
    hub, and `start` ran the old repo's model: review AV)."""
    await downloaded(daemon)
    other = random_bytes(200_000, seed=7)
    hub.state.add("other-org/tiny-GGUF", MAIN, other)
    admin = home_admin(daemon.home)
    assert (await request("DELETE", daemon.url + "/api/models/tiny-test", headers=admin))[0] == 200
    assert (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA  # (a remove keeps the files)
    code, out = await request("POST", daemon.url + "/api/models", {"id": "tiny-test", "repo": "other-org/tiny-GGUF",
                                                                  "file": MAIN}, headers=admin)
    assert code == 201 and out["downloaded"] is None, out
    assert not (daemon.model_dir / MAIN).exists() and not record_of(daemon).exists()
    code, out = await request("POST", daemon.url + "/api/models/tiny-test/start")
    assert (code, out["error"]["code"]) == (409, "model_not_downloaded"), out
    code, body = await start(daemon)
    assert code == 202, body  # a download, not "already on disk"
    final = (await events(daemon, body["id"]))[-1]
    assert final[0] == "done" and final[1]["sha256"] == sha256_hex(other) and final[1]["verified"] is True, final
    assert (daemon.model_dir / MAIN).read_bytes() == other
    assert any(h.path.startswith("/other-org/") for h in hub.state.hits)
    assert (await asked_again(daemon))["files"][0]["sha256"] == sha256_hex(other)  # (its own record now)


async def test_a_record_of_another_source_is_stale(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """A record naming another repo (the file was put back by hand, or the registry edited) is not this model's
    check: the download fetches the file again instead of answering "already on disk, verified"."""
    await downloaded(daemon)
    record_of(daemon).write_bytes(shaped(daemon, repo="someone-else/tiny-GGUF"))
    gets = len(hub.state.gets(MAIN))
    code, body = await start(daemon)
    assert code == 202, body
    final = (await events(daemon, body["id"]))[-1]
    assert final[0] == "done" and final[1]["sha256"] == sha256_hex(MAIN_DATA), final
    assert len(hub.state.gets(MAIN)) == gets + 1
