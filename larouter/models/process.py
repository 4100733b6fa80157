"""One llama-server child as an explicit state machine: stopped → starting → ready → stopping; crashed."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import logging
import os
import secrets
import signal
import socket
import time
from pathlib import Path
import aiohttp
import attrs

from larouter.errors import LarouterError
from larouter.models import sockets
from larouter.models.childenv import child_env
from larouter.models.pidfiles import write_pidfile

log = logging.getLogger("larouter.models")
LOG_LINES = 400
POLL = 0.01
HELD_TIMEOUT = 2.0  # seconds to connect to a port a start's child exited on (a program holding it answers at once)
STARTING = "[larouter] starting: "  # the line kept before each spawn's output: its command line (`outcomes.said`)
SPAWN_ATTEMPTS = 3  # ports tried when another program takes the one given before llama-server binds it
# what llama.cpp (ggml's allocators, the C++ runtime, mmap) writes when the model, its context or its compute buffers
# do not fit in memory; a start that fails so says it ran out of memory, in plain words (its output names files)
OUT_OF_MEMORY = ("insufficient memory", "failed to allocate", "out of memory", "bad_alloc", "cannot allocate memory",
                 "unable to allocate")


class State(str, enum.Enum):
    """Lifecycle of a model server."""

    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"
    CRASHED = "crashed"


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _PortTaken(Exception):
    """The child exited while another program answered on the port it was given."""


async def _held(port: int) -> bool:
    """Whether a program accepts connections on the port (asked once the child has exited: a squatter that bound
    just before it, or answered slower than a poll could wait for, is seen so; llama-server's own socket is closed)."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), HELD_TIMEOUT)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    return True


@attrs.define(eq=False)
class ModelProcess:
    """A supervised llama-server for one model; every transition happens under `lock`."""

    model_id: str
    command: tuple[str, ...]  # llama-server's command line without --port, as the start that spawned it asked
    session: aiohttp.ClientSession
    pidfile: Path
    start_timeout: float
    stop_grace: float
    state: State = State.STOPPED
    port: int | None = None
    proc: asyncio.subprocess.Process | None = None
    reason: str | None = None
    restarts: int = 0
    # llama-server's own API key, new at every spawn, handed over in its environment (never on the command line,
    # which any local user can read): without it any web page the user opens could call the model directly (its
    # CORS allows every origin), past projects, budgets and the ledger. Only /health and /models stay open.
    api_key: str = attrs.field(default="", repr=False)
    started_at: float | None = None
    ready_at: float | None = None
    last_used: float = attrs.Factory(time.monotonic)
    in_use: int = 0  # proxied calls sent to it and not finished yet: idle unload leaves it running meanwhile
    start_ms: float | None = None
    lines: collections.deque[str] = attrs.Factory(lambda: collections.deque(maxlen=LOG_LINES))
    logged: int = 0  # lines kept since the daemon started (`log_line`): a follower prints those past its last count
    lock: asyncio.Lock = attrs.Factory(asyncio.Lock)
    watch: asyncio.Task[Crash | None] | None = None  # the supervisor's watch of the ready process (`Supervisor.crash`)
    restart: asyncio.Task[None] | None = None  # the supervisor's restart of the crashed process, while it backs off
    hung: str | None = None  # why the supervisor killed the ready process (no /health answer), for its crash's reason
    stopped_url: str | None = None  # where the last process stopped on purpose listened (for the calls it broke)
    stopped_for: str = "stop"  # why it was: "stop" (`larouter models stop`, idle unload) or "restart" (new options)
    # stops and restarts with new options waiting for `lock` or holding it: the server a call would be sent now is
    # about to go (a request that autostarted the model waits for them: `proxy.local.start_local`)
    changes: collections.Counter[str] = attrs.Factory(collections.Counter)
    crash: Crash | None = None  # how the last ready process that died on its own died
    _reader: asyncio.Task[None] | None = None
    _strays: sockets.Strays | None = None  # descendants outside the group, found at a stop

    @property
    def base_url(self) -> str:
        """OpenAI base URL of the running server."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def auth(self) -> dict[str, str]:
        """The header llama-server wants on every call but /health and /models."""
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def alive(self) -> bool:
        """Ready and its process still running."""
        return self.state is State.READY and self.proc is not None and self.proc.returncode is None

    async def spawn(self) -> None:
        """Spawn `command` on a free port and wait until it answers as itself (the caller holds `lock`); CRASHED on
        failure. A port another program took before llama-server could bind it is tried again on another port."""
        for attempt in range(1, SPAWN_ATTEMPTS + 1):
            try:
                return await self._spawn_once()
            except _PortTaken:
                if attempt == SPAWN_ATTEMPTS:
                    self.reason = f"another program held each of the {SPAWN_ATTEMPTS} ports it was given"
                    raise start_failed(self.model_id, self.reason, self.tail()) from None
                self.log_line(f"[larouter] port {self.port} was taken by another program; trying another")

    async def _spawn_once(self) -> None:
        t0 = time.perf_counter()
        self.state, self.reason, self.port, self.hung = State.STARTING, None, free_port(), None
        first_line = self.logged  # (this spawn's output follows)
        argv = [*self.command, "--port", str(self.port)]
        self.log_line(f"{STARTING}{' '.join(argv)}")
        self.api_key = secrets.token_urlsafe(32)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True, env=child_env(os.environ, self.api_key),  # no provider key
            )
        except OSError as exc:  # not there any more, not executable, a bad interpreter, another architecture
            self.state, self.proc = State.CRASHED, None
            self.reason = f"{argv[0]} could not be run ({exc.strerror or exc}; check local.llama_server)"
            self.log_line(f"[larouter] {self.reason}")
            raise start_failed(self.model_id, self.reason, self.tail()) from None
        self._reader = asyncio.create_task(self._read_output(self.proc), name=f"log:{self.model_id}")
        self.started_at = time.monotonic()
        try:  # from here on a failure or a cancelled start ends the process it spawned
            await asyncio.to_thread(write_pidfile, self.pidfile, self.proc.pid, argv[0])
            await self._wait_healthy(first_line)
        except BaseException:
            await self.terminate()
            self.state = State.CRASHED
            raise
        self.state, self.ready_at = State.READY, time.monotonic()
        self.last_used = self.ready_at
        self.start_ms = (time.perf_counter() - t0) * 1000
        log.info("model %s ready on port %s in %.0f ms", self.model_id, self.port, self.start_ms)

    async def _wait_healthy(self, first_line: int) -> None:
        """Until /health answers 200 from this spawn's own llama-server: the one that takes its key and refuses
        another (a program that holds the port answers 200 to both, or 401 to both); _PortTaken when the child exits
        while such a program answers on its port. `first_line`: the count of lines kept before this spawn's."""
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        base = f"http://127.0.0.1:{self.port}"
        timeout = aiohttp.ClientTimeout(total=2)
        squatted, told = False, set[int]()  # (`told`: the ports whose check was logged, once each)
        while True:
            if self.proc.returncode is not None:
                if squatted or await _held(self.port):  # (held now: it may have bound before a poll saw it answer)
                    raise _PortTaken()
                if self._reader is not None:  # (its last lines: the ones that say why; a pipe a grandchild holds
                    await asyncio.wait({self._reader}, timeout=1.0)  # open is not waited for, nor is the read ended)
                self.reason = f"llama-server {exit_words(self.proc.returncode)} while starting"
                if ran_out_of_memory(list(self.lines)[first_line - self.logged:] if self.logged > first_line else []):
                    self.reason += (": it ran out of memory. Free some memory, or start it with a smaller context "
                                    f"(`larouter models start {self.model_id} --ctx-size N`) or a smaller quantization")
                raise start_failed(self.model_id, self.reason, self.tail())
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with self.session.get(base + "/health", timeout=timeout) as resp:
                    if resp.status == 200:
                        if await self._answers_as_itself(base, timeout, told):
                            return
                        squatted = True
            if time.monotonic() > deadline:
                self.reason = f"not ready within {self.start_timeout:g} s" + (
                    f" (another program answers on its port {self.port})" if squatted else "")
                raise start_failed(self.model_id, self.reason, self.tail())
            await asyncio.sleep(POLL)

    async def _answers_as_itself(self, base: str, timeout: aiohttp.ClientTimeout, told: set[int]) -> bool:
        """Whether the server on the port is this spawn's: the socket listening there is its process group's (where
        the process table tells: `sockets.group_listens`), and `/props` answers 401 to a key made up now and 200 to
        its own (asked in that order: a program that answers anything never sees the key)."""
        assert self.proc is not None
        if await asyncio.to_thread(sockets.group_listens, self.proc.pid, self.port) is False:
            return False
        if self.port not in told:  # (once a port: a program of its family holding it is asked at every poll)
            told.add(self.port)
            self.log_line(f"[larouter] checking that the server on port {self.port} is this start's: a made-up key "
                          "must be refused (llama-server logs that refusal as 'Invalid API Key')")
        wrong = {"Authorization": f"Bearer not-the-key-{secrets.token_hex(8)}"}
        async with self.session.get(base + "/props", headers=wrong, timeout=timeout) as resp:
            if resp.status != 401:
                return False
        async with self.session.get(base + "/props", headers=self.auth, timeout=timeout) as resp:
            return resp.status == 200

    async def _read_output(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            self.log_line(line.decode("utf-8", "replace").rstrip())

    def log_line(self, line: str) -> None:
        """Keep a line of output (the last LOG_LINES), counting every line kept since the daemon started."""
        self.lines.append(line)
        self.logged += 1

    def tail(self, n: int = 15) -> str:
        """Last lines of output, for error messages."""
        return "\n".join(list(self.lines)[-n:])

    async def stop(self) -> bool:
        """SIGTERM the group, wait the grace period, SIGKILL, reap. False when it was not running."""
        async with self.lock:
            return await self.halt()

    async def kill(self) -> None:
        """SIGKILL the process group and its descendants outside it (a hung server: no grace); its reaper and the
        supervisor's watch see it end."""
        if self.proc is not None and self.proc.returncode is None:
            await _signal_all(self.proc.pid, signal.SIGKILL)

    async def halt(self, why: str = "stop") -> bool:
        """`stop` for a caller that holds `lock`: STOPPING until the process is reaped, then STOPPED. `why`: "stop",
        or "restart" (with new options), as the calls it breaks are told (`Supervisor.crash`)."""
        if self.proc is None or self.state in (State.STOPPED, State.CRASHED):
            return False
        self.state, self.stopped_url, self.stopped_for = State.STOPPING, self.base_url, why
        try:
            await self.terminate()
        finally:
            self.state = State.STOPPED
        return True

    async def terminate(self) -> None:
        """SIGTERM the group, wait the grace period, SIGKILL, reap (the caller holds `lock` and sets the state).
        A caller cancelled during the grace (a client that hung up on its stop) kills at once and reaps before the
        cancellation goes on: the lock is never let go with the process alive, or a start waiting for it would run a
        second llama-server beside this one, which nothing would ever end."""
        proc = self.proc
        if proc is None:
            return
        if proc.returncode is None:
            try:
                self._strays = await _signal_all(proc.pid, signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), self.stop_grace)
            except asyncio.TimeoutError:
                log.warning("model %s ignored SIGTERM for %g s; killing", self.model_id, self.stop_grace)
            except asyncio.CancelledError:
                log.warning("model %s: its stop was cancelled during the grace period; killing now", self.model_id)
                await self._reap(proc)
                raise
        await self._reap(proc)

    async def _reap(self, proc: asyncio.subprocess.Process) -> None:
        """SIGKILL what is left of the group, wait for the process, drain its output, drop its pidfile."""
        found, self._strays = self._strays, None
        await _signal_all(proc.pid, signal.SIGKILL, found)  # anything left in the group, and outside it
        await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._reader, 1.0)
        self.pidfile.unlink(missing_ok=True)
        self.log_line(f"[larouter] process {exit_words(proc.returncode)}")

    async def wait_exit(self) -> int:
        """Wait until the current process exits; return its code."""
        assert self.proc is not None
        return await self.proc.wait()


@attrs.frozen
class Crash:
    """A ready llama-server that died on its own (or was stopped under a call): where it listened, and what a call
    it broke is told."""

    base_url: str
    message: str  # the call's error message
    note: str  # the same in a few words, for `auto`'s reason
    code: str = "model_crashed"  # the call's error code (`model_stopped`, `model_restarted`: on purpose)


def exit_words(code: int) -> str:
    """How a process ended, as an operator says it: `was killed by SIGKILL`, `exited with code 1`."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _signal_all(pid: int, sig: int, found: sockets.Strays | None = None) -> sockets.Strays:
    """Signal process group `pid` and its descendants outside it (a wrapper's `setsid` child: the group's signal
    misses it); those are found first unless given (once a wrapper exits, its child is no descendant). Returns them."""
    if found is None:
        found = await asyncio.to_thread(sockets.strays, pid)
    _signal_group(pid, sig)
    if found:
        await asyncio.to_thread(sockets.signal_strays, found, sig)
    return found


def ran_out_of_memory(lines: list[str]) -> bool:
    """Whether llama-server's output says it could not get the memory it needed (LARouter's own lines, such as the
    command line, are not its output)."""
    return any(words in line.lower() for line in lines if not line.startswith("[larouter]") for words in OUT_OF_MEMORY)


@attrs.define(eq=False)
class StartFailed(LarouterError):
    """A start that failed: its message, and apart, LARouter's `reason` and llama-server's last output lines (`tail`),
    for what shows them without those lines (a chat's answer, the daemon's log line: `outcomes.why`)."""

    reason: str = ""
    tail: str = ""


def start_failed(model_id: str, reason: str, tail: str) -> StartFailed:
    """502 explaining why llama-server did not come up, with its last output lines (a `server_error`, as every 5xx of
    LARouter's own; the code says what failed)."""
    return StartFailed(f"model {model_id!r} failed to start: {reason}. Last output:\n{tail}", 502, "server_error",
                       "model_start_failed", reason=reason, tail=tail)
