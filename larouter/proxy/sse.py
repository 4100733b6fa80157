"""Relay an upstream SSE stream event by event, capturing (and maybe hiding) the usage chunk."""

from __future__ import annotations

import asyncio
import re
from types import MappingProxyType
from typing import Any

import aiohttp
from aiohttp import web

from larouter import appkeys, jsonx
from larouter.apierror import error_body
from larouter.proxy.call import Call
from larouter.proxy.events import ANSWER_MARKS, DONE, has_answer, has_reasoning, parts, usage_event
from larouter.proxy.redaction import redact, scrub
from larouter.proxy.upstream import CutShort
from larouter.usage.records import merged_usage

SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# Each a single pass over a block of events (cheaper than an `in` test per marker):
_PLAIN = re.compile(rb"(?:data: \{[^\n]*\}\n\n)+")  # events of one `data: {...}` line each, as providers send them
_LOOK = re.compile(rb'"(?:usage": ?\{|error"|finish_reason": ?")')  # to look at: usage, an error, a finish_reason set
_CALLS = re.compile(rb'"(?:tool_calls|function_call)"')  # an answer that calls a tool is never retried
STOP_REASONS = ("length", "content_filter")  # an empty answer that stopped for these is an answer, not a degraded 200
MAX_EVENT_BYTES = 32 * 1024 * 1024  # one event's cap when none is given (server.max_body_bytes' default)
AFTER_DONE = 1.0  # seconds an upstream may take to end its response after [DONE] (a late usage chunk comes at once)


class UpstreamErrorEvent(Exception):
    """The upstream's stream carried an error event (relayed as it came): the call failed, whatever followed."""


class ClientGone(Exception):
    """The client closed its connection while we were streaming to it."""


class BadStream(Exception):
    """The upstream's stream is no OpenAI event stream: a data payload that is not a JSON object (nor [DONE]), or an
    event larger than the relay's cap. Its message completes "provider 'x' ..."."""


class _HoldOver(Exception):
    """`Relay.prime`'s hold ran out while the stream had sent reasoning and no answer yet."""


def _with_data(event: bytes, data: dict[str, Any]) -> bytes:
    """The event with `data` as its payload (its other lines, an id or comments, kept)."""
    lines = [line for line in event.split(b"\n") if not line.startswith(b"data:")]
    return b"\n".join([*lines, b"data: " + jsonx.dumps(data)])


def _not_json(payload: bytes, key: str | None) -> BadStream:
    return BadStream(f"sent an event that is not JSON: {redact(repr(payload[:40].decode(errors='replace')), key)}")


ERROR_KEYS = MappingProxyType({"message": "", "type": "upstream_error", "param": None, "code": None})  # (a provider may
# leave some out)


class Relay:
    """Copies events from upstream to client; keeps [DONE] until upstream ends (or AFTER_DONE has passed) so late
    usage is seen.

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
        self.carry = b""  # events of the read that primed, after the answer's first event: `run` relays them
        self.upstream_error: str | None = None  # the message of an upstream error event
        self.broken: BadStream | None = None  # what ended the relay of a block part-way
        self.finished: dict[int, str] = {}  # choice index -> its finish_reason
        self.opened: set[int] = set()  # the choice indexes of the events parsed (each, with n > 1: `complete`)
        self.held = False  # committed to while it sent only reasoning (`prime`'s hold ran out)
        self.answered = False  # an answer began (set by `prime`, and by `run` after a commit on reasoning)
        self.seen: dict[str, Any] | None = None  # the last event read with choices (its id, created, model)

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

    @property
    def _key(self) -> str | None:
        return self.call.target.provider.api_key if self.call.target is not None else None

    def _note_error(self, error: Any) -> None:
        """Remember the message of an upstream error event."""
        message = error.get("message") if isinstance(error, dict) else error
        self.upstream_error = redact(str(message), self._key)[:200]

    def _scrubbed(self, event: bytes, data: dict[str, Any]) -> bytes:
        """An error event as the client may see it: its error scrubbed of the provider's key and anything key-shaped
        (an upstream may quote the key it was sent, as in its JSON errors), with the four keys of every error
        (`message`, `type`, `param`, `code`: the provider's values, None for those it left out), the rest of the
        event kept."""
        error = data["error"]
        clean = scrub({**ERROR_KEYS, **error} if isinstance(error, dict) else {**ERROR_KEYS, "message": str(error)},
                      self._key)
        if clean == error:
            return event
        return _with_data(event, {**data, "error": clean})

    def _filter(self, event: bytes) -> bytes | None:
        """The event as the client gets it (None: nothing to send), after noting what it says: [DONE], an error,
        usage, finish reasons, tool calls. BadStream for a payload that is not a JSON object: one not shaped `{...}`
        (as on the fast path), or one with something to look at that does not parse."""
        payload, event = parts(event)
        if payload is None:
            return event + b"\n\n" if event else None
        payload = payload.strip()
        if payload.startswith(b"[DONE]"):  # as the SDK reads it
            self.saw_done = True
            return None
        if payload[:1] != b"{" or payload[-1:] != b"}":
            raise _not_json(payload, self._key)
        if _LOOK.search(event) or self.call.choices > 1:  # else nothing to look at: it passes unparsed
            data = self._note(payload)
            if self.strip_usage and isinstance(data.get("usage"), dict):
                if data.get("choices") in ([], None):
                    return None  # the usage chunk the client did not ask for
                data = {key: value for key, value in data.items() if key != "usage"}  # usage riding on an answer's
                event = _with_data(event, data)  # event (its finish, say): the event without it
            if data.get("error"):
                event = self._scrubbed(event, data)
        if b'"choices":' in event:
            self.call.chunks += 1
            self.call.relayed(event)
            if not self.call.tool_calls and _CALLS.search(event):
                self.call.tool_calls = True
        return event + b"\n\n"

    def _note(self, payload: bytes) -> dict[str, Any]:
        """Parse an event's payload; note the error, usage and finish reasons it carries."""
        try:
            data = jsonx.loads(payload)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise _not_json(payload, self._key)
        if data.get("error"):
            self._note_error(data["error"])
        if isinstance(data.get("usage"), dict):  # counts split over events (the input's, then the output's): merged
            self.call.usage = merged_usage(self.call.usage, data["usage"])
        if isinstance(data.get("choices"), list) and data["choices"]:
            self.seen = data
        for choice in data["choices"] if isinstance(data.get("choices"), list) else ():
            if isinstance(choice, dict):
                index = choice.get("index")
                self.opened.add(index := index if type(index) is int else 0)
                if choice.get("finish_reason"):
                    self.finished[index] = choice["finish_reason"]
        return data

    def _lf(self, chunk: bytes) -> bytes:
        """CR LF as LF, a pair split across two reads included."""
        if self.cr:
            chunk = b"\r" + chunk
        self.cr = chunk.endswith(b"\r")
        return (chunk[:-1] if self.cr else chunk).replace(b"\r\n", b"\n")

    def _block(self, chunk: bytes) -> bytes | bytearray:
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
        if cut >= 0 and cut + 2 == len(buf):  # the buffer ends with the event it waited for: hand it over (no copy)
            self.buf = bytearray()
            return buf
        block = b""
        if cut >= 0:
            block = buf[:cut + 2]
            del buf[:cut + 2]
        if len(buf) > self.max_event:
            raise BadStream(f"sent an event of more than {self.max_event:,} bytes (server.max_body_bytes: no request "
                            "could send such an answer back)")
        return block

    def _relay_block(self, block: bytes | bytearray) -> bytes | bytearray:
        """What the client gets of a block of events. Fast path: the leading plain data events with no usage object,
        error or finish_reason pass through untouched (each event as `_filter` would pass it, so the outcome does
        not depend on how events are split across reads); the events after them go through `_filter` one by one. A
        BadStream event ends the block (`broken`). A stream committed to on its reasoning (`held`) is `answered` by an
        answer among the events relayed, never by one after a broken event (which the client does not get)."""
        check = self.held and not self.answered and any(map(block.__contains__, ANSWER_MARKS))  # answered since?
        m = _PLAIN.match(block) if self.call.choices == 1 else None  # the leading plain events (n > 1: `complete`)
        end = m.end() if m is not None else 0
        look = _LOOK.search(block, 0, end) if end else None
        if look is not None:  # from the event with something to look at on, event by event
            cut = block.rfind(b"\n\n", 0, look.start())
            end = cut + 2 if cut >= 0 else 0
        if end:
            plain = block if end == len(block) else block[:end]
            self.call.chunks += plain.count(b'"choices":')  # the key, not a text that says "choices"
            self.call.relayed(plain)
            if not self.call.tool_calls and _CALLS.search(plain):
                self.call.tool_calls = True
            if check and any(map(plain.__contains__, ANSWER_MARKS)):
                self.answered = any(has_answer(event) for event in bytes(plain).split(b"\n\n"))
                check = not self.answered
            if plain is block:
                return block
            block = block[end:]  # the rest (a finish_reason, usage, [DONE]...): a stream read whole parses only these
        out = [plain] if end else []
        for event in filter(None, block.split(b"\n\n")):
            try:
                relayed = self._filter(event)
            except BadStream as exc:
                self.broken = exc
                break
            if relayed:
                out.append(relayed)
                if check and has_answer(relayed):
                    self.answered, check = True, False
        return b"".join(out)

    @property
    def complete(self) -> bool:
        """Every choice the stream opened has its finish_reason, and one has: a stream that ends so is complete with
        or without [DONE]. A provider may ignore the request's `n` and answer one choice; one that honours it may be
        cut while a choice is still mid-answer. (With n = 1 the events are not all parsed: `_relay_block`'s fast path
        passes them on unread, and one finish_reason is enough.)"""
        return bool(self.finished) and self.opened <= self.finished.keys()

    @property
    def reasoning_only(self) -> bool:
        """Committed to on reasoning (`prime`'s hold), and no answer came: no content, tool call, refusal or audio,
        nor an empty answer stopped on purpose (`STOP_REASONS`). A degraded answer that could not fail over."""
        return self.held and not self.answered and not any(reason in STOP_REASONS for reason in self.finished.values())

    def _answered(self, event: bytes) -> bool:
        """The event (filtered) begins an answer: content, tool calls..., or an empty answer stopped on purpose."""
        return has_answer(event) or any(reason in STOP_REASONS for reason in self.finished.values())

    async def prime(self, upstream: aiohttp.ClientResponse, hold_until: float | None = None) -> bool:
        """Buffer events until one begins an answer; False if an error event or the end of the stream comes first
        (degraded). The outcome does not depend on how events are split across reads: what follows the answer's first
        event is `run`'s. With `hold_until` (a loop time), a stream that has sent reasoning and still no answer at
        that time is committed to as it is: True, with `held` set (the held events go out first in `run`, and a
        stream that never answers is `reasoning_only`). Raises BadStream."""
        self.primed = upstream.content.iter_any().__aiter__()
        reasoned = False  # a reasoning event is held (counted only with a hold)
        loop = asyncio.get_running_loop()
        try:
            while (chunk := await self._next(hold_until if reasoned else None)) is not None:
                events = [event for event in self._block(chunk).split(b"\n\n") if event]
                for i, event in enumerate(events):
                    out = self._filter(event)
                    if self.upstream_error is not None:
                        return False
                    if not out:
                        continue
                    self.pending.append(out)
                    self.answered = self._answered(out)
                    reasoned = reasoned or (hold_until is not None and has_reasoning(out))
                    if self.answered or (reasoned and loop.time() >= hold_until):
                        self.carry = b"".join(ev + b"\n\n" for ev in events[i + 1:])
                        self.held = not self.answered
                        return True
        except _HoldOver:  # the model was still reasoning when its hold ran out
            self.held = True
            return True
        return False

    async def first(self, upstream: aiohttp.ClientResponse) -> None:
        """Wait for the stream's first read, which `run` relays first (a named stream's response goes out with it).
        aiohttp errors and timeouts propagate; BadStream for an event over the cap."""
        self.primed = upstream.content.iter_any().__aiter__()
        try:
            self.carry = bytes(self._block(await anext(self.primed)))
        except StopAsyncIteration:
            pass

    async def _next(self, deadline: float | None) -> bytes | None:
        """The next read of the stream being primed, None at its end; _HoldOver when `deadline` (a loop time) comes
        first."""
        timer = asyncio.timeout_at(deadline)
        try:
            async with timer:
                return await anext(self.primed)
        except StopAsyncIteration:
            return None
        except TimeoutError:
            if timer.expired():
                raise _HoldOver() from None
            raise  # the provider's read_timeout

    async def _relay(self, block: bytes | bytearray) -> None:
        out = self._relay_block(block)
        if out:
            await self._write(out)
        if self.broken is not None:
            raise self.broken

    async def run(self, upstream: aiohttp.ClientResponse) -> None:
        """Relay until upstream EOF; raise ClientGone, BadStream, UpstreamErrorEvent, or aiohttp/timeout errors from
        upstream (CutShort: it ended before the answer was complete)."""
        head = b"".join(self.pending)  # what priming held back, and the rest of its last read: one write
        self.pending.clear()
        if self.carry:
            head += self._relay_block(self.carry)
        if head and (self.broken is not None or not upstream.content.at_eof()):
            await self._write(head)  # more may come: the client gets this now
            head = b""
        if self.broken is not None:
            raise self.broken
        # else the whole answer came with priming's reads (the usual under load): it goes out with the end of the
        # body, one write instead of two
        source = self.primed or upstream.content.iter_any()
        if not self.saw_done:
            async for chunk in source:
                await self._relay(self._block(chunk))
                if self.saw_done:
                    break
        if self.saw_done and not upstream.content.at_eof():
            await self._after_done(source, upstream)
        if self.buf.strip():  # a last event with no blank line after it
            if head:
                await self._write(head)
                head = b""
            await self._relay(bytes(self.buf.strip()) + b"\n\n")
        if self.upstream_error is not None:  # the client has the upstream's own error event: no second one
            await self._end(head + DONE + b"\n\n" if self.saw_done else head)
            raise UpstreamErrorEvent(self.upstream_error)
        if not self.saw_done and not self.complete:
            if head:
                await self._write(head)
            unfinished = sorted(self.opened - self.finished.keys()) if self.finished else []
            raise CutShort(f"no finish_reason for choice{'s' * (len(unfinished) > 1)} {', '.join(map(str, unfinished))}"
                           if unfinished else "no finish_reason")
        if self.call.client_wants_usage and self.call.usage is None:  # asked for, and the provider sent none
            head += usage_event(self.call, self.seen)
        await self._end(head + DONE + b"\n\n")  # [DONE] (ours, if the upstream left it out) and the end of the body

    async def _after_done(self, source: Any, upstream: aiohttp.ClientResponse) -> None:
        """Read what follows the upstream's [DONE] (a late usage chunk: some providers send it there) for at most
        AFTER_DONE seconds; an upstream that keeps its response open longer (pinging, or silent) is closed, not
        waited for: the answer is complete, and its end must not wait for, or fail with, the read timeout."""
        timer = asyncio.timeout(AFTER_DONE)
        try:
            async with timer:
                async for chunk in source:
                    await self._relay(self._block(chunk))
        except TimeoutError:
            if not timer.expired():
                raise  # (the provider's own read timeout: not ours to swallow)
            upstream.close()
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
            # A connection dropped after [DONE] (no end of the chunked body): the answer is complete, as a client
            # talking to the provider directly sees it, when every choice it opened had finished (a half-sent event
            # after it is lost); a choice still unfinished (a [DONE] sent early, more of the answer after it) was cut.
            if not self.complete:
                raise
            self.buf.clear()
            upstream.close()

    async def _end(self, data: bytes) -> None:
        try:
            await self.client.write_eof(data)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc

    async def fail(self, message: str, code: str, type_: str = "upstream_error") -> None:
        """Send a well-formed SSE error event; the caller then ends the stream (with no [DONE]: the answer is not
        complete)."""
        payload = error_body(redact(message), type_, code)  # (our words; the provider's were redacted with its key)
        try:
            await self._write(b"data: " + jsonx.dumps(payload) + b"\n\n")
        except ClientGone:
            pass
