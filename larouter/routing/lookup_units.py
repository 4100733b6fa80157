"""`systemctl status` read as a lookup: quiet only when every unit it shows is loaded and active, and nothing else in it
says otherwise.

The command self-hosters' check-ins run most: "`systemctl status caddy gitea postgresql` — tell me if any of them is
failed or inactive". Its output is a block per unit: a header ("● caddy.service - Caddy"; "×" for a failed unit, "○"
for an inactive one), `key: value` lines (Loaded, Active, Docs, Main PID, Tasks, Memory, CPU, CGroup), the process
tree under CGroup, then the unit's last journal lines. Every line is read: each unit must be "loaded" and "active
(running)" (or exited, waiting, listening: a oneshot, a timer, a socket); no line may hold a word of trouble (a
process "status=1/FAILURE", a journal line "error", a "Warning: The unit file … changed on disk").
"""

from __future__ import annotations

import re

from larouter.routing.limit_match import label_words, reading
from larouter.routing.limit_vocab import unit_dimension
from larouter.routing.lookup_dump import NONE_OF_RE, TROUBLE
from larouter.routing.lookup_text import USE_LIMIT

_HEADER_RE = re.compile(r"^([●○×*]?)\s*([\w@.:\\-]+\.(?:service|timer|socket|mount|target|path|scope|slice))\b(?: - .*)?$")
_FIELD_RE = re.compile(r"^\s*([A-Z][\w ]{1,20}):\s?(.*)$")
_ACTIVE = ("active (running)", "active (exited)", "active (waiting)", "active (listening)")
# Words of trouble in a unit's lines: a dump's (`lookup_dump.TROUBLE`) and systemd's own (a kill, the OOM killer, an
# abort, a restart counter, a retry); not "exited", which an "active (exited)" oneshot says.
_TROUBLE = (TROUBLE | {"killed", "oom", "abrt", "retry", "unsuccessful", "counter", "denied", "refused", "timeout",
                       "crit"}) - {"exited"}
_EXITED_OK_RE = re.compile(r"code=exited,\s*status=0/SUCCESS")  # a start step that ran and succeeded


def fine_units(text: str, call: str = "") -> bool:
    """Whether `systemctl status` output shows only units that are loaded and active, with no line in trouble, and
    every unit its `call` names ("systemctl status caddy gitea postgresql 2>/dev/null": one not found says so on
    stderr, which the tool may not return; review 21)."""
    units: list[str] = []
    field = ""
    for line in text.splitlines():
        if not line.strip():
            continue
        if "×" in line or not _TROUBLE.isdisjoint(label_words(NONE_OF_RE.sub(" ", _EXITED_OK_RE.sub(" ", line)))):
            return False  # (a timer's "Triggers: × backup.service"; "restart counter is at 212", review 21)
        if _EXIT_FAILED_RE.search(line) or _JOURNAL_TROUBLE_RE.search(line):
            return False  # a process that exited non-zero ("Main PID: 4411 (code=exited, status=2)")
        header = _HEADER_RE.match(line)
        if header is not None:
            if header[1] in ("○", "×"):
                return False  # an inactive or a failed unit
            if units and not field:
                return False  # (the unit before had no Active line: not read)
            units.append(header[2])
            field = ""
            continue
        m = _FIELD_RE.match(line)
        if m is not None and units:
            name, value = m[1].strip(), m[2].strip().lower()
            if name == "Loaded" and not value.startswith("loaded"):
                return False  # "not-found", "masked", "error"
            if name in ("Memory", "Tasks") and _near_max(value):
                return False  # "Memory: 1.9G (max: 2.0G available: 61.2M)": near its cgroup's limit (review 21)
            if name == "Active":
                if not value.startswith(_ACTIVE):
                    return False  # "inactive (dead)", "failed (Result: exit-code)", "activating (auto-restart)"
                field = name
    return bool(units) and bool(field) and all(name in units for name in _asked(call))


def _asked(call: str) -> list[str]:
    """The units a `systemctl status` call names, each with its type ("caddy": "caddy.service"); none for a pattern."""
    m = _CALL_RE.search(call)
    names = [w.strip("'") for w in m[1].split() if not w.startswith("-") and not w[:1].isdigit()] if m else []
    if any(c in name for name in names for c in "*?["):
        return []
    return [name if _TYPED_RE.search(name) else f"{name}.service" for name in names]


_CALL_RE = re.compile(r"\bsystemctl\s+(?:-\S+\s+)*status\s+([^|;&<>\"\n]*)")
_TYPED_RE = re.compile(r"\.(?:service|timer|socket|mount|target|path|scope|slice|device|swap|automount)$")
# A journal line's trouble in words no single word says (review 22).
_JOURNAL_TROUBLE_RE = re.compile(r"no space left|database is locked|reset by peer|unable to|cannot |can't |\[E\]"
                                 r"|\blevel=(?:error|fatal)|permission denied|too many open files", re.I)
_EXIT_FAILED_RE = re.compile(r"\bstatus=(?!0(?:/SUCCESS)?\b)\d")


_MEMORY_RE = re.compile(r"(\S+)\s*\(.*?\b(?:max|high|limit):\s*(\S+?)[\s)]")  # ("Tasks: 4553 (limit: 4553)")


def _near_max(value: str) -> bool:
    """Whether a unit's memory or tasks are at `USE_LIMIT` % or more of the most its cgroup allows ("1.9g (max: 2.0g …",
    "4553 (limit: 4553)")."""
    m = _MEMORY_RE.match(value + " ")
    used, most = (_amount(m[1]), _amount(m[2])) if m is not None else (None, None)
    return used is not None and bool(most) and used * 100 >= USE_LIMIT * most


def _amount(text: str) -> float | None:
    """A size in bytes ("1.9G"), or a count ("4553"); None for any other text."""
    found = reading(text)
    if found is None:
        return None
    if not found[1]:
        return found[0]  # a count (tasks)
    dimension, scale, _ = unit_dimension(found[1], one_letter_sizes=True)
    return found[0] * scale if dimension == "size" else None
