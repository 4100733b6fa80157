"""Starting llama-server when the start cannot go as planned: a program that cannot be run (a clear 502 and a
crashed model, not a 500 and a model "starting" for ever), and a port another program took before llama-server
bound it (another port, not that program's answers passed off as the model's: review D)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Callable

import openai
import pytest

from larouter.models.binary import find_llama_server
from tests.conftest import Router
from tests.support.servers import http_json, router_call as call, wait_until

# A web server that answers 200 "ok" to everything, on the port given, until killed.
SQUATTER = """
import sys
from aiohttp import web
async def any_(request):
    return web.json_response({"status": "ok", "choices": [{"message": {"role": "assistant", "content": "SQUATTER"}}]})
app = web.Application(); app.router.add_route("*", "/{tail:.*}", any_)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
# One that takes longer to answer than a start's poll waits (a loaded machine): seen only as holding the port.
SLOW_SQUATTER = SQUATTER.replace("async def any_(request):\n", "async def any_(request):\n    await asyncio.sleep(5)\n"
                                 ).replace("import sys", "import asyncio, sys")
# One that even knows the model's key (it refuses every other, as llama-server does): only the process table tells it
# from the model's own server.
KNOWING_SQUATTER = """
import os, sys
from aiohttp import web
async def any_(request):
    if request.path != "/health" and request.headers.get("Authorization") != "Bearer " + os.environ["LLAMA_API_KEY"]:
        return web.json_response({"error": {"message": "Invalid API Key"}}, status=401)
    return web.json_response({"status": "ok", "choices": [{"message": {"role": "assistant", "content": "SQUATTER"}}]})
app = web.Application(); app.router.add_route("*", "/{tail:.*}", any_)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
# A llama-server wrapper that, the first time only, lets the squatter (in a session of its own, and orphaned at once:
# another program, no descendant of the model's) take the port it was given, then runs the real llama-server there
# (which cannot bind it and exits).
WRAPPER = """#!/bin/sh
for a in "$@"; do [ "$prev" = "--port" ] && port="$a"; prev="$a"; done
if [ ! -e "{marker}" ]; then
  touch "{marker}"
  setsid sh -c '"{python}" "{squatter}" "$1" & echo $! > "{pidfile}"' sh "$port"  # (orphaned: no child of ours)
  i=0; while ! "{python}" -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; do
    i=$((i+1)); [ $i -gt 200 ] && break; sleep 0.02; done
fi
exec "{real}" "$@"
"""


@pytest.mark.llama
async def test_a_llama_server_that_cannot_be_run_is_a_clear_502(local_router: Callable[..., Router],
                                                                tmp_path: Path) -> None:
    """`local.llama_server` names a file the system cannot run (a bad interpreter, as a wrong architecture or a
    removed wrapper would be): the start is a 502 `model_start_failed` saying so, and the model is "crashed" with
    that reason; a chat to it is the same 502, and a stop says it is not running."""
    broken = tmp_path / "llama-server"
    broken.write_text("#!/nonexistent/interpreter\n")
    broken.chmod(0o755)
    router = local_router(extra=f'llama_server = "{broken}"\n')
    status, out = await call(router, "POST", "/api/models/tiny/start")
    assert (status, out["error"]["code"]) == (502, "model_start_failed"), out
    assert "could not be run" in out["error"]["message"] and "local.llama_server" in out["error"]["message"]
    health = http_json("GET", router.url + "/api/models/tiny/health")[1]
    assert health["state"] == "crashed" and "could not be run" in health["reason"], health
    with pytest.raises(openai.APIStatusError) as raised:
        openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 502
    assert (await call(router, "POST", "/api/models/tiny/stop"))[0] == 409


def squatted_router(local_router: Callable[..., Router], tmp_path: Path, program: str,
                    own_group: bool = False) -> tuple[Router, Path]:
    """A router whose llama-server is run by a wrapper that first starts `program` on the port it was given (in a
    session of its own, else in the model's own process group): (the router, the squatter's pid file)."""
    squatter, pidfile = tmp_path / "squatter.py", tmp_path / "squatter.pid"
    squatter.write_text(program)
    wrapper = tmp_path / "llama-server-wrapper"
    wrapper.write_text((WRAPPER.replace("setsid sh -c", "sh -c") if own_group else WRAPPER).format(
        marker=tmp_path / "squatted", python=sys.executable, squatter=squatter, pidfile=pidfile,
        real=find_llama_server()))
    wrapper.chmod(0o755)
    return local_router(extra=f'llama_server = "{wrapper}"\n'), pidfile


@pytest.mark.llama
@pytest.mark.parametrize("program", [SQUATTER, KNOWING_SQUATTER, SLOW_SQUATTER],
                         ids=["answers-anything", "knows-the-key", "answers-slowly"])
async def test_a_port_taken_before_llama_server_binds_it_is_left_for_another(
        local_router: Callable[..., Router], tmp_path: Path, program: str) -> None:
    """Another program takes the port larouterd gave llama-server, and answers 200 to everything (or, knowing the
    key, to it alone): the model is not "ready" on that program's word (its key and the user's prompts would go
    there); llama-server is started again on another port, and the chat is answered by the model. Also when that
    program answers slower than a poll waits (`answers-slowly`: a CI run on a loaded machine failed the start, the
    child having exited before any poll saw the squatter answer)."""
    router, pidfile = squatted_router(local_router, tmp_path, program)
    try:
        status, out = await call(router, "POST", "/api/models/tiny/start")
        assert status == 200 and out["state"] == "ready", out
        assert pidfile.exists()  # (the squatter did take the first port)
        logs = http_json("GET", router.url + "/api/models/tiny/logs")[1]["lines"]
        assert any("was taken by another program; trying another" in line for line in logs), logs[-10:]
        answer = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
        assert answer.choices[0].message.content != "SQUATTER"
    finally:
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


@pytest.mark.llama
async def test_a_llama_server_a_wrapper_starts_in_a_session_of_its_own_is_its_own(
        local_router: Callable[..., Router], tmp_path: Path) -> None:
    """A wrapper that runs llama-server under `setsid -w` (its own session, outside the model's process group): the
    server is the model's descendant, so it is ready (the socket check took it for a squatter, and each attempt
    left a llama-server running)."""
    wrapper = tmp_path / "llama-server-setsid"
    wrapper.write_text(f'#!/bin/sh\nexec setsid -w "{find_llama_server()}" "$@"\n')
    wrapper.chmod(0o755)
    router = local_router(extra=f'llama_server = "{wrapper}"\n')
    status, out = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and out["state"] == "ready", out
    answer = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.create(
        model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
    assert answer.choices
    assert (await call(router, "POST", "/api/models/tiny/stop"))[0] == 200

    def servers_left() -> list[int]:  # the llama-servers of this test's model, by their command line
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and str(tmp_path) in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    # The stop reaches the server outside the model's process group too (it stopped the wrapper alone, and left the
    # server running on its port, its key and model loaded: seen as one orphan per test run).
    await asyncio.to_thread(wait_until, lambda: not servers_left(), 10, "the stopped model's llama-server to exit")


@pytest.mark.llama
async def test_a_squatter_of_the_models_own_family_is_checked_and_logged_once(
        local_router: Callable[..., Router], tmp_path: Path) -> None:
    """A program of the model's own process group takes its port first (a wrapper's): the check of who answers is
    logged once for that port, not at every 10 ms poll (the 400-line log filled with it, and a failed start's "last
    output" was that line 15 times rather than llama-server's bind error: review AV); the start goes on elsewhere."""
    router, pidfile = squatted_router(local_router, tmp_path, SQUATTER, own_group=True)
    try:
        status, out = await call(router, "POST", "/api/models/tiny/start")
        assert status == 200 and out["state"] == "ready", out
        assert pidfile.exists()  # (the squatter did take the first port)
        logs = http_json("GET", router.url + "/api/models/tiny/logs?lines=5000")[1]["lines"]
        checks = [line.split(" is this start's")[0] for line in logs if "checking that the server on port" in line]
        assert len(checks) == len(set(checks)) >= 2, checks  # (the squatted port's, then the model's own)
    finally:
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
