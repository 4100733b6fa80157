"""HTTP/1.0 clients (old proxies, simple tools): an answer of unknown length can only end with the connection, so
LARouter closes it after such an answer even when the client asked for keep-alive; an answer with a length keeps
the connection the client asked to keep."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import Fake, Router

DEADLINE = 10.0  # seconds for the whole answer; aiohttp's keep-alive timeout, which the bug waited for, is 75


async def _ask(router: Router, path: str, body: dict | None) -> tuple[bytes, asyncio.StreamWriter, asyncio.StreamReader]:
    """Send one HTTP/1.0 request asking for keep-alive; the answer's head, and the connection."""
    host, port = router.url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    data = json.dumps(body).encode() if body is not None else b""
    method = "POST" if body is not None else "GET"
    writer.write(f"{method} {path} HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), DEADLINE)
    return head, writer, reader


@pytest.mark.parametrize("path, body", [
    ("/v1/chat/completions", {"model": "gpt-fake", "stream": True, "messages": [{"role": "user", "content": "hi"}]}),
    ("/api/usage/export", None)])
async def test_an_answer_of_unknown_length_ends_the_connection(router: Router, fake: Fake, path: str,
                                                                body: dict | None) -> None:
    """A stream (and the CSV export) to an HTTP/1.0 client that asked for keep-alive: the connection closes after
    the last byte, so the client sees the end (it stayed open, and the client hung until the keep-alive timeout,
    review AQ)."""
    head, writer, reader = await _ask(router, path, body)
    try:
        assert head.startswith(b"HTTP/1.0 200 ") and b"content-length" not in head.lower(), head
        rest = await asyncio.wait_for(reader.read(), DEADLINE)  # to the end of the connection
    finally:
        writer.close()
    if body is not None:
        assert rest.endswith(b"data: [DONE]\n\n"), rest[-200:]


async def test_an_answer_with_a_length_keeps_the_connection(router: Router, fake: Fake) -> None:
    """A JSON answer has its length: the kept-alive HTTP/1.0 connection serves a second request."""
    body = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
    head, writer, reader = await _ask(router, "/v1/chat/completions", body)
    try:
        length = int(head.lower().partition(b"content-length:")[2].split(b"\r\n")[0])
        answer = json.loads(await asyncio.wait_for(reader.readexactly(length), DEADLINE))
        assert answer["choices"][0]["message"]["content"], answer
        writer.write(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        await writer.drain()
        assert (await asyncio.wait_for(reader.readline(), DEADLINE)).startswith(b"HTTP/1.0 200 ")
    finally:
        writer.close()
