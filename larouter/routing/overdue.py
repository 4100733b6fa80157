"""Items a check-in lists as due on a date ("Electricity — due 2026-03-10 — not paid"): overdue when that date is on
or before the check-in's own and the item does not say it is done; due today at a later time only for a scheduled
action that is not late work. Split from due.py when it passed 400 lines.
"""

from __future__ import annotations

import re

from larouter.routing.due import _DONE_RE, _DUE_RE, _ISO, _ZONE_AFTER_RE, _date, checkin

def overdue_items(text: str) -> bool:
    """Whether an item of the turn is due on or before the date the turn itself carries, and does not say it is
    done ("Electricity — due 2026-03-10 — not paid" on 2026-03-12; not "… due 2026-03-10 — paid 03-09")."""
    if "due" not in text.lower():
        return False
    dues = [(_date(int(m[1]), int(m[2]), int(m[3])), m.start()) for m in _DUE_RE.finditer(text)]
    if not any(due for due, _ in dues):
        return False
    today, now, _ = checkin(text)
    return today is not None and any(due is not None and due <= today and not _DONE_RE.search(_line(text, at))
                                     and not (due == today and _later_today(text, at, now)) for due, at in dues)


_DUE_TIME_RE = re.compile(rf"\bdue\b\W{{0,3}}{_ISO}[T ](?:at )?([01]?\d|2[0-3]):([0-5]\d)(?!\d)", re.I)


def _later_today(text: str, at: int, now: int | None) -> bool:
    """Whether the item due today at `at` is a scheduled action whose time of day is still to come ("#42 call Mam due
    2026-05-06 18:00" at 15:45), in the check-in's own zone (no other zone named after it), and its line does not say
    the work is unfinished ("VAT return due 2026-05-06 18:00 (not started)" is a deadline closing in: review 14)."""
    m = _DUE_TIME_RE.match(text, at)
    if now is None or m is None or int(m[4]) * 60 + int(m[5]) <= now or _ZONE_AFTER_RE.match(text, m.end()):
        return False
    line = _line(text, at)
    return _SCHEDULED_RE.search(line) is not None and _UNFINISHED_RE.search(line) is None  # (review 15: a deliverable
    # due later today, "Contract due 17:00, still waiting for your signature", is a deadline closing in)


# A scheduled action, not a deliverable: "#42 call Mam for her birthday due 18:00", "remind Leo …", "dentist 18:00".
_SCHEDULED_RE = re.compile(r"\b(?:remind\w*|call|ring|phone|meet\w*|appointment|birthday|pick(?:ing)? up|visit|dentist"
                           r"|doctor|stand-?up|sync|take (?:the )?(?:pill|medicine|meds)|water the)\b", re.I)
_UNFINISHED_RE = re.compile(r"\bnot (?:started|done|finished|sent|paid|submitted|filed|signed|booked)\b|\d+ ?% done"
                            r"|\b(?:draft|in progress|pending|unpaid|open|todo|to do)\b", re.I)


def _line(text: str, at: int) -> str:
    end = text.find("\n", at)
    return text[text.rfind("\n", 0, at) + 1 : end if end >= 0 else len(text)]
