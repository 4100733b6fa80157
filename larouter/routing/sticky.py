"""Sticky routing: an `auto` conversation keeps the model that served it, so its prompt cache stays warm.

A conversation is named by its stable prefix (the project, the first system/developer message before the
first user message, and the first user message); the store remembers which candidate last answered it.
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


@attrs.define
class StickyRoutes:
    """Conversation key -> (candidate name, expiry on the monotonic clock): a bounded LRU, one per app."""

    max_entries: int = MAX_ENTRIES
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[str, tuple[str, float]] = attrs.Factory(OrderedDict)

    def get(self, key: str) -> str | None:
        """The candidate that last served this conversation, unless that was too long ago (a pure read)."""
        entry = self._entries.get(key)
        if entry is None or entry[1] <= self.clock():
            return None
        return entry[0]

    def remember(self, key: str, name: str, seconds: float) -> None:
        """Record that `name` served this conversation; it stays preferred for `seconds` from now."""
        now = self.clock()
        entries = self._entries
        entries[key] = (name, now + seconds)
        entries.move_to_end(key)
        while entries and (len(entries) > self.max_entries or next(iter(entries.values()))[1] <= now):
            entries.popitem(last=False)  # the least recently served first; expired ones go as they surface

    def forget(self, key: str, name: str) -> None:
        """This conversation no longer prefers `name` (its stream broke); a preference for another model stays."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == name:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


def note(name: str, key: str) -> str:
    """The reason shown when a conversation's model was moved to the front."""
    return f"sticky: {name} (conversation {key[:8]})"
