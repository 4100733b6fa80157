"""The things a check-in's checklist lists by name, and a lookup that shows some of them but not all.

"Paperless stack on `dock2`, these containers should all be running: traefik, authelia, paperless-webserver,
paperless-db" then `docker ps`: a container that is not running is not in the listing at all, so no line of it reads
as trouble (blind v44). A checklist's list of three or more names, each one word ("paperless-db", `web-1`,
"nas.local"), is what the lookups are expected to show: a lookup that shows at least two of them (it lists that kind of
thing) and leaves one out is news; so is `df` without a mount point its call names ("df -h / /backup" printing "/"
twice: /backup is not mounted, review 22).
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def listed_names(instructions: str) -> tuple[tuple[str, ...], ...]:
    """Each list of three or more one-word names in the instructions, lower-cased ("a, b, c", "a, b and c")."""
    if "," not in instructions:
        return ()
    found = []
    for line in instructions.splitlines():
        if line.count(",") < 2:
            continue
        tail = line.rsplit(":", 1)[-1] if ": " in line else line
        for part in _SENTENCE_RE.split(tail):
            names = [n.strip(" `'\"*").lower() for n in _SEPARATOR_RE.split(part.strip(" .;-*"))]
            if len(names) >= 3 and all(_NAME_RE.fullmatch(n) and n not in _WORDS for n in names):
                found.append(tuple(names))
    return tuple(found)


def missing_name(lists: Iterable[tuple[str, ...]], text: str) -> str:
    """The first name of a list that a lookup's `text` leaves out while it shows two or more of the list, or ""."""
    lower = text.lower()
    for names in lists:
        shown = [n for n in names if re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", lower)]
        if len(shown) >= 2 and len(shown) < len(names):
            return next(n for n in names if n not in shown)
    return ""


_SENTENCE_RE = re.compile(r"[.;!?](?:\s|$)")
_SEPARATOR_RE = re.compile(r"\s*,\s*(?:and\s+|or\s+|und\s+|et\s+|y\s+)?|\s+(?:and|or|und|et|y)\s+")
_NAME_RE = re.compile(r"[a-z0-9][\w.@-]{1,40}")
# Words a list of what to do or watch is made of, not names a lookup shows ("disk, memory and load").
_WORDS = frozenset({"and", "or", "the", "a", "if", "when", "then", "check", "disk", "disks", "memory", "cpu", "load",
                    "ram", "swap", "network", "mail", "email", "calendar", "weather", "news", "errors", "warnings",
                    "temperature", "battery", "backups", "logs", "alerts", "updates", "etc"})


def unmounted(call: str, text: str) -> str:
    """A path a `df` call names that its output shows no filesystem mounted on, or ""."""
    m = _DF_RE.search(call)
    if m is None:
        return ""
    mounts = {line.split()[-1] for line in text.splitlines()[1:] if line.split()}
    return next((p for p in m[1].split() if p.startswith("/") and p.rstrip("/") not in mounts and p not in mounts), "")


_DF_RE = re.compile(r"\bdf\s+(?:-\w+\s+)*((?:/[^\s|;&<>\"'\\]*\s*)+)")
