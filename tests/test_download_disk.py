"""Free disk before and during a download: the 507 up front and the error once the hub tells a file's size, with
every figure readable and no size claimed before it is known."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest

from larouter.models.catalog import Catalog, free_disk
from larouter.models.downloads import readable_bytes
from tests.support.fake_hub import sha256_hex
from tests.test_downloads import (  # noqa: F401 - fixtures used by name
    MAIN, MAIN_DATA, MMPROJ_DATA, REPO, TOTAL, Daemon, Hub, daemon, events, hub, make_daemon, request, start, tiny_model,
)

RESERVE = 10**14  # more than any test machine has free
FREE = r"only [0-9.]+ [kMGT]B \([0-9,]+ bytes\) are free on /\S+$"


@pytest.mark.parametrize(("n", "said"), [
    (0, "0 bytes"),
    (512, "512 bytes"),
    (21_216_128, "21.2 MB (21,216,128 bytes)"),
    (999_960_000, "1.0 GB (999,960,000 bytes)"),
    (10**14, "100.0 TB (100,000,000,000,000 bytes)"),
])
def test_byte_figures_are_readable_with_the_exact_count(n: int, said: str) -> None:
    """Decimal units, one decimal, the exact count beside; a figure that rounds to 1000 takes the next unit."""
    assert readable_bytes(n) == said


async def test_disk_full_is_refused_with_507(make_daemon: Callable[..., Daemon], hub: Hub) -> None:
    """A reserve larger than the free disk refuses the download up front, naming needed, reserved and free bytes."""
    daemon = make_daemon(local={"disk_reserve_bytes": RESERVE})
    code, body = await start(daemon)
    assert code == 507
    err = body["error"]
    assert err["code"] == err["type"] == "insufficient_storage"
    assert err["message"].startswith(f"not enough disk space: the download needs 420.0 kB ({TOTAL:,} bytes); 100.0 TB "
                                     "(100,000,000,000,000 bytes) must stay free (local.disk_reserve_bytes) and "), err
    assert re.search(FREE, err["message"]), err
    assert hub.state.hits == []


async def test_disk_full_before_the_size_is_known_claims_no_size(make_daemon: Callable[..., Daemon], home: Path,
                                                                 hub: Hub) -> None:
    """A model registered by repo without a size, refused up front: the 507 says the size is not known yet (it said
    "the download needs 0 bytes and 100000000000000 bytes must stay free")."""
    Catalog.load(home).register(tiny_model("tiny-nosize", file="big.gguf", size_bytes=0, sha256=None, mmproj=None))
    daemon = make_daemon(local={"disk_reserve_bytes": RESERVE})
    code, body = await request("POST", daemon.url + "/api/models/download", {"modelId": "tiny-nosize"})
    message = body["error"]["message"]
    assert code == 507 and message.startswith(
        "not enough disk space: the size of big.gguf is not known yet; 100.0 TB (100,000,000,000,000 bytes) must "
        "stay free (local.disk_reserve_bytes) and "), message
    assert re.search(FREE, message) and "needs" not in message, message


async def test_disk_full_with_one_size_unknown_says_at_least(make_daemon: Callable[..., Daemon], home: Path,
                                                             hub: Hub) -> None:
    """The GGUF's size unknown, the projector's known: the 507 says the download needs at least the projector's
    bytes, and whose size is not known (it counted the unknown file as 0 bytes without saying so)."""
    Catalog.load(home).register(tiny_model("tiny-nosize", file="big.gguf", size_bytes=0, sha256=None))
    daemon = make_daemon(local={"disk_reserve_bytes": RESERVE})
    code, body = await request("POST", daemon.url + "/api/models/download", {"modelId": "tiny-nosize"})
    message = body["error"]["message"]
    assert code == 507 and message.startswith(
        f"not enough disk space: the download needs at least {readable_bytes(len(MMPROJ_DATA))} without big.gguf, "
        "whose size is not known yet; 100.0 TB "), message


async def test_disk_check_uses_hub_size_when_catalog_has_none(make_daemon: Callable[..., Daemon], home: Path,
                                                              hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a catalog size the check happens after the HEAD (which gives the size) and ends in an error event
    that names the size."""
    big = 64 * 1024 * 1024  # the reserve leaves room for half of it
    hub.state.add(REPO, "big.gguf", bytes(big), lfs=True)
    Catalog.load(home).register(tiny_model("tiny-nosize", file="big.gguf", size_bytes=0, sha256=None, mmproj=None))
    free = free_disk(home)  # as the daemon sees it from now on: another job on a shared disk may free space meanwhile
    for module in ("larouter.models.download_api", "larouter.models.downloads"):
        monkeypatch.setattr(f"{module}.free_disk", lambda _path: free)
    daemon = make_daemon(local={"disk_reserve_bytes": free - big // 2})
    code, body = await request("POST", daemon.url + "/api/models/download", {"modelId": "tiny-nosize"})
    assert code == 202
    evs = await events(daemon, body["id"])
    message = evs[-1][1]["message"]
    assert evs[-1][0] == "error" and message.startswith("not enough disk space: the download needs 67.1 MB "
                                                        f"({big:,} bytes); "), message
    assert re.search(FREE, message) and hub.state.gets("big.gguf") == [], message
    assert list((home / "models" / "tiny-nosize").glob(".big.gguf.*.part")) == []  # (it left an empty one: review AV)


DEV_FULL = Path("/dev/full")  # the kernel answers every write with ENOSPC: a disk that fills up, for real


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full (Linux, BSD) for a real 'no space left on device'")
async def test_disk_full_part_way_says_what_to_do(daemon: Daemon, hub: Hub) -> None:
    """A disk that fills up once the transfer runs (the partial file is /dev/full, whose writes fail with ENOSPC)
    ends the download with a clear error in its events and its state: the disk is full, free space and request it
    again, and what local.disk_reserve_bytes is; it was `downloading ... failed: OSError: [Errno 28] No space left on
    device`."""
    daemon.model_dir.mkdir(parents=True)
    (daemon.model_dir / f".{MAIN}.{sha256_hex(MAIN_DATA)[:16]}.part").symlink_to(DEV_FULL)
    code, body = await start(daemon)
    assert code == 202, body
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "error" and len(hub.state.gets(MAIN)) == 1, evs  # the hub was sending: not retried
    message = evs[-1][1]["message"]
    assert message.startswith(f"the disk is full: writing {MAIN} to {daemon.model_dir} failed (no space left on "
                              "device). Free some space there ("), message
    assert "request the download again: it resumes" in message and \
        "local.disk_reserve_bytes, now 1.0 kB (1,024 bytes), is the space a download must leave free" in message, message
    assert "Errno" not in message and "OSError" not in message, message
    code, listed = await request("GET", daemon.url + "/api/models/downloads")
    (state,) = listed["data"]
    assert code == 200 and (state["status"], state["error"]) == ("error", message), state
