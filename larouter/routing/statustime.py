"""Times in a status report: a stamp that makes a report a scheduled one (`STAMP_RE`), and what a status line says when it
only times an event ("last run 09:00", "laatste sync 06:12", "updated 10:02"): no news, and no task either."""

from __future__ import annotations

import re

# What a clause says when it only times an event: "last run", "next sync", "updated", "since" (and "last" in a few
# languages), followed by its time.
STATUS_TIME_RE = re.compile(r"(?:(?:last|next|previous|letzte[rns]?|nächste[rns]?|derni[eè]re?|prochaine?|[uú]ltim[oa]"
                            r"|pr[oó]xim[oa]|ostatni[aey]?|następn[aey]|последн\w*|следующ\w*|laatste|volgende|vorige"
                            r"|senaste|nästa|seneste|næste|siste|neste)(?:\s+[^\W\d_]+){1,2}"
                            r"|since|updated|as of|checked(?: at)?|seit|depuis|desde|dal)\s*[:=]?", re.I)
# The same with its time, opening a list item or its value ("voorraad-sync: laatste run 09:00, 0 fouten"): a status
# line, not a task timed 09:00 (not "remind Sam about the last payment at 17:00").
TIMED_STATUS_RE = re.compile(r"(?:^|^[^:\n]{1,40}:\s*)(?:" + STATUS_TIME_RE.pattern
                             + r")\s*(?:\d{4}-\d{2}-\d{2}[T ])?\d{1,2}[:.h]\d{2}\b", re.I)

_W = r"[^\s\d,;:|·•—–()\[\]{}<>=\"'«»]"  # a character of a month's name, in any script (marks included)
# A clock time, a date, a relative or epoch stamp: what makes an unnamed report a scheduled one. ISO date-times
# ("2025-04-07T01:00:00Z", "20250118T220000Z") and dates ("2025/04/01", "04.02.2025") are one stamp each.
STAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
                      r"|(?<!\d)\d{8}T\d{4,6}Z?(?!\d)|(?<!\d)\d{4}[/.]\d{1,2}[/.]\d{1,2}\.?(?!\d)"
                      r"|(?<!\d)\d{1,2}[./-]\s?\d{1,2}[./-]\s?\d{4}(?!\d)"  # "04-03-2026", "2. 3. 2026", "2/3-2026"
                      # Written dates, in any language and calendar: day, month word(s), year ("2 de marzo de 2026",
                      # "4 ga Maris 2026", "١٤ رمضان ١٤٤٧", "4 मार्च 2026"); month, day, year ("March 4, 2026"); year
                      # first ("2026年3月4日", "2026-يىل 3-ئاينىڭ 4-كۈنى", "२०८२ फागुन २० गते"); "3月4號".
                      rf"|(?<![\d.,])\d{{1,2}}(?:\.|{_W}{{1,3}})?\s(?:{_W}{{1,4}}\s)?{_W}+(?:\s{_W}{{1,4}})?,?\s\d{{4}}(?!\d)"
                      rf"|(?<![\d.,]){_W}{{3,}}\s\d{{1,2}}(?:st|nd|rd|th)?,?\s\d{{4}}(?!\d)"
                      rf"|(?<![\d.,])\d{{4}}(?:年|년|-?{_W}{{1,4}})?\s?(?:\d{{1,2}}(?:月|월|-?{_W}{{1,8}})|{_W}{{2,12}})\s?\d{{1,2}}(?!\d)"
                      r"|(?<!\d)\d{1,2}[月월]\s?\d{1,2}(?!\d)"
                      r"|\b(?:UTC|GMT)\s?[+−-]\s?\d{1,2}(?::?\d{2})?(?!\d)"  # "(UTC+8)"
                      r"|(?<!\d)\d{1,2}[:.h时時]\d{2}(?::\d{2})?(?!\d)|\bT\+\d+|(?<!\d)\d{9,10}(?!\d)"
                      r"|(?<![\d.,])\d{1,2}\s?h(?:\s\d{2})?(?!\w)|\bkl\.?\s?\d{1,2}(?:[:.]\d{2})?\b"  # "19h", "14 h 15", "kl 08", "kl. 07:30"
                      r"|(?<!\d)\d{1,2}\s?(?:টা|বাজে|बजे|वाजता|ਵਜੇ|بجے|時(?!間)|时(?!间)|시(?!간)|點|点)(?!\d)"  # "১০টা", "९ बजे", "오후 2시"
                      # (not "1時間", "2시간": hours, a duration)
                      r"|[٠-٩۰-۹]{1,2}:[٠-٩۰-۹]{2}"
                      r"|(?:ساعت|الساعة)\s*\d{1,2}(?!\d)")  # "ساعت ۱۶": an hour (Persian and Arabic digits are \d)


# A line that gives the time in any language: a short label, then a date or time ("현재 시각: 2026년 3월 21일 …",
# "Current time: Tuesday, March 24th, 2026 - 1:10 PM", "Hora actual: 14:05"); a weekday may come first.
_CLOCK_LABEL_RE = re.compile(r"\s*[^\W\d_][^:：\n]{0,24}[:：]\s*(?:[^\W\d_]+,?\s+)?")


def clock_line(sentence: str) -> bool:
    """Whether the sentence is such a line: its value opens with a date with its year or a time with a colon (not a
    reading, "rate: 0.03%", nor a meeting, "予定：15時の定例会議")."""
    m = _CLOCK_LABEL_RE.match(sentence)
    stamp = STAMP_RE.match(sentence, m.end()) if m is not None else None
    return stamp is not None and _DATED_RE.search(stamp.group()) is not None


_DATED_RE = re.compile(r"\d{4}|\d:\d\d")
