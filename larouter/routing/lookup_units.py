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

from larouter.routing.limit_match import label_words
from larouter.routing.lookup_dump import NONE_OF_RE, TROUBLE

_HEADER_RE = re.compile(r"^([●○×*]?)\s*[\w@.:\\-]+\.(?:service|timer|socket|mount|target|path|scope|slice)\b(?: - .*)?$")
_FIELD_RE = re.compile(r"^\s*([A-Z][\w ]{1,20}):\s?(.*)$")
_ACTIVE = ("active (running)", "active (exited)", "active (waiting)", "active (listening)")
# Words of trouble in a unit's lines: a dump's (`lookup_dump.TROUBLE`) and systemd's own (a kill, the OOM killer, an
# abort, a restart counter, a retry); not "exited", which an "active (exited)" oneshot says.
_TROUBLE = (TROUBLE | {"killed", "oom", "abrt", "retry", "unsuccessful", "counter", "denied", "refused", "timeout",
                       "crit"}) - {"exited"}
_EXITED_OK_RE = re.compile(r"code=exited,\s*status=0/SUCCESS")  # a start step that ran and succeeded


def fine_units(text: str) -> bool:
    """Whether `systemctl status` output shows only units that are loaded and active, with no line in trouble."""
    units = 0
    field = ""
    for line in text.splitlines():
        if not line.strip():
            continue
        if "×" in line or not _TROUBLE.isdisjoint(label_words(NONE_OF_RE.sub(" ", _EXITED_OK_RE.sub(" ", line)))):
            return False  # (a timer's "Triggers: × backup.service"; "restart counter is at 212", review 21)
        header = _HEADER_RE.match(line)
        if header is not None:
            if header[1] in ("○", "×"):
                return False  # an inactive or a failed unit
            if units and not field:
                return False  # (the unit before had no Active line: not read)
            units += 1
            field = ""
            continue
        m = _FIELD_RE.match(line)
        if m is not None and units:
            name, value = m[1].strip(), m[2].strip().lower()
            if name == "Loaded" and not value.startswith("loaded"):
                return False  # "not-found", "masked", "error"
            if name == "Active":
                if not value.startswith(_ACTIVE):
                    return False  # "inactive (dead)", "failed (Result: exit-code)", "activating (auto-restart)"
                field = name
    return units > 0 and bool(field)
