"""Relay an upstream SSE stream event by event, capturing (and maybe hiding) the usage chunk."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web

from larouter import appkeys, jsonx
from larouter.errors import error_body
from larouter.proxy.call import Call
from larouter.proxy.upstream import redact

DONE = b"data: [DONE]"
_SLOW_MARKERS = (DONE, b'"usage":{', b'"usage": {', b'"error"')  # events that need looking at; others pass through
MAX_EVENT_BYTES = 32 * 1024 * 1024  # one event's cap when none is given (server.max_body_bytes' default)


class UpstreamErrorEvent(Exception):
    """The upstream's stream carried an error event (relayed as it came): the call failed, whatever followed."""


class ClientGone(Exception):
    """The client closed its connection while we were streaming to it."""


class BadStream(Exception):
    """The upstream's stream is no OpenAI event stream: an event larger than the relay's cap. Its message completes
    "provider 'x' ..."."""


def _usage_of(event: bytes) -> dict[str, Any] | None:
    """Return the usage object carried by an event, if any (cheap check before parsing)."""
    if b'"usage"' not in event or b'"usage":null' in event or b'"usage": null' in event:
        return None
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            try:
                usage = jsonx.loads(line[5:]).get("usage")
            except (ValueError, AttributeError):
                return None
            return usage if isinstance(usage, dict) else None
    return None


def _is_usage_only(event: bytes) -> bool:
    """True for the extra final chunk carrying usage and no choices."""
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            try:
                return jsonx.loads(line[5:]).get("choices") in ([], None)
            except (ValueError, AttributeError):
                return False
    return False


def _data(event: bytes) -> Any:
    for line in event.split(b"\n"):
        if line.startswith(b"data:") and not line.startswith(DONE):
            try:
                return jsonx.loads(line[5:])
            except ValueError:
                return None
    return None


def _error_of(event: bytes) -> Any:
    """The error an SSE event reports (llama-server sends these inside a 200), else None."""
    data = _data(event) if b'"error"' in event else None
    return data.get("error") or None if isinstance(data, dict) else None


ANSWER_KEYS = ("content", "tool_calls", "function_call", "refusal", "audio")  # what makes an answer (not role or
# reasoning alone): text, tool calls (and the legacy function_call), a refusal, audio
_ANSWER_MARKS = tuple(f'"{key}"'.encode() for key in ANSWER_KEYS)
CALL_MARKS = (b'"tool_calls"', b'"function_call"')  # an answer that calls a tool is never retried


def _has_answer(event: bytes) -> bool:
    """True when the event's delta carries an answer (`ANSWER_KEYS`), not just a role or reasoning."""
    if not any(map(event.__contains__, _ANSWER_MARKS)):
        return False
    data = _data(event)
    try:
        delta = data["choices"][0]["delta"]
    except (TypeError, KeyError, IndexError):
        return False
    return any(delta.get(key) for key in ANSWER_KEYS)


def _calls_a_tool(data: bytes) -> bool:
    return any(map(data.__contains__, CALL_MARKS))


class Relay:
    """Copies events from upstream to client; keeps [DONE] until upstream ends so late usage is seen.

    The buffer holds at most one incomplete event, capped at `max_event` bytes; each byte read is searched once for
    the end of its event."""

    def __init__(self, call: Call, client: web.StreamResponse, strip_usage: bool,
                 max_event: int = MAX_EVENT_BYTES) -> None:
        self.call = call
        self.client = client
        self.strip_usage = strip_usage
        self.max_event = max_event
        self.saw_done = False
        self.buf = bytearray()  # the incomplete event after the last blank line read (it never holds one)
        self.cr = False  # the last read ended in CR: its LF may start the next one
        self.pending: list[bytes] = []
        self.primed: Any = None
        self.upstream_error: str | None = None  # the message of an error event that ended `prime`

    @classmethod
    def for_call(cls, request: web.Request, call: Call, client: web.StreamResponse) -> Relay:
        """A call's relay: the usage chunk hidden unless the client asked for it; an event no larger than a request
        may be (server.max_body_bytes: no client could send a larger answer back)."""
        return cls(call, client, not call.client_wants_usage, request.app[appkeys.SETTINGS].server.max_body_bytes)

    async def _write(self, data: bytes) -> None:
        try:
            await self.client.write(data)
        except (ConnectionError, RuntimeError) as exc:  # closed transport
            raise ClientGone() from exc

    def _note_error(self, event: bytes) -> bool:
        """Remember the message of an upstream error event; whether `event` is one."""
        error = _error_of(event)
        if error is None:
            return False
        message = error.get("message") if isinstance(error, dict) else error
        key = self.call.target.provider.api_key if self.call.target is not None else None
        self.upstream_error = redact(str(message), key)[:200]
        return True

    def _filter(self, event: bytes) -> bytes | None:
        if event.startswith(DONE):
            self.saw_done = True
            return None
        if b'"error"' in event:
            self._note_error(event)
        usage = _usage_of(event)
        if usage is not None:
            self.call.usage = usage
            if self.strip_usage and _is_usage_only(event):
                return None
        if b'"choices"' in event:
            self.call.chunks += 1
            if _calls_a_tool(event):
                self.call.tool_calls = True
        return event + b"\n\n"

    def _split(self, chunk: bytes) -> list[bytes]:
        return [event for event in self._block(chunk).split(b"\n\n") if event]

    async def prime(self, upstream: aiohttp.ClientResponse) -> bool:
        """Buffer events until one carries content or tool calls; False if the stream has none (degraded)."""
        self.primed = upstream.content.iter_any().__aiter__()
        async for chunk in self.primed:
            useful = False
            for event in self._split(chunk):
                if b'"error"' in event and self._note_error(event):
                    return False
                useful = useful or _has_answer(event)
                out = self._filter(event)
                if out:
                    self.pending.append(out)
            if useful:
                return True
        return False

    def _lf(self, chunk: bytes) -> bytes:
        """CR LF as LF, a pair split across two reads included."""
        if self.cr:
            chunk = b"\r" + chunk
        self.cr = chunk.endswith(b"\r")
        return (chunk[:-1] if self.cr else chunk).replace(b"\r\n", b"\n")

    def _block(self, chunk: bytes) -> bytes:
        """Append a chunk; return every complete event received so far as one block (maybe empty). Only the new bytes
        are searched: the buffer never holds a blank line. BadStream when the incomplete event outgrows the cap."""
        self.call.mark_first_byte()
        if self.cr or b"\r" in chunk:
            chunk = self._lf(chunk)
        buf = self.buf
        if not buf and chunk.endswith(b"\n\n"):  # the usual read: whole events and nothing waiting (no copy)
            return chunk
        start = max(len(buf) - 1, 0)  # a blank line may straddle the two reads
        buf += chunk
        cut = buf.rfind(b"\n\n", start)
        block = b""
        if cut >= 0:
            block = bytes(buf[:cut + 2])
            del buf[:cut + 2]
        if len(buf) > self.max_event:
            raise BadStream(f"sent an event of more than {self.max_event:,} bytes (server.max_body_bytes: no request "
                            "could send such an answer back)")
        return block

    def _relay_block(self, block: bytes) -> bytes:
        """Fast path: a block with no [DONE] and no usage object passes through untouched."""
        if not any(marker in block for marker in _SLOW_MARKERS):
            self.call.chunks += block.count(b'"choices"')
            if _calls_a_tool(block):
                self.call.tool_calls = True
            return block
        return b"".join(ev for ev in map(self._filter, filter(None, block.split(b"\n\n"))) if ev)

    async def run(self, upstream: aiohttp.ClientResponse) -> None:
        """Relay until upstream EOF; raise ClientGone, BadStream, or aiohttp/timeout errors from upstream."""
        if self.pending:
            await self._write(b"".join(self.pending))
            self.pending.clear()
        async for chunk in self.primed or upstream.content.iter_any():
            out = self._relay_block(self._block(chunk))
            if out:
                await self._write(out)
        if self.buf.strip():  # a last event with no blank line after it
            tail = self._filter(bytes(self.buf.strip()))
            if tail:
                await self._write(tail)
        if self.upstream_error is not None:  # the client has the upstream's own error event: no second one
            try:
                await self.client.write_eof(DONE + b"\n\n" if self.saw_done else b"")
            except (ConnectionError, RuntimeError) as exc:
                raise ClientGone() from exc
            raise UpstreamErrorEvent(self.upstream_error)
        if not self.saw_done:
            raise aiohttp.ClientPayloadError("upstream ended the stream without [DONE]")
        try:
            await self.client.write_eof(DONE + b"\n\n")  # [DONE] and the end of the body in one write
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc

    async def fail(self, message: str, code: str, type_: str = "upstream_error") -> None:
        """Send a well-formed SSE error event; the caller then ends the stream (with no [DONE]: the answer is not
        complete)."""
        payload = error_body(redact(message), type_, code)
        try:
            await self._write(b"data: " + jsonx.dumps(payload) + b"\n\n")
        except ClientGone:
            pass


def describe_stream_error(exc: BaseException, provider: str) -> tuple[str, str]:
    """Human message and code for an upstream failure in the middle of a stream."""
    if isinstance(exc, asyncio.TimeoutError):
        return f"provider {provider!r} stopped sending mid-stream (read timeout)", "upstream_timeout"
    return f"provider {provider!r} dropped the connection mid-stream: {type(exc).__name__}: {exc}", "upstream_disconnected"
