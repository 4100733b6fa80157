"""Run the real llama-server on a loopback port it binds itself for the duration of a test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp

from larouter.models.binary import find_llama_server

# The tiny model tokenizes mostly byte by byte, so a chat with a tools array is ~560 tokens:
# keep the context well above that (the KV cache stays around 1 MB).
DEFAULT_CTX = 2048
START_DEADLINE_S = 30.0
STOP_GRACE_S = 5.0
POLL_INTERVAL_S = 0.02
# What llama-server logs once it listens (started with `--port 0`, the only place it says which port it bound).
LISTENING_RE = re.compile(rb"listening on http://127\.0\.0\.1:(\d+)")


def llama_args(
    model_path: Path, port: int, alias: str, ctx: int = DEFAULT_CTX, extra_args: Sequence[str] = ()
) -> list[str]:
    """Return the llama-server command line used by the tests (binary first)."""
    return [
        str(find_llama_server()),
        "-m", str(model_path),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--alias", alias,
        "--jinja",
        "-c", str(ctx),
        "-t", "1",
        "-np", "1",
        "--no-webui",
        *extra_args,
    ]


def _log_tail(log_path: Path, lines: int = 40) -> str:
    """Return the last `lines` lines of the server log, or a note that it is missing."""
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def _exit_status(proc: subprocess.Popen[bytes]) -> int | None:
    """Return the exit code (or -signal) once the process has exited, without reaping it."""
    if proc.returncode is not None:
        return proc.returncode
    info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, wait the grace period, SIGKILL what is left, then reap."""
    # Until the leader is reaped its pid cannot be reused, so signalling its group id is safe.
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while _exit_status(proc) is None and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL_S)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


async def bound_port(proc: subprocess.Popen[bytes], log_path: Path, deadline: float) -> int:
    """The port llama-server started with `--port 0` bound, from its log; raise with the log tail if the process dies
    or the monotonic `deadline` passes first."""
    while True:
        with contextlib.suppress(OSError):
            found = LISTENING_RE.search(log_path.read_bytes())
            if found:
                return int(found.group(1))
        code = _exit_status(proc)
        if code is not None:
            raise RuntimeError(f"llama-server exited with code {code} during start; log tail:\n{_log_tail(log_path)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"llama-server logged no listening address; log tail:\n{_log_tail(log_path)}")
        await asyncio.sleep(POLL_INTERVAL_S)


async def wait_healthy(base: str, proc: subprocess.Popen[bytes], log_path: Path, deadline_s: float) -> None:
    """Poll `GET {base}/health` until 200; raise with the log tail if the process dies or time runs out."""
    deadline = time.monotonic() + deadline_s
    last = "no response yet"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while True:
            code = _exit_status(proc)
            if code is not None:
                tail = _log_tail(log_path)
                raise RuntimeError(f"llama-server exited with code {code} during start; log tail:\n{tail}")
            try:
                async with session.get(f"{base}/health") as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}: {(await resp.text())[:200]}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                tail = _log_tail(log_path)
                msg = f"llama-server not healthy after {deadline_s:.0f}s ({last}); log tail:\n{tail}"
                raise TimeoutError(msg)
            await asyncio.sleep(POLL_INTERVAL_S)


@contextlib.asynccontextmanager
async def run_llama_server(
    model_path: Path,
    *,
    alias: str = "tiny",
    ctx: int = DEFAULT_CTX,
    extra_args: Sequence[str] = (),
    deadline_s: float = START_DEADLINE_S,
) -> AsyncIterator[str]:
    """Start llama-server on `model_path`, yield its `http://127.0.0.1:P/v1` base URL, stop it on exit."""
    # Quirk: after a streamed response llama-server closes the connection while still advertising
    # keep-alive, so a client that reuses pooled connections gets a disconnect on its next POST.
    model_path = Path(model_path)
    # `--port 0`, the port read back from the log: a port picked here and bound later by the server could be taken
    # by another program in between ("llama-server exited" on a busy machine).
    fd, name = tempfile.mkstemp(prefix="llama-server-", suffix=".log", dir=model_path.parent)
    log_path = Path(name)
    with open(fd, "wb") as log:
        proc = subprocess.Popen(
            llama_args(model_path, 0, alias, ctx, extra_args),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        port = await bound_port(proc, log_path, started + deadline_s)
        await wait_healthy(f"http://127.0.0.1:{port}", proc, log_path, deadline_s - (time.monotonic() - started))
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await asyncio.to_thread(_stop, proc)
