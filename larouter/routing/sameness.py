"""When two turns are "the same" check-in: the text with the parts a scheduler changes on every beat blanked.

A periodic check-in differs from its previous beat only in its clock: dates, times, epochs, run ids, the weekday
and month of its timestamp line, a counter of elapsed seconds. It must not lose what tells work from idleness: a
count of zero ("inbox: 0 new") stays apart from any other count ("inbox: 3 new"), and a share keeps its band ("disk
96%" is not "disk 67%", "battery 12%" not "battery 64%"). Used by the learned heartbeats
(`repeats.py`, across requests) and by the classifier's recurrence check (`recurrence.py`, within one request).
"""

from __future__ import annotations

import itertools
import re

_BLANK_DIGITS = bytes.maketrans(b"0123456789", b"##########")
# A count that is zero on its own ("inbox: 0", "0 new", "alerts=0"), not part of a time, date, version or word
# ("14:00", "2026-12-00", "0.5", "0x1f"): kept apart from the blanked numbers so idle and work differ.
_ZERO_COUNT_RE = re.compile(rb"(?<![\w/-])(?<![0-9]:)(?<![0-9][.,])0+(?![\w:/-]|[.,][0-9])")  # ("reportes:0", not "14:00")
# A share of 80% or more ("/var/lib/postgresql 96%", "cpu 91 %") stays apart from a lower one: the disk that filled
# up in a learned nightly report is not the report learned at 67% (shares below it drift freely).
_SHARE_RE = re.compile(rb"(?<![\d.,])(\d{1,3})(?:[.,]\d+)?\s?%")
HIGH_SHARE = 80


def _share_band(value: int) -> bytes:
    """The mark of a share's band (b"" for 20-79 %, left as digits are): a battery at 12% or a disk with 11% free is
    not the 64% or 38% learned before (review 15), nor a disk at 96% the 67% one."""
    return b"H" if value >= HIGH_SHARE else b"" if value >= 20 else b"T" if value >= 10 else b"U" if value else b"Z"
_FRACTION_RE = re.compile(rb"(?<![\d/])(\d+)/(\d+)(?![\d/])")
# On a timestamp line, the numbers of a date or time: "25th" and "3rd", "9:05" and "10:05", "@ 9" and "@ 10" (a day
# beside its month's name), "9 am", "2026-3-9"; not a count ("failed units: 14").
_NUMBER_RE = re.compile(r"#+(?:st|nd|rd|th)\b|#+(?=[:./-]#)|(?<=[:./-])#+|(?<=@)[ ,]*#+(?:st|nd|rd|th)?|#+(?=[ ,]*@)|#+(?= ?[ap]\.?m\b)"
                        r"|#+(?=[h时時点點시年月日號号년월일])")
# Calendar words schedulers print in their timestamps ("Current time: Wednesday, November 25th ..."), blanked like
# numbers so a check-in keeps its signature across days and months: English, German, French, Spanish, Italian,
# Portuguese and Dutch weekday and month names (English abbreviations too); Chinese, Japanese, Korean weekdays.
CALENDAR_WORDS = tuple("""
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun january february
march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag januar februar märz juni juli oktober dezember
lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre
novembre décembre lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio agosto
septiembre octubre noviembre diciembre lunedì martedì mercoledì giovedì venerdì domenica gennaio febbraio aprile maggio
giugno luglio settembre ottobre dicembre segunda terça quarta quinta sexta janeiro fevereiro março maio junho julho
setembro outubro dezembro maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
""".split())


def words_pattern(words: tuple[str, ...]) -> str:
    """The words as one regex, factored by common prefixes (a few checks per position, not one per word), each
    whole word only: the lookbehind sits after the first letter so the regex engine can skip to those letters."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + ("?" if "" in node else "")

    first = "|".join(re.escape(ch) + r"(?<!\w.)" + emit(sub) for ch, sub in sorted(root.items()))
    return rf"(?:{first})(?!\w)"


_CALENDAR_RE = re.compile(words_pattern(CALENDAR_WORDS))
_CJK_CALENDAR_RE = re.compile(r"(?:星期|礼拜|周)[一二三四五六日天]|[月火水木金土日]曜日?|[월화수목금토일]요일")
STAMP_LINE_MAX = 160  # calendar words are looked for on short lines with a number (where timestamps are),
STAMP_LINES = 4  # on the first few of them


def normalise(text: str) -> bytes:
    """The turn as UTF-8 with white space collapsed and its digits blanked, except in counts of zero; on its first few
    short lines with a number (a timestamp's) also the calendar words, ordinal suffixes and number lengths. Bytes:
    the passes are table lookups and C regex scans whatever the script (str.translate took ~60 ns per character on
    non-ASCII text); the calendar pass costs ~2 us on a check-in's timestamp line and nothing without numbers."""
    data = text.encode("utf-8", "surrogatepass")
    marked = data.translate(_BLANK_DIGITS)
    if marked != data:
        if b"0" in data:
            zeros = bytearray(marked)
            for m in _ZERO_COUNT_RE.finditer(data):
                zeros[m.start() : m.end()] = m.group()
            marked = bytes(zeros)
        if b"/" in data:  # a full house ("12/12 hosts") is not "3/12 hosts"
            full = bytearray(marked)
            for m in _FRACTION_RE.finditer(data):
                if m[1] == m[2]:
                    full[m.start() : m.end()] = b"=" * (m.end() - m.start())
            marked = bytes(full)
        if b"%" in data:  # a share keeps its band: under 1, 1-9, 10-19, 20-79 (free to drift), 80 and over
            bands = bytearray(marked)
            for m in _SHARE_RE.finditer(data):
                band = _share_band(int(m[1]))
                if band:
                    bands[m.start(1) : m.end(1)] = band * (m.end(1) - m.start(1))
            marked = bytes(bands)
        lines = marked.split(b"\n")
        stamps = (i for i, line in enumerate(lines) if b"#" in line and len(line) <= STAMP_LINE_MAX)
        for i in itertools.islice(stamps, STAMP_LINES):
            lines[i] = _blank_stamp(lines[i].decode("utf-8", "surrogatepass")).encode("utf-8", "surrogatepass")
        marked = b"\n".join(lines)
    return b" ".join(marked.split())


def _blank_stamp(line: str) -> str:
    """A short line with a number: its calendar words and the numbers of its dates and times as one mark each ("March
    9th" and "March 10th", "9:05" and "10:05" alike); other numbers keep their length ("failed units: 1" is not
    "failed units: 14", review 14)."""
    line = _CALENDAR_RE.sub("@", line.lower())
    line = line if line.isascii() else _CJK_CALENDAR_RE.sub("@", line)
    return _NUMBER_RE.sub("#", line)
