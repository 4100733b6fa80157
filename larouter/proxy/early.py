"""An `auto` stream whose local candidate must be started first: keep-alive comments while it loads, and failover
all the same.

A comment (`: starting gemma-4-e4b`) can only follow the response's headers, and the headers can only go out once:
when the model is still loading after the first keep-alive interval, the response opens with what is known then (the
request id, the tier, the reason so far) and without `x-larouter-model` / `x-larouter-provider`, because the model
may fail to load and the next candidate answer instead. Comments are no part of an answer: failover still happens
before the first byte of one. Once a candidate answers, the headers that did not go out (or have changed since) are
written as comments ahead of its first event (`: x-larouter-model: gpt-4.1-mini`); OpenAI clients skip comments. A
call that fails after the headers went out (every candidate failed, the shutdown cut it) ends with one OpenAI error
event, `data: {"error": ...}` and no `[DONE]`, as a stream that breaks mid-way does; its status and code are
recorded as the error's."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import attrs
from aiohttp import web

from larouter import appkeys
from larouter.errors import LarouterError
from larouter.proxy.call import Call, header_safe
from larouter.proxy.sse import SSE_HEADERS, Relay


@attrs.define
class EarlyStream:
    """One `auto` stream call's response, opened before a model was chosen if a local candidate loads long enough."""

    request: web.Request
    call: Call
    client: web.StreamResponse | None = None  # the response, once its headers went out
    sent: dict[str, str] = attrs.Factory(dict)  # the headers it went out with

    def keepalive(self, model_id: str) -> Callable[[], Awaitable[None]]:
        """What `local.start_local` calls every few seconds while `model_id` loads: the first call sends the
        headers. ConnectionError when the client has left."""

        async def send() -> None:
            if self.client is None:
                await self._open(model_id)
            assert self.client is not None
            await self.client.write(f": starting {model_id}\n\n".encode())

        return send

    async def _open(self, model_id: str) -> None:
        call = self.call
        self.sent = {"x-request-id": call.id, "x-larouter-tier": call.tier or "",
                     "x-larouter-reason": header_safe(f"{call.reason} | starting local model {model_id}")}
        client = web.StreamResponse(status=200, headers={**SSE_HEADERS, **self.sent})
        await client.prepare(self.request)
        self.client = client

    def hand_over(self, relay: Relay, headers: dict[str, str]) -> None:
        """The answer's relay writes to the opened response; its first write begins with the answer's headers that
        did not go out, or went out with another value, as comments."""
        assert self.client is not None
        relay.client = self.client
        lines = [f": {name}: {value}" for name, value in headers.items() if self.sent.get(name) != value]
        if lines:
            relay.pending.insert(0, "\n".join(lines).replace("\r", " ").encode("ascii", "replace") + b"\n\n")

    async def fail(self, exc: BaseException) -> web.StreamResponse:
        """End the opened response of a call that failed before any answer: one error event (the shutdown's when it
        cut the call; a cancellation that is not the shutdown's is the client leaving, and is raised again), or
        nothing more when the client has left."""
        call = self.call
        assert self.client is not None
        if isinstance(exc, asyncio.CancelledError):
            drain = self.request.app[appkeys.DRAIN]
            if not drain.cut_short():
                raise exc
            exc = drain.error()
        if not isinstance(exc, LarouterError):  # ConnectionError: the client left while the model loaded
            call.finish(499, "client_disconnected")
            return self.client
        call.delivered = call.delivered or exc.delivered
        call.finish(exc.status, exc.code or exc.type)
        await Relay.for_call(self.request, call, self.client).fail(exc.message, exc.code or exc.type, exc.type)
        return self.client
