"""A hub that fails while the file is transferring: the download resumes from the bytes it has, after the same
backoff as the metadata request, gives up after the same number of attempts, and a cancel ends the wait at once."""

from __future__ import annotations

import asyncio
import time

import pytest

from larouter.models.download_api import DOWNLOADS
from larouter.models.hub_http import Backoff
from tests.support.fake_hub import sha256_hex
from tests.test_download_cancel import heads
from tests.test_downloads import (  # noqa: F401 - fixtures used by name
    MAIN, MAIN_DATA, REPO, Daemon, Hub, assert_progress_in_order, daemon, eventually, events, hub, make_daemon, parts,
    request, start, status_of,
)

DROP = 100_000  # the hub breaks off here; every byte before it reaches the disk
FAST = Backoff(first=0.01, cap=0.08, retry_after_cap=0.1)  # the real number of attempts, the waits shortened
KEPT = f"the 100.0 kB ({DROP:,} bytes) downloaded are kept and the next request resumes them"


def ranges(hub: Hub) -> list[str | None]:  # noqa: F811
    """The Range header of each GET of the main file, in order."""
    return [g.range for g in hub.state.gets(MAIN)]


def fast(daemon: Daemon) -> Daemon:  # noqa: F811
    """The daemon, retrying with the short waits."""
    daemon.app[DOWNLOADS].backoff = FAST
    return daemon


def test_backoff_waits_one_to_eight_seconds_and_retries_only_what_may_pass() -> None:
    """The shared policy: 1, 2, 4, 8, 8 s for a dropped connection or a 5xx, a 429's Retry-After (plus 1 s, at most
    60), and no retry for a 4xx such as 403 or 416."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    def answered(status: int, **headers: str) -> HfHubHTTPError:
        response = httpx2.Response(status, headers=headers, request=httpx2.Request("GET", "http://hub/f"))
        return HfHubHTTPError(f"HTTP {status}", response=response)

    dropped = httpx2.RemoteProtocolError("peer closed connection without sending complete message body")
    policy = Backoff()
    assert [policy.wait(dropped, n) for n in range(policy.retries)] == [1, 2, 4, 8, 8]
    assert [policy.wait(answered(s), 0) for s in (500, 502, 503, 504, 408, 429)] == [1.0] * 6
    assert policy.wait(answered(429, **{"Retry-After": "5"}), 3) == 6.0
    assert policy.wait(answered(429, **{"Retry-After": "3600"}), 0) == 60.0
    assert [policy.wait(answered(s), 0) for s in (400, 401, 403, 404, 416)] == [None] * 5
    assert policy.wait(ValueError("not the hub's"), 0) is None


async def test_a_drop_then_503s_mid_file_resumes_from_where_it_broke(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """The reviewer's case: the hub drops the connection part-way through the file, then answers 503 twice. The
    download waits, asks again from the byte where it broke (a Range request) until the hub answers, completes and
    verifies the sha256; the progress never goes back. It used to end at once with status error ("the hub answered
    HTTP 503")."""
    hub.state.drop_after[MAIN] = DROP
    hub.state.refuse_after_drop[MAIN] = 2
    _, body = await start(fast(daemon), mmproj=False)
    evs = await events(daemon, body["id"])
    assert_progress_in_order(evs, "done")
    assert evs[-1][1]["sha256"] == sha256_hex(MAIN_DATA) and evs[-1][1]["verified"] is True, evs[-1]
    assert (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA and parts(daemon) == []
    assert ranges(hub) == [None] + [f"bytes={DROP}-"] * 3, ranges(hub)


async def test_the_metadata_request_is_retried_with_the_same_policy(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """The same retry before any byte: two 503s to the HEAD, then the download goes through."""
    hub.state.refuse[MAIN] = 2
    _, body = await start(fast(daemon), mmproj=False)
    assert (await events(daemon, body["id"]))[-1][0] == "done"
    assert heads(hub) == 3 and ranges(hub) == [None]


async def test_the_progress_stream_says_when_it_waits_to_retry(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """While the download waits between attempts, its progress says so: status "retrying" and `retry` naming what
    failed and when it tries again (a bar froze at "0/? bytes" for a quarter of a minute before); then it goes on."""
    hub.state.refuse[MAIN] = 2
    daemon.app[DOWNLOADS].backoff = Backoff(first=0.4, cap=0.4, retry_after_cap=0.4)
    _, body = await start(daemon, mmproj=False)
    evs = await events(daemon, body["id"])
    waiting = [d for n, d in evs if n == "progress" and d["status"] == "retrying"]
    assert waiting and "HTTP 503" in waiting[0]["retry"] and "retrying in 0.4 s (1 of 5)" in waiting[0]["retry"], evs
    assert evs[-1][0] == "done" and all(d["retry"] is None for n, d in evs[-3:-1] if n == "progress"), evs[-3:]


async def test_a_hub_that_ignores_the_range_is_not_written_twice(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """After a drop the hub answers the Range request with 200 and the whole file: the bytes already on disk are
    skipped, the file is right, the progress never goes back."""
    hub.state.drop_after[MAIN] = DROP
    hub.state.ignore_range.add(MAIN)
    _, body = await start(fast(daemon), mmproj=False)
    evs = await events(daemon, body["id"])
    assert_progress_in_order(evs, "done")
    assert (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA
    assert ranges(hub) == [None, f"bytes={DROP}-"], ranges(hub)


async def test_a_read_timeout_mid_file_resumes(daemon: Daemon, hub: Hub,  # noqa: F811
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub goes quiet for longer than the read timeout after each 100 kB: each attempt keeps what it got, the
    next asks for the rest (an attempt that brought bytes does not use up the retries), the file completes."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 0.3)
    hub.state.trickle[MAIN] = (DROP, 1.0)
    _, body = await start(fast(daemon), mmproj=False)
    evs = await events(daemon, body["id"])
    assert_progress_in_order(evs, "done")
    assert (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA
    assert ranges(hub) == [None, f"bytes={DROP}-", f"bytes={2 * DROP}-"], ranges(hub)


@pytest.mark.parametrize(("fault", "said"), [
    ("drop", f"the connection to the hub broke during {REPO}/{MAIN}"),
    (503, f"the hub answered HTTP 503 Service Unavailable for {REPO}/{MAIN}"),
    (429, f"the hub answered HTTP 429 Too Many Requests for {REPO}/{MAIN}"),
])
async def test_a_hub_that_keeps_failing_mid_file_gives_up_after_the_retries(daemon: Daemon, hub: Hub,  # noqa: F811
                                                                             fault: object, said: str) -> None:
    """The transfer breaks off at the same byte every time (or the hub answers 503 or 429 from then on): after the
    retries of the budget (their number real, their waits shortened) the download ends with an error naming what
    the hub did and the attempts made, and keeps the bytes it has for a later resume."""
    hub.state.drop_after[MAIN] = DROP
    if fault == "drop":
        hub.state.drop_at[MAIN] = DROP
    else:
        hub.state.refuse_status, hub.state.refuse_after_drop[MAIN] = int(str(fault)), 1_000
    _, body = await start(fast(daemon), mmproj=False)
    evs = await events(daemon, body["id"])
    message, retries = evs[-1][1]["message"], FAST.retries
    assert evs[-1][0] == "error" and evs[-1][1]["status"] == "error", evs[-1]
    assert message.startswith(said) and message.endswith(f"; gave up after {retries + 1} attempts; {KEPT}"), message
    assert ranges(hub) == [None] + [f"bytes={DROP}-"] * retries, ranges(hub)
    assert [p.stat().st_size for p in parts(daemon)] == [DROP] and not (daemon.model_dir / MAIN).exists()
    hub.state.refuse.clear()


@pytest.mark.parametrize("status", [401, 403, 404, 416])
async def test_a_4xx_mid_file_is_not_retried(daemon: Daemon, hub: Hub, status: int) -> None:  # noqa: F811
    """After a drop the hub answers a 4xx (other than 429) to the Range request: no retry; the error says what the
    hub answered; the bytes are kept."""
    hub.state.drop_after[MAIN] = DROP
    hub.state.refuse_status, hub.state.refuse_after_drop[MAIN] = status, 1
    _, body = await start(fast(daemon), mmproj=False)
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "error" and f"the hub answered HTTP {status} " in evs[-1][1]["message"], evs[-1]
    assert "gave up" not in evs[-1][1]["message"], evs[-1]
    assert ranges(hub) == [None, f"bytes={DROP}-"], ranges(hub)
    assert [p.stat().st_size for p in parts(daemon)] == [DROP]


async def test_cancel_during_the_transfer_backoff_is_prompt(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """A cancel while the download waits (the real 1-8 s backoff) to retry a broken transfer is answered at once
    as cancelled by the worker itself (its thread has ended), no request follows, and the bytes it has are kept."""
    hub.state.drop_after[MAIN] = DROP
    hub.state.refuse_after_drop[MAIN] = 1_000
    _, body = await start(daemon, mmproj=False)

    async def refused_after_the_drop() -> bool:
        return len(ranges(hub)) >= 2

    await eventually(refused_after_the_drop, "the GET after the drop")
    t0 = time.monotonic()
    code, out = await request("DELETE", f"{daemon.url}/api/models/download/{body['id']}")
    took = time.monotonic() - t0
    assert (code, out["status"]) == (200, "cancelled") and took < 0.5, (out, took)
    assert daemon.app[DOWNLOADS].get(body["id"]).idle.is_set(), "the worker thread was still running"
    await asyncio.sleep(2.5)  # past the next retry's wait (2 s)
    assert ranges(hub) == [None, f"bytes={DROP}-"], ranges(hub)
    assert [p.stat().st_size for p in parts(daemon)] == [DROP]
    hub.state.refuse.clear()
