"""A deadline for a request's headers: a connection that has not sent a whole request line and headers within
`server.body_timeout` of opening (or, between two requests, of the next request's first byte) gets a JSON 408 if it
sent part of one, and is closed.

Without it a client that sent half a request line and went silent held its connection, and a file descriptor, for
as long as it liked: aiohttp's only timer on it is the keep-alive one (3,630 s by default; `app.KEEPALIVE` now), and
a few hundred such connections locked every other client out (review AX 2). The handler cannot see such a client: no
handler, no middleware runs before the headers are complete.

aiohttp has no setting for this, so this is the one module that reaches into it (`tests/test_header_deadline.py`
fails loudly if a new aiohttp changes what it relies on):
- `HeaderDeadlineRunner._make_server`, the hook every aiohttp runner implements, wraps the server's protocol factory;
- `_Guard`, an asyncio protocol in front of each of aiohttp's `RequestHandler`s, reads three of its private fields:
  `_request_count` (requests whose headers were parsed on the connection), `_messages` (those parsed and not yet
  handled, with their bodies) and `_waiter` (pending while it waits for the next request)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web

from larouter import jsonx
from larouter.errors import LarouterError

log = logging.getLogger("larouter.daemon")
LOG_EVERY = 60.0  # seconds between two log lines about closed connections (a flood of them is one line a minute)


class HeaderDeadlineRunner(web.AppRunner):
    """An `AppRunner` whose connections must send each request's headers within `header_timeout` seconds."""

    def __init__(self, app: web.Application, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return _Factory(server, self.header_timeout)  # type: ignore[return-value]  # (a web.Server to the runner)


class _Factory:
    """aiohttp's server as the runner and its sites use it, each connection's protocol guarded by a `_Guard`; counts
    the connections closed for their headers and logs them, at most once every LOG_EVERY seconds."""

    def __init__(self, server: web.Server, header_timeout: float) -> None:
        self.server = server
        self.header_timeout = header_timeout
        self.closed = 0  # connections closed for late headers
        self.unlogged = 0  # of them, not yet in a log line
        self.logged_at: float | None = None
        self.summary: asyncio.TimerHandle | None = None

    def __call__(self) -> _Guard:
        return _Guard(self.server(), self)

    def __getattr__(self, name: str) -> Any:  # connections, pre_shutdown, shutdown, ...: the server's own
        return getattr(self.server, name)

    def note(self, peer: Any, partial: bool) -> None:
        """One more connection closed: the first is logged at once, the next ones summed up a minute later."""
        self.closed += 1
        now = time.monotonic()
        if self.logged_at is None or now - self.logged_at >= LOG_EVERY and self.summary is None:
            where = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "a client"
            what = "sent part of a request, then nothing more" if partial else "sent nothing"
            log.warning("closed a connection whose request headers did not come within %g s (server.body_timeout): "
                        "%s %s (more such are counted, in a line a minute at most)", self.header_timeout, where, what)
            self.logged_at = now
            return
        self.unlogged += 1
        if self.summary is None:
            wait = max(self.logged_at + LOG_EVERY - now, 0.0)
            self.summary = asyncio.get_running_loop().call_later(wait, self._summarize)

    def _summarize(self) -> None:
        self.summary = None
        log.warning("closed %d more connection(s) whose request headers did not come within %g s (server.body_timeout)",
                    self.unlogged, self.header_timeout)
        self.logged_at, self.unlogged = time.monotonic(), 0


class _Guard(asyncio.Protocol):
    """aiohttp's protocol for one connection, with a timer running while a request's headers are awaited: from the
    connection's start, and from the first byte after the previous request's body."""

    def __init__(self, handler: web.RequestHandler, factory: _Factory) -> None:
        self.handler = handler
        self.factory = factory
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.parsed = 0  # the handler's request count when last looked at
        self.payload: Any = None  # the body of the last request parsed (aiohttp's StreamReader)
        self.partial = False  # bytes of the awaited request came

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.handler.connection_made(transport)
        self._start()  # the first request's headers are due within the deadline of opening

    def data_received(self, data: bytes) -> None:
        body_due = self.payload is not None and not self.payload.is_eof()  # (then these bytes are, or end, a body)
        self.handler.data_received(data)
        count = self.handler._request_count
        if count != self.parsed:  # a request's headers are complete (or refused: aiohttp answers that)
            self.parsed = count
            queued = self.handler._messages
            self.payload = queued[-1][1] if queued else None
            self._stop()
        elif data and not body_due and self.timer is None and data.strip(b"\r\n"):  # (empty lines before a
            # request are ignored, RFC 9112 2.2: a CRLF some clients send after a POST's body began no request, and
            # got a 408 nobody asked for: review BH)
            self._start()  # the next request's first bytes: its headers are due within the deadline
        if data and self.timer is not None:
            self.partial = True

    def eof_received(self) -> bool | None:
        return self.handler.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()

    def _start(self) -> None:
        self.partial = False
        self.timer = asyncio.get_running_loop().call_later(self.factory.header_timeout, self._late)

    def _stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _late(self) -> None:
        self.timer = None
        if self.handler._request_count != self.parsed or self.transport is None or self.transport.is_closing():
            return
        if not _between_requests(self.handler):  # still answering the previous request (pipelined): not yet
            self.timer = asyncio.get_running_loop().call_later(self.factory.header_timeout, self._late)
            return
        if self.partial:  # something can be said: a request was begun
            self.transport.write(_timeout_answer(self.factory.header_timeout))
        self.factory.note(self.transport.get_extra_info("peername"), self.partial)
        self.handler.force_close()  # (closes the transport once the answer is written)


def _between_requests(handler: web.RequestHandler) -> bool:
    """Whether the handler waits for the next request (is not answering one)."""
    waiter = handler._waiter
    return waiter is not None and not waiter.done()


def _timeout_answer(seconds: float) -> bytes:
    body = LarouterError(f"request headers not received within {seconds:g} s (server.body_timeout)", 408,
                         "invalid_request_error", "request_timeout").body()
    data = jsonx.dumps(body)
    return (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json; charset=utf-8\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(data)) + data
