"""larouterd's logging: one line per record on stderr (journald priorities under systemd), INFO lines batched."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import time
from typing import Callable

from aiohttp.http import HttpProcessingError

from larouter.textsafe import UNSAFE_RE, escaped


class BufferedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr through a large buffer: INFO lines are written in batches (`flush_logs_every`: a batch is written
    0.25 s after its first line), WARNING and above at once. One write per batch instead of one syscall per request,
    and no timer while no line waits (review BF: it flushed an empty buffer 4 times a second for ever)."""

    def __init__(self) -> None:
        super().__init__(io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False), 1 << 16),
                                          encoding="utf-8", errors="replace", line_buffering=False))
        self.on_buffered: Callable[[], None] | None = None  # called (any thread) when a line waits in an empty buffer
        self._buffered = False  # lines wait to be written (under self.lock)

    def flush(self) -> None:
        """Flush only when asked explicitly (`flush_logs_every`, shutdown) or for warnings (see emit)."""

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if record.levelno >= logging.WARNING:
            self.flush_now()
            return
        with self.lock:  # type: ignore[union-attr]
            first, self._buffered = not self._buffered, True
            if first and self.on_buffered is not None:
                self.on_buffered()

    def flush_now(self) -> None:
        """Write out what is buffered; a stderr that cannot take it (a full disk under the log file, a pipe whose
        reader is gone) loses those lines, never the caller: a log line must not break the code that logs it (the
        ledger's writer thread died so, on its own "cannot write" line, and streams hung)."""
        with self.lock:  # type: ignore[union-attr]
            self._buffered = False
            try:
                self.stream.flush()
            except (OSError, ValueError):
                pass


class OneLine(logging.Formatter):
    """A record's message on one line whatever it quotes: line breaks (a forged line of its own), NUL (which ends a
    journald entry: the next could start with a forged `<0>` priority), other control characters, Unicode's line
    separators and bidi overrides escaped as a routing reason's are (`textsafe.escaped`). A request path, a header,
    a provider's message may carry them (review Y: `%0A%00<0>...` in a path, logged by the loop guard before
    authentication, forged an emergency entry). Its traceback, added after it, is ours."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        if UNSAFE_RE.search(record.message):
            record.message = escaped(record.message)
        return super().formatMessage(record)


class Formatter(OneLine):
    """`time level name: message`, the time in UTC (`2026-12-07T14:12:20.821Z`: the ledger's, the export's and the
    budgets' clock; local time with no zone put a log line and its usage row on different days east of UTC, review
    AJ), formatted once per second instead of per line, the message on one line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second: tuple[int, str] = (-1, "")  # one attribute: replaced atomically (the writer thread logs too)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second, text = self._second
        if int(record.created) != second:
            second = int(record.created)
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, text)
        return f"{text}.{int(record.msecs):03d}Z"


# syslog priorities by logging level: journald reads a `<N>` line prefix as the entry's priority (`SyslogLevelPrefix=`
# is on by default), so `journalctl -u larouterd -p warning` finds the warnings and errors.
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


def under_journald() -> bool:
    """Whether stderr is a journald stream (`JOURNAL_STREAM`, "device:inode", names it: systemd sets it for the
    service; a shell started from the service's environment but writing elsewhere does not match)."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        st = os.fstat(2)
        return (st.st_dev, st.st_ino) == (int(device), int(inode))
    except (OSError, ValueError):
        return False


class JournalFormatter(OneLine):
    """`<priority>level name: message` without a timestamp (the journal keeps its own), and every line of a
    multi-line record (a traceback) with the record's priority: journald makes each line an entry of its own, and
    the traceback's lines were at the default priority, with no name (review W)."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
        if "\n" not in text:
            return prefix + text
        return "\n".join(prefix + (line if i == 0 else f"  {record.name}: {line}")
                         for i, line in enumerate(text.splitlines()))


class ParserRefusals(logging.Filter):
    """aiohttp logs a request its parser refused (a header over 64 KiB, garbage on the port) as an ERROR with a
    traceback quoting the first 100 bytes of the offending line, which may be `Authorization: Bearer <token>`:
    keep one WARNING line saying what was refused, without those bytes."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg = f"{record.msg}: refused a malformed request ({type(exc).__name__}, HTTP {exc.code})"
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def setup_logging(level: str) -> BufferedHandler:
    """Timestamped logs on stderr, batched so the event loop does not make a syscall per request."""
    logging._srcfile = None  # skip the per-record caller lookup (we never log file/line)
    logging.logProcesses = logging.logThreads = logging.logMultiprocessing = False
    handler = BufferedHandler()
    handler.setFormatter(JournalFormatter() if under_journald() else Formatter())
    root = logging.getLogger()
    root.setLevel(getattr(logging, level.upper()))
    root.handlers[:] = [handler]
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ParserRefusals) for f in server_log.filters):
        server_log.addFilter(ParserRefusals())
    return handler


async def flush_logs_every(seconds: float) -> None:
    """Write batched log lines `seconds` after the first line a buffer took since it was last written (a line
    logged by any thread wakes this task: `BufferedHandler.on_buffered`); with none waiting, no timer runs."""
    loop = asyncio.get_running_loop()
    wanted = asyncio.Event()

    def wake() -> None:  # (from any thread, under the handler's lock: never logs, never raises)
        try:
            loop.call_soon_threadsafe(wanted.set)
        except RuntimeError:  # the loop is closed: `main` writes what is left
            pass

    wanted.set()  # the lines logged before this task started
    try:
        while True:
            await wanted.wait()
            await asyncio.sleep(seconds)
            wanted.clear()  # (before the write: a line after it wakes the task again)
            for handler in logging.getLogger().handlers:
                if isinstance(handler, BufferedHandler):
                    handler.on_buffered = wake
                    handler.flush_now()
    finally:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, BufferedHandler) and handler.on_buffered is wake:
                handler.on_buffered = None
