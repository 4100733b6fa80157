"""A local model's start that failed, as the daemon's log tells it: which start it was (the operator's, a request's,
a restart after a crash) and why, on one line, with the line of llama-server's output that says what went wrong."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from larouter.errors import LarouterError
from larouter.models.process import STARTING, StartFailed
from larouter.textsafe import escaped

log = logging.getLogger("larouter.models")
SAID_MAX = 200  # characters of llama-server's line kept (its output is in `larouter models logs ID`)
# llama.cpp's prefix of a log line (`0.00.004.074 E `: its time and level) in recent builds; older ones write none
_STAMP = re.compile(r"^\d+(?:\.\d+)+\s+([A-Z])\s+")
_ERROR_WORDS = re.compile(r"\b(?:error|failed|fail|cannot|can't|unable|invalid|abort(?:ed)?)\b", re.IGNORECASE)
START = {True: "start of model {} (larouter models start)", False: "autostart of model {} (for a request)"}


def said(output: str) -> str | None:
    """The line of llama-server's output that says what went wrong: its first error line (level `E`, or, with no
    level, one that says error, failed, cannot...), else its last line; without its time and level, on one line,
    at most SAID_MAX characters. None when this start's llama-server wrote nothing (the lines before LARouter's
    `[larouter] starting:` are an earlier process's; LARouter's own lines are not its output). File paths stay: the
    log is the operator's (a chat client never gets llama-server's output: SECURITY.md)."""
    output = output.rpartition(STARTING)[2].partition("\n")[2] if STARTING in output else output
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("[larouter]")]
    if not lines:
        return None
    for line in lines:
        stamp = _STAMP.match(line)
        if (stamp.group(1) == "E") if stamp else _ERROR_WORDS.search(line) is not None:
            break
    else:
        line = lines[-1]
    return escaped(_STAMP.sub("", line), SAID_MAX)


def why(exc: LarouterError, model_id: str) -> str:
    """A start's failure on one line: LARouter's reason (`llama-server exited with code 1 while starting`), then
    what llama-server said, and where the rest of its output is."""
    if not isinstance(exc, StartFailed):  # (another failure of the start: its message says it)
        return escaped(" ".join(exc.message.split()).rstrip(".:"))
    text = escaped(" ".join(exc.reason.split()).rstrip(".:"))
    line = said(exc.tail)
    if line is None:
        return text
    return f"{text}; llama-server said: {line} (its output: `larouter models logs {model_id}`)"


def log_start(model_id: str, explicit: bool, task: asyncio.Task[Any]) -> None:
    """Retrieve a start's outcome (its waiters may all have left): a failure is logged, as the operator's start
    (`explicit`) or a request's autostart, with its reason, not lost."""
    if task.cancelled() or (exc := task.exception()) is None:
        return
    reason = why(exc, model_id) if isinstance(exc, LarouterError) else escaped(str(exc), SAID_MAX)
    log.warning("%s failed: %s", START[explicit].format(model_id), reason)


def log_restart(model_id: str, attempt: int, attempts: int, exc: LarouterError) -> None:
    """A restart after a crash failed (it is tried again, backing off, up to `local.max_restarts`)."""
    log.warning("restart of model %s (attempt %d/%d) failed: %s", model_id, attempt, attempts, why(exc, model_id))


def log_asked(model_id: str, change: str, verb: str) -> None:
    """A start or stop the operator asked for through the API (`larouter models start` / `stop`), as it begins:
    idle unloads, crashes and restarts say why a model went or came back, and so does this (review BI)."""
    log.info("model %s: %s, asked through the API (POST /api/models/%s/%s: `larouter models %s`)", model_id, change,
             model_id, verb, verb)
