"""A reminder set to a lead time before each event ("remind Hugo 15 minutes before any meeting"), read against the
check-in's clock: an event listed in the turn that starts within the lead time after the check-in is a reminder
due now, whatever the rest of the poll says."""

from __future__ import annotations

import re

from larouter.routing.due import TIME_RE, Checkin, minutes_at

# "15 minutes before any meeting", "10 min before each call", "30m before every event"
_LEAD_RE = re.compile(r"\b(\d{1,3})\s?(?:minutes?|mins?|m)\s+before\s+(?:each|every|any|all|the|a|my|his|her|their)?\s*"
                      r"(?:meeting|event|call|appointment|class|session)s?\b", re.I)


def lead_time_due(text: str, when: Checkin) -> bool:
    """Whether a lead-time reminder in `text` is due: an event time in the turn falls after the check-in's time
    (`when`, read by the caller) by no more than the lead ("… 15 minutes before any meeting … 14:00 1:1 with Priya
    … Current time: … 13:47")."""
    if "before" not in text or (m := _LEAD_RE.search(text)) is None:
        return False
    now = when[1]
    if now is None:
        return False
    lead = int(m.group(1))
    return any(0 < minutes_at(t) - now <= lead for t in TIME_RE.finditer(text))
