"""Dates in a lookup against the check-in's clock: how old the last backup is, how soon a certificate lapses.

A stamp is read in the forms tools print it (ISO 8601 with or without its zone, openssl's "May 19 03:12:08 2026 GMT",
ctime's and date(1)'s "Sun Apr 12 05:41:18 2026"), and judged by the age or the time left a stated limit allows, with
the widest offset from UTC when the clock's or the stamp's zone is unknown (a backup 20 hours old by a clock of
unknown zone may be 34 hours old: not within 26).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import attrs

from larouter.routing.limit_match import label_words, related_word
from larouter.routing.limit_vocab import EXPIRY_RE, Limit

@attrs.frozen(slots=True)
class Clock:
    """The check-in's time as UTC, and how far off it may be (hours) when its zone is unknown."""

    utc: dt.datetime
    slack: float


_UTC_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2})?\s*(?:UTC|GMT|Z)\b")
WIDEST_OFFSET = 14.0  # hours between UTC and the farthest time zone


def clock(text: str, day: dt.date | None, minutes: int | None) -> Clock | None:
    """The check-in's clock: its UTC stamp when it gives one (OpenClaw's "… / 2026-04-30 08:00 UTC"), else its local
    date and time with the widest offset as slack; None without a date."""
    m = _UTC_RE.search(text)
    if m is not None:
        return Clock(dt.datetime.fromisoformat(f"{m[1]}T{m[2]}"), 0.25)
    if day is None:
        return None
    at = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes if minutes is not None else 12 * 60)
    return Clock(at, WIDEST_OFFSET + (0 if minutes is not None else 12))


_ISO_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?")
_OPENSSL_RE = re.compile(r"([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4}) GMT")
_CTIME_RE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}:\d{2}:\d{2})"
                       r"(?: [A-Z]{3,5})? (\d{4})(?! GMT)")  # ctime, and date(1)'s "Mon Apr 27 02:00:14 CEST 2026"
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def stamp(text: str) -> tuple[dt.datetime, bool] | None:
    """The first date and time in `text` as naive UTC, and whether its zone was given ("2026-03-12T02:00:14-06:00",
    "2026-03-30 01:07:44+00", openssl's "May 19 03:12:08 2026 GMT"); None when it holds none."""
    m = _ISO_RE.search(text)
    if m is not None:
        try:
            at = dt.datetime.fromisoformat(f"{m[1]}T{m[2]}")
        except ValueError:
            return None
        zone = m[3]
        if zone is None:
            return at, False
        if zone.upper() in ("Z", "UTC", "GMT"):
            return at, True
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        return at - sign * offset, True
    m = _CTIME_RE.search(text)
    if m is not None and m[1] in _MONTHS:  # `zpool status`' "on Sun Apr 12 05:41:18 2026" (the host's zone)
        hh, mm, ss = map(int, m[3].split(":"))
        try:
            return dt.datetime(int(m[4]), _MONTHS[m[1]], int(m[2]), hh, mm, ss), False
        except ValueError:
            return None
    m = _OPENSSL_RE.search(text)
    if m is not None and m[1] in _MONTHS:
        hh, mm, ss = map(int, m[3].split(":"))
        try:
            return dt.datetime(int(m[4]), _MONTHS[m[1]], int(m[2]), hh, mm, ss), True
        except ValueError:
            return None
    return None


def judge_stamp(limits: Iterable[Limit], label: str, at: tuple[dt.datetime, bool], now: Clock,
                generic: bool = False) -> bool | None:
    """Whether a stamp is within every age or time-left limit that names it: a last backup no older than the limit
    by any reading of the clock, an expiry no sooner. `generic`: the stamp is a record's own time (restic's "time",
    a job's "finished_at"), judged by the one age limit the check-in states whatever it names."""
    words = label_words(label)
    when, zoned = at
    # (a stamp without its zone: any offset from UTC; a clock and a stamp both without one are off by as much at most)
    slack = dt.timedelta(hours=max(now.slack, 0 if zoned else WIDEST_OFFSET))
    verdict: bool | None = None
    dated = [limit for limit in limits if limit.dimension in ("age", "left")]
    for limit in dated:
        named = any(related_word(w, words) for w in limit.words) or (
            limit.dimension == "left" and any(EXPIRY_RE.search(w) or w in ("after", "end", "until") for w in words))
        if not named and not (generic and limit.dimension == "age" and len(dated) == 1):
            continue
        bound = dt.timedelta(seconds=limit.value)
        if limit.dimension == "age":
            fine = now.utc - when + slack <= bound
        else:
            fine = when - now.utc - slack >= bound
        if not fine:
            return False
        verdict = True
    return verdict
