"""No usage record is lost: under 500 concurrent calls, and when the app stops with records still buffered."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable

import aiohttp
import duckdb

from tests.support.servers import BackgroundLoop, wait_until
from tests.support import usage
from tests.support.usage import HELLO, UsageRouter, fake_usage

start_router, router = usage.start_router, usage.router  # the shared fixtures


async def test_500_concurrent_requests_lose_no_record(start_router: Callable[..., UsageRouter]) -> None:
    """Every one of 500 concurrent calls, streamed or not, ends up in the ledger exactly once (the provider's
    read_timeout is long: on a loaded CI machine the last of 500 calls in one process waited over 2 s: a 504)."""
    router = await asyncio.to_thread(start_router, "", 60.0)

    async def one(s: aiohttp.ClientSession, i: int) -> int:
        body = {"model": "gpt-fake", "messages": [{"role": "user", "content": f"n{i}"}], "stream": i % 2 == 0}
        async with s.post(router.url + "/v1/chat/completions", json=body) as r:
            await r.read()
            return r.status

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as s:
        statuses = await asyncio.gather(*(one(s, i) for i in range(500)))
    assert statuses == [200] * 500
    await asyncio.to_thread(router.settle, 500, 30.0)
    summary = router.get("/api/usage")
    assert (summary["totalCalls"], summary["succeededCalls"]) == (500, 500)
    rows = router.rows()
    assert len(rows) == 500 and sum(r["streamed"] == "true" for r in rows) == 250
    assert router.ledger.writer.stats.dropped == 0


def test_records_are_flushed_on_app_shutdown(start_router: Callable[..., UsageRouter], servers: BackgroundLoop,
                                             home: Path) -> None:
    """Records still buffered when the app stops are committed and readable after reopening the file."""
    router = start_router("\n[usage]\nflush_interval = 3600.0\nbatch_rows = 100000\n")
    c = router.client()
    for _ in range(5):
        c.chat.completions.create(model="gpt-fake", messages=HELLO)
    writer = router.ledger.writer
    wait_until(lambda: writer.stats.submitted == 5, 10, "5 records")
    assert writer.stats.written == 0  # nothing committed yet: the flush interval is an hour
    servers.run(router.runner.cleanup())
    servers.runners.remove(router.runner)
    with duckdb.connect(str(home / "usage.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(input_tokens) FROM usage_calls").fetchone() == (5, 5 * fake_usage(HELLO)[0])
        assert con.execute("SELECT sum(calls) FROM usage_daily").fetchone() == (5,)
