"""Dated items in a check-in: an item due on or before the check-in's own date is work.

A scheduler that inlines its to-do list ("Periodic wake-up (Mon 5 May 2025, 14:00) ... <item due="2025-05-05">Pay
council tax</item>") asks the agent to act on the items that are due; the rest of the list is the future. The
check-in's date is the first date in the turn: ISO ("2025-05-05", "2025-05-05T14:00Z"), "5 May 2025" or "May 5,
2025" (English month names, abbreviated or not). A due date is an ISO date after "due" ("due=", "due:", "due ").
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {m: i for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), 1) for m in (name, name[:3])}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = r"(\d{4})-(\d{2})-(\d{2})"
_DATE_RE = re.compile(rf"(?<!\d){_ISO}(?!\d)|\b(\d{{1,2}})\s+({_MONTH})\.?\s+(\d{{4}})\b"
                      rf"|\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DUE_RE = re.compile(rf"\bdue\b\W{{0,3}}{_ISO}(?!\d)", re.I)


def overdue_items(text: str) -> bool:
    """Whether an item of the turn is due on or before the date the turn itself carries."""
    if "due" not in text.lower():
        return False
    dues = [_date(int(y), int(m), int(d)) for y, m, d in _DUE_RE.findall(text)]
    if not any(dues):
        return False
    today = _checkin_date(text)
    return today is not None and any(due is not None and due <= today for due in dues)


def _checkin_date(text: str) -> dt.date | None:
    """The first date in the turn that is not a due date."""
    for m in _DATE_RE.finditer(text):
        if "due" in text[max(0, m.start() - 8) : m.start()].lower():
            continue
        g = m.groups()
        if g[0]:
            return _date(int(g[0]), int(g[1]), int(g[2]))
        if g[3]:
            return _date(int(g[5]), _MONTHS[g[4].lower()], int(g[3]))
        return _date(int(g[8]), _MONTHS[g[6].lower()], int(g[7]))
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # "2025-02-30" is no date
        return None
