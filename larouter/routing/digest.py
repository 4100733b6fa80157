"""A scheduled status digest that asks for nothing: "Repo digest — 2026-06-02 16:00 UTC / CI on main: passing /
PRs awaiting your review: 0 / …", "Uptime summary 2026-05-19 08:30 / - api.example.io — UP — p95 96 ms / …".

Its lines name repositories, CI, endpoints and databases, so the scorer's computing keywords add up to COMPLEX; but
nothing is asked, no code is in it, and reading it is no engineering. `signals.assess` caps such a text at MEDIUM
when its code score comes from keywords alone (a quiet one is a heartbeat before it gets there: `quiet.py`).
"""

from __future__ import annotations

import re

from larouter.routing.statustime import STAMP_RE

_LINE_RE = re.compile(r"^\s*(?:[-*•·]\s*)?[^\s:—–][^:\n—–]{0,48}(?::|\s[—–]|\s-\s)\s*\S")  # "label: value", "- x — y"
_MIN_LINES = 4  # a digest lists a few things
_MAX_LINE = 160
_SHARE = 0.75  # of its lines after the first that read "label: value" or "item — state"


def status_digest(text: str) -> bool:
    """Whether `text` is a stamped status digest that asks for nothing (see the module docstring)."""
    if "?" in text or "？" in text or "```" in text:
        return False
    head, _, rest = text.strip().partition("\n")
    lines = [line for line in rest.splitlines() if line.strip()]
    if len(lines) < _MIN_LINES or STAMP_RE.search(head) is None or any(len(line) > _MAX_LINE for line in lines):
        return False
    return sum(1 for line in lines if _LINE_RE.match(line)) >= _SHARE * len(lines)
