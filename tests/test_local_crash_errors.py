"""A local model whose llama-server dies under a call: the client is told so, in the operator's words."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Any, Callable

import aiohttp
import openai
import pytest

from tests.conftest import Router
from tests.support.servers import http_json, start_model as start, wait_until

pytestmark = pytest.mark.llama


def request_waiting(port: int) -> bool:
    """Whether some connection to the loopback `port` holds bytes its server has not read (/proc/net/tcp)."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if int(local.split(":")[1], 16) == port and state == "01" and int(queues.split(":")[1], 16) > 0:
                return True
    return False


async def crash_under_call(router: Router) -> BaseException:
    """Freeze llama-server, send a chat call for `tiny`, SIGKILL it once the call is waiting in its socket; return
    what the client got."""
    started = await start(router)
    pid, port = started["pid"], started["port"]
    os.kill(pid, signal.SIGSTOP)
    try:
        async with openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=60) as client:
            task = asyncio.ensure_future(client.chat.completions.create(
                model="tiny", max_tokens=4, messages=[{"role": "user", "content": "hi"}]))
            await asyncio.to_thread(wait_until, lambda: request_waiting(port), 10, "the call to reach llama-server")
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(Exception) as info:
                await task
            return info.value
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def assert_crash_error(body: Any, restarting: bool = True) -> None:
    """The error names the model, its llama-server, the signal and what LARouter does now; no aiohttp words."""
    text = str(body)
    assert "local model 'tiny' crashed: its llama-server was killed by SIGKILL" in text, text
    assert ("LARouter is restarting it" in text) == restarting and "`larouter models logs tiny`" in text, text
    assert "Connection reset" not in text and "Cannot connect" not in text and "127.0.0.1" not in text, text


async def test_a_named_model_that_crashes_under_a_call_says_so(local_router: Callable[..., Router]) -> None:
    """A call whose local model's llama-server is killed under it gets a 503 `model_crashed` saying that llama-server
    for the model was killed by SIGKILL and is being restarted; not a 502 about a connection reset on 127.0.0.1."""
    router = local_router(restarts=3)
    exc = await crash_under_call(router)
    assert isinstance(exc, openai.APIStatusError), repr(exc)
    assert (exc.status_code, exc.code, exc.type) == (503, "model_crashed", "server_error"), exc.body
    assert_crash_error(exc.body)
    health = http_json("GET", router.url + "/api/models/tiny/health")[1]
    assert health["reason"] == "llama-server was killed by SIGKILL", health


async def test_a_crash_with_no_restarts_left_says_how_to_start_it(local_router: Callable[..., Router]) -> None:
    """With no restart left the error says the model is left crashed and how to start it again."""
    exc = await crash_under_call(local_router(restarts=0))
    assert isinstance(exc, openai.APIStatusError) and exc.code == "model_crashed", repr(exc)
    assert_crash_error(exc.body, restarting=False)
    assert "left crashed after 0 restarts in a row" in str(exc.body) and "`larouter models start tiny`" in str(exc.body)


async def test_a_crash_mid_stream_says_so(local_router: Callable[..., Router]) -> None:
    """A stream whose llama-server is killed after its first event ends with an error event saying so."""
    router = local_router(restarts=3)
    started = await start(router)
    async with openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=60) as client:
        stream = await client.chat.completions.create(model="tiny", max_tokens=2000, stream=True,
                                                      messages=[{"role": "user", "content": "count to a thousand"}])
        pid = started["pid"]
        with pytest.raises(openai.APIError) as info:
            async for chunk in stream:
                if pid is not None and chunk.choices:  # the answer has begun: kill its server
                    os.kill(pid, signal.SIGKILL)
                    pid = None
    assert_crash_error(info.value.body)
    assert info.value.code == "model_crashed", info.value.body


async def test_auto_fails_over_and_its_reason_names_the_crash(local_router: Callable[..., Router]) -> None:
    """Under `auto` a crashed local candidate is passed by as before; the reason says its llama-server was killed."""
    router = local_router(restarts=3, extra='\n[routing.policies.cost-optimized]\nMEDIUM = ["tiny", "gpt-fake"]\n')
    started = await start(router)
    pid, port = started["pid"], started["port"]
    os.kill(pid, signal.SIGSTOP)
    try:
        async with aiohttp.ClientSession() as s:
            task = asyncio.ensure_future(s.post(router.v1 + "/chat/completions", json={
                "model": "auto", "messages": [{"role": "user", "content": "Summarise the plot of Hamlet."}]}))
            await asyncio.to_thread(wait_until, lambda: request_waiting(port), 10, "the call to reach llama-server")
            os.kill(pid, signal.SIGKILL)
            async with await task as r:
                assert r.status == 200, await r.text()
                assert r.headers["x-larouter-model"] == "gpt-fake", r.headers
                reason = r.headers["x-larouter-reason"]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    assert "tiny failed (model_crashed: llama-server was killed by SIGKILL; restarting) -> next" in reason, reason


async def test_a_model_stopped_mid_stream_says_so(local_router: Callable[..., Router]) -> None:
    """A stream whose model is stopped (`larouter models stop`) after its first event ends with an error event that
    says the model was stopped, `model_stopped` (it said provider 'local:tiny' dropped the connection: review P)."""
    from tests.support.servers import router_call

    router = local_router(restarts=3)
    await start(router)
    stop = None
    async with openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=60) as client:
        stream = await client.chat.completions.create(model="tiny", max_tokens=4000, stream=True,
                                                      messages=[{"role": "user", "content": "count to a thousand"}])
        with pytest.raises(openai.APIError) as info:
            async for chunk in stream:
                if stop is None and chunk.choices:  # the answer has begun: stop its model
                    stop = asyncio.ensure_future(router_call(router, "POST", "/api/models/tiny/stop"))
    assert stop is not None and (await stop)[0] == 200
    assert info.value.code == "model_stopped", info.value.body
    assert "local model 'tiny' was stopped while it answered" in str(info.value.body), info.value.body
    assert "local:tiny" not in str(info.value.body)
