"""Calls in flight, kept on disk so that a hard kill (`kill -9`, an out-of-memory kill) does not forget them.

A call is recorded when it ends. One still running when the daemon is killed was sent to its provider, which bills
it, but no row would ever say so, and the budgets would forget it. So the ledger's writer thread, at each flush,
writes the calls in flight that have a target (`inflight.json`, next to the ledger; replaced whole, only when the
set changed; no fsync: it must survive the process, not the machine). The next start records each one the ledger
does not hold (by its request id) as an interrupted call (502 `interrupted`), its prompt estimated and priced, so
the bill and the budgets count what the provider may have billed.
"""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path
from typing import Any, Callable

import attrs

from larouter.config import Settings
from larouter.fsutil import atomic_write
from larouter.proxy.call import Call
from larouter.proxy.registry import Target
from larouter.usage.records import request_id_of

log = logging.getLogger("larouter.usage")

FILENAME = "inflight.json"
MAX_FILE = 16 << 20
INTERRUPTED = "interrupted"  # the error type of a call the daemon was killed under


@attrs.define(eq=False)
class InFlight:
    """The calls in flight (event loop: `begin`, `end`) and their file (writer thread: `save`)."""

    path: Path
    calls: dict[int, Call] = attrs.Factory(dict)
    version: int = 0  # bumped by every begin and end
    saved: int = 0  # the version the file holds

    def begin(self, call: Call) -> None:
        self.calls[id(call)] = call
        self.version += 1

    def end(self, call: Call) -> None:
        if self.calls.pop(id(call), None) is not None:
            self.version += 1

    def save(self) -> None:
        """Write the calls in flight that have a target, when the set changed since the last save (blocking;
        the writer thread's). A failure is left to the next flush: the journal's own errors say the disk is full."""
        version = self.version
        if version == self.saved:
            return
        entries = [_entry(call) for call in list(self.calls.values()) if call.target is not None]
        try:
            if entries:
                atomic_write(self.path, json.dumps(entries).encode(), durable=False)
            else:
                self.path.unlink(missing_ok=True)
        except OSError:
            return
        self.saved = version

    def left_by_the_last_run(self, settings: Settings,
                             holds: Callable[[list[tuple[str, int]]], set[tuple[str, int]]]) -> list[Call]:
        """The calls the last run's file lists and the ledger does not hold (`holds`: which of these (request id,
        start) it does: a client may reuse its ids), as finished interrupted calls to record; the file is removed by
        the next `save` (blocking; a file that is no list of calls is skipped with a warning, never stops a start)."""
        entries = self._read()
        calls = [call for entry in entries if isinstance(entry, dict) and (call := _call(entry, settings)) is not None]
        if len(calls) < len(entries):  # (a newer version's entry, or damage: said, not dropped in silence, review Y)
            log.warning("usage ledger: %d of the %d calls in flight at the last stop listed in %s cannot be read "
                        "(not a call this version knows): they are not recorded", len(entries) - len(calls),
                        len(entries), self.path)
        held = holds([(call.id, call.created_us) for call in calls]) if calls else set()
        if entries:
            self.version += 1  # (the next save replaces or removes the file)
        return [call for call in calls if (call.id, call.created_us) not in held]

    def _read(self) -> list[Any]:
        try:
            if not self.path.exists():
                return []
            if not stat.S_ISREG(self.path.stat().st_mode) or self.path.stat().st_size > MAX_FILE:
                raise ValueError("not a regular file of at most 16 MB")
            entries = json.loads(self.path.read_bytes())
            if not isinstance(entries, list):
                raise ValueError("not a list of calls")
            return entries
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("usage ledger: %s cannot be read (%s): calls in flight at the last stop are not recorded",
                        self.path, exc)
            return []


def _entry(call: Call) -> dict[str, Any]:
    assert call.target is not None
    return {"id": request_id_of(call), "created_us": call.created_us, "project": call.project, "requested": call.requested_model,
            "provider": call.target.provider_name, "model": call.target.model, "tier": call.tier,
            "reason": call.reason, "stream": call.stream, "bytes": call.request_bytes, "media": list(call.media)}


def _call(entry: dict[str, Any], settings: Settings) -> Call | None:
    """The interrupted call an entry describes, or None for one that is not well formed."""
    if not isinstance(entry.get("id"), str):
        return None
    try:
        call = Call(requested_model=str(entry["requested"]), stream=bool(entry["stream"]),
                    request_bytes=int(entry["bytes"]), media=(int(entry["media"][0]), int(entry["media"][1])),
                    project=str(entry["project"]), id=entry["id"], created_us=int(entry["created_us"]))
        name, model = str(entry["provider"]), str(entry["model"])
        provider = settings.providers.get(name)
        if provider is None:  # renamed or removed since: a provider that serves the model prices it, if any does
            name, provider = next(((n, p) for n, p in settings.providers.items() if model in p.models), (name, None))
        call.target = Target(name, provider, model) if provider else None
        call.tried = str(entry["model"])
        call.tier, call.reason = entry.get("tier"), entry.get("reason")
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    call.delivered = True  # (its provider had it: the prompt is estimated, and billed)
    call.finish(502, INTERRUPTED)
    return call
