"""Sticky routing: an `auto` conversation keeps the model that served it, so its prompt cache stays warm.

A conversation is named by its stable prefix (the project, the first system/developer message before the
first user message, and the first user message); the store remembers which local and which cloud candidate last answered it.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any, Callable

import attrs

CAP = 4 * 1024  # characters of each message hashed: a name, not a checksum; cost stays flat for huge prompts
MAX_ENTRIES = 10_000
_PREFIX_ROLES = frozenset({"system", "developer"})
_NONE = object()


def conversation_key(body: dict[str, Any], project: str) -> str | None:
    """32 hex digits naming this request's conversation, or None when it has no user message."""
    system: Any = _NONE
    for msg in body.get("messages") or ():
        role = msg.get("role")
        if role == "user":
            h = hashlib.sha256(b"larouter-conversation\0")
            h.update(_encode(project))
            h.update(b"-" if system is _NONE else _encode(system))
            h.update(_encode(msg.get("content")))
            return h.hexdigest()[:32]
        if system is _NONE and role in _PREFIX_ROLES:
            system = msg.get("content")
    return None


def _encode(value: Any) -> bytes:
    """A canonical, length-prefixed encoding of a message content (a string or parts), at most CAP bytes."""
    if isinstance(value, str):  # the common case: one slice, one encode
        data = value[:CAP].encode("utf-8", "surrogatepass")
        return b"s%d:" % len(value) + data[:CAP]
    out: list[bytes] = []
    budget = CAP
    stack = [value]
    while stack and budget > 0:
        item = stack.pop()
        budget -= 1  # every node costs something, so a list of a million empties stops early too
        if isinstance(item, str):
            piece = item[:budget]
            budget -= len(piece)
            out.append(b"s%d:" % len(item) + piece.encode("utf-8", "surrogatepass"))
        elif isinstance(item, dict):
            out.append(b"d%d:" % len(item))
            for k in sorted(item, key=str, reverse=True):
                stack.append(item[k])
                stack.append(str(k))
        elif isinstance(item, list):
            out.append(b"l%d:" % len(item))
            stack.extend(reversed(item))
        else:  # None, booleans, numbers
            out.append(b"v" + repr(item).encode() + b";")
    return b"".join(out)[:CAP]


Slot = tuple[str, float]  # a model's name and when its preference ends (monotonic clock)


@attrs.define
class StickyRoutes:
    """Conversation key -> the local and the cloud model that last served it, each with its expiry: a bounded LRU,
    one per app. Each kind is kept apart: a heartbeat served locally in a conversation stuck to a cloud model leaves
    the cloud model preferred for its next piece of work (its prompt cache is the one to keep warm; review AW)."""

    max_entries: int = MAX_ENTRIES
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[str, tuple[Slot | None, Slot | None]] = attrs.Factory(OrderedDict)  # (local, cloud)

    def get(self, key: str) -> tuple[str, ...]:
        """The models (at most one local and one cloud) that last served this conversation, unless that was too long
        ago (a pure read)."""
        entry = self._entries.get(key)
        if entry is None:
            return ()
        now = self.clock()
        return tuple(slot[0] for slot in entry if slot is not None and slot[1] > now)

    def remember(self, key: str, name: str, seconds: float, local: bool) -> None:
        """Record that `name` (a local model or not) served this conversation; it stays preferred among models of its
        kind for `seconds` from now."""
        now = self.clock()
        entries = self._entries
        local_slot, cloud_slot = entries.get(key) or (None, None)
        slot = (name, now + seconds)
        entries[key] = (slot, cloud_slot) if local else (local_slot, slot)
        entries.move_to_end(key)
        while entries and (len(entries) > self.max_entries or _ends(next(iter(entries.values()))) <= now):
            entries.popitem(last=False)  # the least recently served first; expired ones go as they surface

    def forget(self, key: str, name: str) -> None:
        """This conversation no longer prefers `name` (its stream broke); a preference for another model stays."""
        entry = self._entries.get(key)
        if entry is None:
            return
        kept = tuple(None if slot is not None and slot[0] == name else slot for slot in entry)
        if kept == (None, None):
            del self._entries[key]
        else:
            self._entries[key] = kept  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self._entries)


def _ends(entry: tuple[Slot | None, Slot | None]) -> float:
    """When the later of an entry's two preferences ends."""
    return max(slot[1] for slot in entry if slot is not None)


def note(name: str, key: str) -> str:
    """The reason shown when a conversation's model was moved to the front."""
    return f"sticky: {name} (conversation {key[:8]})"
