"""Relay an upstream SSE stream event by event, capturing (and maybe hiding) the usage chunk."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import web

from larouter.errors import error_body
from larouter.proxy.call import Call
from larouter.proxy.upstream import redact

DONE = b"data: [DONE]"


class ClientGone(Exception):
    """The client closed its connection while we were streaming to it."""


def _usage_of(event: bytes) -> dict[str, Any] | None:
    """Return the usage object carried by an event, if any (cheap check before parsing)."""
    if b'"usage"' not in event or b'"usage":null' in event or b'"usage": null' in event:
        return None
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            try:
                usage = json.loads(line[5:]).get("usage")
            except (ValueError, AttributeError):
                return None
            return usage if isinstance(usage, dict) else None
    return None


def _is_usage_only(event: bytes) -> bool:
    """True for the extra final chunk carrying usage and no choices."""
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            try:
                return json.loads(line[5:]).get("choices") in ([], None)
            except (ValueError, AttributeError):
                return False
    return False


class Relay:
    """Copies events from upstream to client; keeps [DONE] until upstream ends so late usage is seen."""

    def __init__(self, call: Call, client: web.StreamResponse, strip_usage: bool) -> None:
        self.call = call
        self.client = client
        self.strip_usage = strip_usage
        self.saw_done = False

    async def _write(self, data: bytes) -> None:
        try:
            await self.client.write(data)
        except (ConnectionError, RuntimeError) as exc:  # closed transport
            raise ClientGone() from exc

    def _filter(self, event: bytes) -> bytes | None:
        if event.startswith(DONE):
            self.saw_done = True
            return None
        usage = _usage_of(event)
        if usage is not None:
            self.call.usage = usage
            if self.strip_usage and _is_usage_only(event):
                return None
        if b'"choices"' in event:
            self.call.chunks += 1
        return event + b"\n\n"

    async def run(self, upstream: aiohttp.ClientResponse) -> None:
        """Relay until upstream EOF; raise ClientGone, or aiohttp/timeout errors from upstream."""
        buf = b""
        async for chunk in upstream.content.iter_any():
            self.call.mark_first_byte()
            buf += chunk.replace(b"\r\n", b"\n") if b"\r" in chunk else chunk
            if b"\n\n" not in buf:
                continue
            *events, buf = buf.split(b"\n\n")
            out = [ev for ev in map(self._filter, filter(None, events)) if ev]
            if out:
                await self._write(b"".join(out))
        if buf.strip():
            tail = self._filter(buf.strip())
            if tail:
                await self._write(tail)
        if not self.saw_done:
            raise aiohttp.ClientPayloadError("upstream ended the stream without [DONE]")
        await self._write(DONE + b"\n\n")

    async def fail(self, message: str, code: str) -> None:
        """Send a well-formed SSE error event; the caller then ends the stream."""
        payload = error_body(redact(message), "upstream_error", code)
        try:
            await self._write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        except ClientGone:
            pass


def describe_stream_error(exc: BaseException, provider: str) -> tuple[str, str]:
    """Human message and code for an upstream failure in the middle of a stream."""
    if isinstance(exc, asyncio.TimeoutError):
        return f"provider {provider!r} stopped sending mid-stream (read timeout)", "upstream_timeout"
    return f"provider {provider!r} dropped the connection mid-stream: {type(exc).__name__}: {exc}", "upstream_disconnected"
