"""`GET /api/usage/export`: per-call CSV (RFC 4180, formula-escaped), streamed in chunks, and HEAD."""

from __future__ import annotations

import asyncio
from datetime import datetime

import aiohttp

from tests.support import usage
from tests.support.servers import http_json
from tests.support.usage import HELLO, UTC, UsageRouter
from tests.test_usage_api import record

start_router, router = usage.start_router, usage.router  # the shared fixtures


NASTY = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", 'a,"b" c']
CONTROL = ["\tx", "\rx", 'a,"b"\nc']  # refused at the door now (400), but rows of older versions may hold them


def test_export_is_rfc4180_and_escapes_formulas(router: UsageRouter) -> None:
    """Client-chosen text is quoted per RFC 4180 and cannot start a spreadsheet formula."""
    for name in NASTY:
        status, _ = http_json("POST", router.url + "/v1/chat/completions", {"model": name, "messages": HELLO})
        assert status == 404  # unknown model: still recorded
    for name in CONTROL:
        status, _ = http_json("POST", router.url + "/v1/chat/completions", {"model": name, "messages": HELLO})
        assert status == 400  # refused before a call exists: not recorded
        record(router, datetime.now(UTC), requested=name)
    router.settle(len(NASTY) + len(CONTROL))
    text = router.export()
    lines = text.split("\r\n")
    assert lines[0].startswith("time,project,requested_model,model,provider,") and text.endswith("\r\n")
    assert '"a,""b"" c"' in text and '"a,""b""\nc"' in text  # quoted, quotes doubled, newline kept
    rows = router.rows()
    got = [r["requested_model"] for r in rows]
    assert got == ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", 'a,"b" c', "'\tx", "'\rx", 'a,"b"\nc']
    assert all(r["status"] == "404" and r["error_type"] == "model_not_found" for r in rows[:len(NASTY)])


async def test_export_streams_in_chunks_and_survives_a_client_that_leaves(router: UsageRouter) -> None:
    """A large export arrives in several chunks; a client leaving mid-export leaves the ledger usable."""
    for i in range(6000):
        record(router, datetime.now(UTC), prompt=i)
    await asyncio.to_thread(router.settle, 6000, 30.0)
    async with aiohttp.ClientSession() as s:
        async with s.get(router.url + "/api/usage/export") as r:
            first = await r.content.readany()
            assert first.startswith(b"time,project,") and len(first) < 6000 * 100
        async with s.get(router.url + "/api/usage/export") as r:
            body = await r.read()
    assert body.count(b"\r\n") == 6001
    summary = await asyncio.to_thread(router.get, "/api/usage")
    assert summary["totalCalls"] == 6000


def test_head_of_an_export_sends_no_body(router: UsageRouter) -> None:
    """HEAD /api/usage/export answers the export's headers and nothing after them (it sent the whole CSV, so a
    client reusing the kept-alive connection read the rows as its next status line)."""
    import http.client

    for i in range(50):
        record(router, datetime.now(UTC), prompt=i)
    router.settle(50)
    host, port = router.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("HEAD", "/api/usage/export?period=all")
    head = conn.getresponse()
    assert head.status == 200 and head.getheader("Content-Type").startswith("text/csv"), head.status
    assert "larouter-usage-default-all-" in head.getheader("Content-Disposition")
    head.read()
    conn.request("GET", "/api/usage/export?period=all")  # the same connection: its answer must start cleanly
    got = conn.getresponse()
    assert got.status == 200 and got.read().count(b"\r\n") == 51
    conn.request("HEAD", "/api/usage/export?projectId=nope")
    assert conn.getresponse().status == 404  # the checks still run
    conn.close()
