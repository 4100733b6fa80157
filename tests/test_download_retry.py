"""A hub that fails while the file is transferring: the download resumes from the bytes it has, after the same
backoff as the metadata request, gives up after the same number of attempts, and a cancel ends the wait at once."""

from __future__ import annotations

from larouter.models.downloads import RETRIES
from tests.support.fake_hub import sha256_hex
from tests.test_download_cancel import PROMPT, cancel
from tests.test_downloads import (  # noqa: F401 - fixtures used by name
    MAIN, MAIN_DATA, Daemon, Hub, daemon, eventually, events, hub, make_daemon, parts, request, start, status_of,
)


def gets(hub: Hub) -> list:  # noqa: F811
    return hub.state.gets(MAIN)


async def test_a_drop_then_503s_mid_file_resumes_and_verifies(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """The hub drops the connection 100 kB into the file, then answers 503: the download waits, asks again from the
    byte it has (a Range request), completes and verifies; the progress never goes backwards. It used to end at
    once with status error ("the hub answered HTTP 503")."""
    hub.state.drop_after[MAIN] = 100_000
    hub.state.refuse_after_drop[MAIN] = 1
    _, body = await start(daemon, mmproj=False)
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "done" and evs[-1][1]["sha256"] == sha256_hex(MAIN_DATA), evs[-1]
    assert (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA
    ranged = [g.range for g in gets(hub) if g.range]
    assert ranged and all(r.startswith("bytes=") and r != "bytes=0-" for r in ranged), gets(hub)
    seen = [e[1]["bytes"] for e in evs if e[0] == "progress" and "bytes" in e[1]]
    assert seen == sorted(seen), seen


async def test_a_hub_that_keeps_failing_mid_file_gives_up_after_the_retries(daemon: Daemon, hub: Hub,  # noqa: F811
                                                                             monkeypatch) -> None:
    """The transfer breaks off and the hub then answers 503 to every request: after RETRIES more attempts (their
    waits shortened here, their number and order real) the download ends with an error naming the hub's answer, and
    the bytes it has are kept for a later resume."""
    from larouter.models import downloads

    real = downloads._retry_wait
    monkeypatch.setattr(downloads, "_retry_wait", lambda exc, attempt: None if real(exc, attempt) is None else 0.01)
    hub.state.drop_after[MAIN] = 100_000
    hub.state.refuse_after_drop[MAIN] = 1_000
    _, body = await start(daemon, mmproj=False)
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "error" and "503" in str(evs[-1][1]), evs[-1]
    assert len(gets(hub)) == 1 + RETRIES + 1, [(g.method, g.range) for g in gets(hub)]
    assert parts(daemon) and parts(daemon)[0].stat().st_size > 0, "the partial file is kept for a resume"
    hub.state.refuse.clear()


async def test_cancel_during_the_transfer_backoff_is_prompt(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """A cancel while the download waits to retry a broken transfer (the hub answers 503 for a while) is answered at
    once as cancelled; the bytes it has are kept."""
    hub.state.drop_after[MAIN] = 100_000
    hub.state.refuse_after_drop[MAIN] = 1_000
    _, body = await start(daemon, mmproj=False)

    async def refused_after_the_drop() -> bool:
        return len(gets(hub)) >= 2

    await eventually(refused_after_the_drop, "the GET after the drop")
    code, out, took = await cancel(daemon, body["id"])
    assert (code, out["status"]) == (200, "cancelled") and took < PROMPT, (out, took)
    hub.state.refuse.clear()
