"""Whether a lookup's reading is one a stated limit names, and how it stands against it (see `stated_limits.py`).

A reading is judged by a limit only when the two name the same thing: the limit's last word or its unit's noun is in
the reading's label (or one the same thing goes by: "lag" and "Seconds_Behind_Master", "disk" and `df`'s
"Filesystem"), or, for a share, a size or a temperature, any word of the limit is; never what is left by a limit on
what is taken ("free space" and "disk_used_pct"); and their units agree (a bare reading is read both in the limit's
unit and in the base one, and must be within in both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from larouter.routing.limit_vocab import (ALIASES, BOUND_WORDS, FAHRENHEIT, FREE, GENERIC_DATED, SHOWN_ALIASES, SIZE_UNITS,
                                          TAKEN, TIME_UNITS, Limit, unit_dimension)
from larouter.routing.readings import number

_LABEL_PARTS_RE = re.compile(r"[A-Z]?[a-z]+\d*|[A-Z]+\d*(?![a-z])|[^\W\d_A-Za-z]+|%")


def label_words(label: str) -> frozenset[str]:
    """A reading's label in words ("Seconds_Behind_Master": seconds, behind, master; "Use%": use, %)."""
    return frozenset(p.lower() for p in _LABEL_PARTS_RE.findall(label))


def _related(a: str, b: str, aliases: bool = True) -> bool:
    if a == b:
        return True
    if len(a) >= 4 and len(b) >= 4 and a[:4] == b[:4]:
        return a.startswith(b[:5]) or b.startswith(a[:5]) or min(len(a), len(b)) == 4
    if len(a) >= 5 and len(b) > len(a) and b.endswith(a) or len(b) >= 5 and len(a) > len(b) and a.endswith(b):
        return True  # apcupsd's "BCHARGE", "TIMELEFT": a word a tool's label ends in
    return aliases and (any(a in group and b in group for group in ALIASES) or (a in FREE and b in FREE))


def _polarity(words: Iterable[str]) -> str:
    found = {"free" if w in FREE else "taken" for w in words if w in FREE or w in TAKEN}
    return found.pop() if len(found) == 1 else ""


def related_word(word: str, label: frozenset[str]) -> bool:
    """Whether a limit's word names a part of a label (the same word, a shared stem, or one the same thing goes by)."""
    return word not in GENERIC_DATED and any(_related(word, part) for part in label)


def shown_word(word: str, label: frozenset[str]) -> bool:
    """Whether a limit's word names a part of a label, also by the loose names of `SHOWN_ALIASES` (never to judge)."""
    return related_word(word, label) or any(word in group and not group.isdisjoint(label) for group in SHOWN_ALIASES)


def _names(limit: Limit, label: frozenset[str], dimension: str) -> bool:
    side, their = _polarity(limit.words), _polarity(label)
    head = next((w for w in limit.words if w not in FREE and w not in TAKEN), "")
    if side and their:  # "free space below 10 GB" is `df`'s "Avail", never its "Used"; "swap use past 2 GiB" is
        return side == their and (not head or any(_related(head, part) for part in label)  # no "Mem used"
                                  or not label - FREE - TAKEN - {"%"})
    if side and dimension == "size":
        return False  # a size of neither side is no use nor what is left ("Swap total" against "swap use past 2 GiB")
    if not head:
        return dimension == limit.dimension  # "over 90%", "under 10% free": every share (of that side)
    return any(_related(head, part) for part in label)  # what the limit is of ("UPS battery below 50%" is not
    # `ups.load`, review 20), or a word it goes by


def reading_unit(label: str, unit: str = "") -> tuple[str, float, float]:
    """A reading's dimension, scale and offset, from the unit printed after it or the one its label names ("lag_s",
    "temp_c", "disk_pct", "Seconds_Behind_Master", "replication_lag_bytes", "Use%")."""
    if unit:
        found = unit_dimension(unit.lower().strip().replace(" ", ""), one_letter_sizes=True)
        if found[0]:
            return found
    lower = label.lower()
    if "%" in lower or re.search(r"(?:pct|percent|percentage|ratio)$", lower):
        return "%", 1.0, 0.0
    words = [p.lower() for p in _LABEL_PARTS_RE.findall(label)]
    if words and words[-1] in _OTHER_MEASURES:
        return "other", 1.0, 0.0  # a voltage, a power, a frequency: no share, time or size ("battery.voltage: 26.1"
        # beside "battery.charge below 30 %", review 23)
    for i, word in enumerate(reversed(words)):
        last = i == 0 and len(words) > 1
        if word in TIME_UNITS and (len(word) > 1 or last) and word not in ("m", "d", "min"):
            return "time", float(TIME_UNITS[word]), 0.0
        if word in FAHRENHEIT and (len(word) > 1 or last):
            return "temp", 5 / 9, -32 * 5 / 9
        if word in ("c", "celsius") and (len(word) > 1 or last):
            return "temp", 1.0, 0.0
        if word in SIZE_UNITS and len(word) > 1:
            return "size", SIZE_UNITS[word], 0.0
    return "", 1.0, 0.0


_ASIDE_RE = re.compile(r"\([^()]*\)")
_OTHER_MEASURES = frozenset({"voltage", "volt", "volts", "v", "watts", "watt", "power", "current", "amps", "frequency",
                             "hz", "rpm", "speed", "ppm"})
_ONE_LETTER = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_READING_RE = re.compile(r"([+−-]?\d+(?:[.,]\d+)?)\s?(%|°\s?[CF]|[^\W\d_]{1,12})?", re.I)


def reading(text: str) -> tuple[float, str] | None:
    """A value written with its unit ("45 s", "97%", "61.2 °C", "0.4s", "12"), a duration ("4m12s", "1h 12m",
    "00:12:41", in seconds), or None for any other text."""
    text = text.strip()
    if (d := _DURATION_RE.fullmatch(text)) is not None and (d[1] or d[2]) and (d[2] or d[3]):
        return int(d[1] or 0) * 3600 + int(d[2] or 0) * 60 + float(d[3] or 0), "s"
    if (c := _CLOCK_DURATION_RE.fullmatch(text)) is not None:
        return int(c[1]) * 3600 + int(c[2]) * 60 + float(c[3]), "s"
    m = _READING_RE.fullmatch(text)
    if m is None or (m[2] and not (unit_dimension(m[2].lower().replace(" ", ""), True)[0] or m[2] == "%")):
        return None
    return number(m[1]), m[2] or ""


_DURATION_RE = re.compile(r"(?:(\d+)\s?h)?\s?(?:(\d+)\s?m)?\s?(?:(\d+(?:\.\d+)?)\s?s)?")
_CLOCK_DURATION_RE = re.compile(r"(\d{1,3}):(\d{2}):(\d{2}(?:\.\d+)?)")  # Postgres' interval "00:12:41.2"


def _past(reading: float, limit: Limit) -> bool:
    if limit.closed and abs(reading - limit.value) <= 1e-9 * max(1.0, abs(limit.value)):
        return True  # at the bound, where the check-in says the bound itself is news (review 21)
    return reading > limit.value if limit.above else reading < limit.value


def names_any(limits: Iterable[Limit], label: str) -> bool:
    """Whether a stated limit on a reading (not a date) names this label: its value must then be read, or it is the
    model's to judge (review 20: "4m12s", "1h 12m" under "lag over 30 s")."""
    parts = [p.lower() for p in _LABEL_PARTS_RE.findall(_ASIDE_RE.sub("", label))
             or _LABEL_PARTS_RE.findall(label)]  # (its host aside: "Replication lag (db-3)", review 21)
    if not parts or not BOUND_WORDS.isdisjoint(parts):
        return False
    return any(  # (by the label's last word, and its own: "replica" is no lag, "battery.type" no battery's charge)
        limit.dimension not in ("age", "left") and _related(w, parts[-1], aliases=False)
        for limit in limits for w in limit.words[:1])


def judge(limits: Iterable[Limit], label: str, value: float, unit: str = "") -> bool | None:
    """Whether a reading lies within every stated limit that names it (False: past one), None when none names it.
    A reading without a unit is read in its limit's unit ("lag=0" against "lag over 30 s")."""
    words = label_words(label)
    limits = list(limits)
    if not words.isdisjoint(BOUND_WORDS) and not any(
            limit.words[:1] and limit.words[0] in words & BOUND_WORDS for limit in limits):
        return None  # a tool's own bound ("temp1_max"), unless it is what the check-in bounds (`zpool list`'s "CAP")
    dimension, scale, offset = reading_unit(label, unit)
    if unit and not dimension:
        words |= label_words(unit)  # a unit that names what is counted: "Download: 612.44 Mbit/s", "742 RPM"
    verdict: bool | None = None
    for limit in limits:
        if limit.dimension in ("age", "left") and dimension not in ("time", ""):
            continue
        kind = "time" if limit.dimension in ("age", "left") else limit.dimension  # ("hours_since_last_backup: 50",
        # review 20; "cert expires in: 6 days", "days_left: 6" against "expires within 14 days", review 21)
        if dimension and kind and dimension != kind or kind == "%" and not dimension and value > 100:
            continue  # (a count is no share: `df -i`'s "Inodes" 6553600 beside "inode use at 80% or less")
        if not _names(limit, words, dimension or kind):
            continue
        if not limit.dimension:  # (a limit written without a unit is in the unit its reading's label names:
            readings = [value]  # "p95_latency_ms < 800")
        elif dimension == "size" and unit.strip().upper() in _ONE_LETTER:  # a tool's "47G": GiB, or what its user
            readings = [value * scale, value * _ONE_LETTER[unit.strip().upper()]]  # compares to "50 GB" (review 22)
        elif dimension:
            readings = [value * scale + offset]
        else:  # a bare reading ("lag=0", "time_total: 2.934") in the limit's unit or in the base one (seconds, bytes)
            readings = [value * limit.scale + limit.offset, value]
        if any(_past(r, limit) for r in readings):
            return False
        verdict = True
    return verdict
