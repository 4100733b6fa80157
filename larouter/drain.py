"""Shutdown drain: requests in flight get `server.shutdown_grace` seconds to finish; any still running then is cut
with an error that says so (HTTP 503 or an SSE error event, `server_shutdown` in the ledger), and the daemon exits
right after instead of waiting for aiohttp's own shutdown timeout a second time."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

import attrs
from aiohttp import web

from larouter.errors import SERVER_SHUTDOWN, LarouterError
from larouter.runtime import Runtime

log = logging.getLogger("larouter.daemon")

# Seconds a cut request has to send its error and record its call (it takes milliseconds: nothing it awaits then
# depends on the upstream). Also aiohttp's own shutdown_timeout: by the time aiohttp waits, every request has
# finished or been cut, so its wait is only a backstop.
CUT_WAIT = 0.5
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define(eq=False)
class Drain:
    """The request handlers in flight, and the shutdown that waits for them, then cuts the ones left."""

    runtime: Runtime
    tasks: set[asyncio.Task[Any]] = attrs.Factory(set)
    cut: set[asyncio.Task[Any]] = attrs.Factory(set)  # cancelled by `run`, not by their client leaving
    deadline: float | None = None
    grace: float = 0.0

    def begin(self) -> float:
        """Shutdown starts now (the first call counts): the grace period runs from here. Returns its length."""
        if self.deadline is None:
            self.grace = self.runtime.settings.server.shutdown_grace  # read now: a PATCH applies
            self.deadline = asyncio.get_running_loop().time() + self.grace
        return self.grace

    async def run(self) -> None:
        """Wait for the requests in flight until the deadline, then cancel those left, marked as cut, and give
        them CUT_WAIT seconds to tell their clients and record their calls."""
        self.begin()
        assert self.deadline is not None
        loop = asyncio.get_running_loop()
        while self.tasks and (left := self.deadline - loop.time()) > 0:
            await asyncio.wait(set(self.tasks), timeout=left)  # requests that start meanwhile are waited for too
        late = set(self.tasks)
        if not late:
            return
        log.warning("shutdown grace of %g s is over: cutting %d request(s) still in flight", self.grace, len(late))
        for task in late:
            self.cut.add(task)
            task.cancel()
        _, stuck = await asyncio.wait(late, timeout=CUT_WAIT)
        if stuck:
            log.warning("%d request(s) did not end within %g s of being cut", len(stuck), CUT_WAIT)

    def cut_short(self) -> bool:
        """True when the current task's cancellation came from `run` (the grace ran out), not from its client
        leaving. The cancellation is then consumed: the caller answers with `error()` instead of re-raising."""
        task = asyncio.current_task()
        if task is None or task not in self.cut:
            return False
        self.cut.discard(task)
        task.uncancel()
        return True

    def error(self) -> LarouterError:
        """What a request cut by the shutdown answers (JSON, or an SSE error event once streaming)."""
        return LarouterError(
            f"larouterd is shutting down: this request did not finish within the {self.grace:g} s shutdown grace "
            "period (server.shutdown_grace) and was cut; send it again once the daemon is back", 503, "server_error",
            SERVER_SHUTDOWN)

    def middleware(self) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
        """Track every request's handler task while it runs (placed first: the drain covers the whole answer)."""

        @web.middleware
        async def track(request: web.Request, handler: Handler) -> web.StreamResponse:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                return await handler(request)
            finally:
                self.tasks.discard(task)
                self.cut.discard(task)

        return track
