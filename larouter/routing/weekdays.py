"""Days of the week in a check-in and its items: the check-in's own day when it names no date (`checkin_weekday`),
and the days an item is labelled with or timed on (`weekdays_of`: "Fri: water plants", "Mon-Fri: stand-up", "Sundays
10:00", "due Friday"), read by `due.not_yet_due`."""

from __future__ import annotations

import re

from larouter.routing.calendar_names import WEEKDAYS
from larouter.routing.tokens import CJK_RE

# Items labelled with days of the week ("Fri: water plants", "Mondays 18:00 — gym", "Mon-Fri: stand-up"), their names
# from `calendar_names.WEEKDAYS`.
_DAY = "|".join(sorted(map(re.escape, WEEKDAYS), key=len, reverse=True))
_JOINS = "and|or|und|oder|et|ou|y|o|e|i|и|или|і|та|och|og|en|ve|dan|a"  # words that join two days ("Sat and Sun")
_WEEKDAY_RE = re.compile(rf"(?:(every|each|on|next|this|due)\s+)?({_DAY})(?:s|ar)?\b\.?(?:\s*(?:-|–|to)\s*({_DAY})\b\.?)?"
                         rf"(?=\s*(?:[:,—–(]|-\s|\d|$)|\s+(?!(?:{_DAY}|{_JOINS})\b)[^\W\d_]+\s*(?:[:—–(]|-\s))")
# (matched at the item's start, lowercased; re.I: ~5x slower.) A word for the part of the day may stand between the
# day and its colon ("Sunday evening: ask about the groceries"), not a second day ("Sat and Sun:", "Mon Tue:").
_DUE_DAY_RE = re.compile(rf"\bdue\s+(?:on\s+)?({_DAY})\b")  # searched only in an item that says "due"
# What an item naming a day holds: one of the names' last words, or (scripts without spaces) a mark of day names.
_DAY_WORDS = frozenset(name.split()[-1] for name in WEEKDAYS) | {f"{name}s" for name in WEEKDAYS if name.isascii()}
_DAY_MARKS = ("วัน", "曜", "星期", "周", "週", "요일", "वार")
# A day with its time anywhere in the item ("— sexta-feira, 14h", "na poniedziałek 08:00", "วันศุกร์ 17:00"): read
# back from each time (the names as alternatives tried at every position cost ~10x the rest of the item's reading).
_ITEM_TIME_RE = re.compile(r"(?<![\d:])(?:[01]?\d|2[0-3])(?:[:.h][0-5]\d|h)(?!\d|:\d)")  # ("Fri 13:00: swim")
_UNSPACED_DAYS = tuple(sorted((n for n in WEEKDAYS if CJK_RE.match(n)), key=len, reverse=True))
_TIME_CONNECTORS = frozenset({"at", "um", "à", "às", "alle", "o", "godz", "godz.", "a", "las", "la", "ás", "ore",
                              "after", "from", "any", "time", "anytime", "nach", "ab", "après", "dopo", "después",
                              "depois"})  # ("Fridays, any time after 16:00": Friday's)


def _day_before_a_time(item: str) -> int | None:
    """The day of the week named right before one of the (lowercased) item's times, if any (see `_ITEM_TIME_RE`)."""
    for t in _ITEM_TIME_RE.finditer(item):
        words = item[max(0, t.start() - 32) : t.start()].replace(",", " ").split()
        while words and words[-1] in _TIME_CONNECTORS:
            words.pop()
        if words and (words[-1] in WEEKDAYS or words[-1].endswith("s") and words[-1][:-1] in WEEKDAYS):
            return WEEKDAYS[words[-1] if words[-1] in WEEKDAYS else words[-1][:-1]]  # ("Sundays 10:00")
        if len(words) > 1 and (two := f"{words[-2]} {words[-1]}") in WEEKDAYS:  # "thứ sáu", "chủ nhật"
            return WEEKDAYS[two]
        if words and not words[-1].isascii():  # written without spaces: "毎週月曜 8:00" (every Monday)
            return next((WEEKDAYS[name] for name in _UNSPACED_DAYS if words[-1].endswith(name)), None)
    return None


# The check-in's day of the week when it gives no date: the day after a word for today ("hoje é terça-feira",
# "วันนี้วันอังคาร", "heute ist Dienstag"), else the first day named outside the list's items ("godz. 06:00
# (czwartek)"). Matched on the lowercased text, and only where a name's word or mark is there.
_TODAY_WORDS_ANY = ("today", "hoje", "hoy", "heute", "aujourd'hui", "oggi", "dziś", "dzisiaj", "сегодня", "сьогодні",
                    "bugün", "आज", "วันนี้", "hari ini", "hôm nay", "idag", "i dag", "tänään", "dnes")
_TODAY_DAY_RE = re.compile(r"(?:today(?: is)?|hoje(?: é)?|hoy(?: es)?|heute(?: ist)?|aujourd'hui(?: c'est)?|oggi(?: è)?"
                           r"|dziś(?: jest)?|dzisiaj(?: jest)?|сегодня|сьогодні|bugün|आज|วันนี้|hari ini|hôm nay"
                           rf"|idag|i dag|tänään|dnes)\W{{0,3}}({_DAY})(?!\w)")
ANY_DAY_RE = re.compile(rf"(?<!\w)({_DAY})(?!\w)")  # (not \b: Thai names end in a mark, "วันศุกร์")
ITEM_LINE_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)]|\[[ xX]\])\s")
TOKEN_RE = re.compile(r"[\w'’-]+")


def names_a_day(low: str) -> bool:
    """Whether a lowercased text may name a day of the week (a cheap gate before the names' patterns)."""
    return not _DAY_WORDS.isdisjoint(TOKEN_RE.findall(low)) or any(map(low.__contains__, _DAY_MARKS))


def checkin_weekday(text: str) -> int | None:
    """The check-in's day of the week, for a check-in that names no date (see `_TODAY_DAY_RE`); None if none."""
    low = text.lower()
    if not names_a_day(low):
        return None
    if any(map(low.__contains__, _TODAY_WORDS_ANY)) and (m := _TODAY_DAY_RE.search(low)) is not None:
        return WEEKDAYS[m.group(1)]
    for line in low.splitlines():
        if not ITEM_LINE_RE.match(line) and names_a_day(line) and (m := ANY_DAY_RE.search(line)) is not None:
            return WEEKDAYS[m.group(1)]
    return None


def weekdays_of(item: str) -> tuple[set[int], bool] | None:
    """The days of the week an item is labelled with, and whether it says "next"; None when it names none."""
    low = item.lower()
    m = _WEEKDAY_RE.match(low)
    if m is None:
        if not names_a_day(low):
            return None  # no day named (most items end here)
        due = _DUE_DAY_RE.search(low) if "due" in low else None
        timed = WEEKDAYS[due.group(1)] if due is not None else _day_before_a_time(low)
        return None if timed is None else ({timed}, False)
    first = WEEKDAYS[m.group(2)]
    last = WEEKDAYS[m.group(3)] if m.group(3) else first
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}, m.group(1) == "next"
