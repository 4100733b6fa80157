"""Dated items in a check-in: an item due on or before the check-in's own date is work; one due later, or saying
it is not due yet or already done, is not (`not_yet_due`, `done_item`).

A scheduler that inlines its to-do list ("Periodic wake-up (Mon 5 May 2025, 14:00) ... <item due="2025-05-05">Pay
council tax</item>") asks the agent to act on the items that are due; the rest of the list is the future. The
check-in's date is the first date in the turn: ISO ("2025-05-05", "2025-05-05T14:00Z"), "5 May 2025" or "May 5,
2025" (English month names, abbreviated or not). A due date is an ISO date after "due" ("due=", "due:", "due ").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from larouter.routing.calendar_names import MONTHS, WEEKDAYS, meridiem_around
from larouter.routing.standing import standing
from larouter.routing.weekdays import ANY_DAY_RE, ITEM_LINE_RE, TOKEN_RE, checkin_weekday, names_a_day, weekdays_of

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = r"(\d{4})-(\d{2})-(\d{2})"
_DAY_OF = r"\b(\d{1,2})\.?\s+(?:de\s+)?"  # "12 ", "12. ", "12 de "
# A date with a year; a word stands for the month and is looked up after (the ~100 names as alternatives, tried at
# every word, made the scan of a check-in ~2x slower).
_LETTER = r"(?:[^\W\d_]|[\u0900-\u0dff])"  # a letter, or an Indic vowel sign or virama (no \w: "नवंबर", "ডিসেম্বর")
_DATE_RE = re.compile(rf"(?<!\d){_ISO}(?!\d)|{_DAY_OF}({_LETTER}{{3,12}})\.?\s+(?:de\s+)?(\d{{4}})\b"
                      rf"|\b([^\W\d_]{{3,12}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
                      r"|(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])"  # 13.10.2025 (de, ru, pl, tr, ...)
                      r"|(\d{4})\s?[年년]\s?(\d{1,2})\s?[月월]\s?(\d{1,2})\s?[日일]"  # 2025年5月14日, 2025년 5월 14일
                      # 14/03/2026: day first, read only when the day cannot be a month (03/04/2026 is either)
                      r"|(?<![\d./])(1[3-9]|2\d|3[01])/(0?[1-9]|1[0-2])/(\d{4})(?![\d./])")
# Where a date can begin in an ASCII text: where a run of digits starts, or at the word before one ("April 30th,
# 2026": letters, an optional ".", spaces); the year-first form needs 年 or 년. `_dates` tries `_DATE_RE` there only
# (the pattern tried at every position cost ~50 us on a 300-character check-in).
_DIGIT_RUN_RE = re.compile(r"\d+")


def _dates(text: str) -> Iterator[re.Match[str]]:
    """`_DATE_RE.finditer(text)`."""
    if not text.isascii():
        yield from _DATE_RE.finditer(text)
        return
    end = 0  # where the last date found ends
    for run in _DIGIT_RUN_RE.finditer(text):
        for start in (_word_before(text, run.start()), run.start()):
            if start is not None and start >= end and (m := _DATE_RE.match(text, start)) is not None:
                yield m
                end = m.end()


def _word_before(text: str, at: int) -> int | None:
    """Where the word of letters before `at` starts, when only spaces (after an optional ".") lie between; else None."""
    i = at
    while i and text[i - 1].isspace():
        i -= 1
    if i == at:
        return None
    if i and text[i - 1] == ".":
        i -= 1
    word = i
    while word and text[word - 1].isalpha():
        word -= 1
    return word if word < i else None


_DUE_RE = re.compile(rf"\bdue\b\W{{0,3}}{_ISO}(?!\d)", re.I)
# A 12-hour clock's mark after a time ("5:05 PM", "7:30 a.m."): OpenClaw's `Current time:` line is written so.
_MERIDIEM = r"(?:\s?([AaPp])\.?[Mm]\b\.?)?"
TIME_RE = re.compile(rf"(?<![\d:.])([01]?\d|2[0-3])[:h]([0-5]\d)(?!\d|:\d){_MERIDIEM}")  # "18:00: gym", not "18:00:30"
# The check-in's time after its date, seconds allowed ("2026-03-02T16:00:00-05:00" is 16:00, never the offset's 05:00).
_CHECKIN_TIME_RE = re.compile(
    rf"(?<![\d:.])([01]?\d|2[0-3])[:h]([0-5]\d)(?::[0-5]\d(?:[.,]\d+)?)?(?![\d:]){_MERIDIEM}")


def minutes_at(m: re.Match[str]) -> int:
    """Minutes after midnight of a time matched by one of the time patterns: its "AM"/"PM", else a word for the part
    of the day beside it (`calendar_names.meridiem_around`: "शाम 7:00", "下午 3:40", "3:00 ng hapon")."""
    hour, minute, meridiem = m.group(1), m.group(2), m.group(3)
    return minutes(hour, minute, meridiem or meridiem_around(m.string, m.start(), m.end()))


def minutes(hour: str, minute: str, meridiem: str | None = None) -> int:
    """Minutes after midnight of a matched time; `meridiem` "a"/"p" (any case) reads it on a 12-hour clock."""
    h = int(hour)
    if meridiem and h <= 12:
        h = h % 12 + (12 if meridiem in "pP" else 0)
    return h * 60 + int(minute)


_DATE_STRIP_RE = re.compile(_ISO)  # (an ISO date's "-05-06" holds no time, but is read out before the times are)
_ZONE_AFTER_RE = re.compile(r"\s?(?:[A-Z]{2,5}\b|[+-]\d{2}:?\d{2}|Z\b)")  # "15:30 CEST", "15:30+02:00"


# The check-in's date, its time of day in minutes after midnight, and its day of the week (Monday 0; from the date, or
# named without one: "hoje é terça-feira").
Checkin = tuple[dt.date | None, int | None, int | None]


# What labels the check-in's own date when the turn names others first ("Phone — paid 2026-03-02 … Today: 2026-03-12",
# "Current time: Friday, May 22nd, 2026").
_TODAY_RE = re.compile(r"(?:\btoday|\bcurrent (?:date|time)|\bas of|\bheute|\baujourd'hui|\bhoy|\boggi|\bhoje"
                       r"|\bvandaag)\W{0,3}(?:[a-z]{3,9}\W{1,3})?$", re.I)
_TODAY_WORDS = ("today", "current", "as of", "heute", "aujourd", "hoy", "oggi", "hoje", "vandaag")


_DIGIT_RE = re.compile(r"\d")


def checkin(text: str) -> Checkin:
    """The check-in's own date, the time just after it ("March 2nd, 2026 — 14:05", "2026-03-03 10:15"): the date
    labelled as today ("Today: 2026-03-12"), else the first date in the turn that is not a due date; (None, None)
    when the turn names no date."""
    if _DIGIT_RE.search(text) is None:  # (a C scan: the generator cost ~4 us on a check-in)
        return None, None, checkin_weekday(text)
    lower = text.lower()
    labels = any(map(lower.__contains__, _TODAY_WORDS))  # else the first date is the one: no need to read on
    first = None
    for m in _dates(text):
        month = m[5] or m[7]  # (None for an ISO date)
        if "due" in lower[max(0, m.start() - 8) : m.start()] or (month is not None and month.lower() not in MONTHS):
            continue
        labelled = labels and _TODAY_RE.search(text, max(0, m.start() - 30), m.start()) is not None
        if first is None or labelled:
            first = m
        if labelled or not labels:
            break
    if first is None:
        return _weekday_time(text)
    g = first.groups()
    if g[0]:
        day = _date(int(g[0]), int(g[1]), int(g[2]))
    elif g[3]:
        day = _date(int(g[5]), MONTHS[g[4].lower()], int(g[3]))
    elif g[6]:
        day = _date(int(g[8]), MONTHS[g[6].lower()], int(g[7]))
    elif g[9]:
        day = _date(int(g[11]), int(g[10]), int(g[9]))
    elif g[12]:
        day = _date(int(g[12]), int(g[13]), int(g[14]))
    else:
        day = _date(int(g[17]), int(g[16]), int(g[15]))
    t = _CHECKIN_TIME_RE.search(text, first.end(), first.end() + 40)
    if t is None:  # the time just before: "Current time: 09:12 (Thu 2026-04-16, America/Chicago)"
        t = last_match(_CHECKIN_TIME_RE.finditer(text, max(0, first.start() - 24), first.start()))
        if t is not None and not _TIME_THEN_DATE_RE.fullmatch(text, t.end(), first.start()):
            t = None  # ("Deploy at 17:00 done. Report 2026-04-16": another time)
    return day, (minutes_at(t) if t else None), day.weekday() if day else None


def _weekday_time(text: str) -> Checkin:
    """A check-in without a date: its day of the week, and the time of day written right after that day outside the
    list's items ("Morning sweep (Tue 08:30 PT)", "check-in fri 14:40"); None for what it does not say."""
    weekday = checkin_weekday(text)
    if weekday is None:
        return None, None, None
    for line in text.lower().splitlines():
        if ITEM_LINE_RE.match(line) or not names_a_day(line):
            continue
        for m in ANY_DAY_RE.finditer(line):
            if WEEKDAYS[m.group(1)] == weekday and (t := _DAY_TIME_RE.match(line, m.end())) is not None:
                return None, minutes_at(t), weekday
    return None, None, weekday


_DAY_TIME_RE = re.compile(rf"\.?,?\s{{1,2}}(?:at\s)?([01]?\d|2[0-3])[:h]([0-5]\d)(?![\d:]){_MERIDIEM}")


_TIME_THEN_DATE_RE = re.compile(r"[\s,(\[–—-]*(?:[^\W\d_]{2,9}\.?,?\s*)?")  # ", Thu ", " (Thu "


def last_match(found: Iterator[re.Match[str]]) -> re.Match[str] | None:
    """The last of an iterator's matches (`pattern.finditer`), or None."""
    m = None
    for m in found:
        pass
    return m


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # "2025-02-30" is no date
        return None


# An open item that says it is not due yet: "(not yet)", "next week", "pas volgende week", "아직 아님", "अभी समय नहीं हुआ"
# (its time has not come).
# (Not "not yet" alone: "noch nicht versendet" is an item not yet done, maybe due now; nor "tomorrow": a bill due
# tomorrow is worth telling the user today.)
_NOT_YET_RE = re.compile(
    r"\bnot (?:yet )?due\b|\bnot due yet\b|\bnot until\b|\bnext (?:week|month)\b"
    r"|\((?:not yet|noch nicht|pas encore|todavía no|ainda não|nog niet|non ancora|ещё нет|еще нет|아직 아님|まだ)\)"
    r"|\bpas avant\b|\bla semaine prochaine\b|\berst (?:nächste|ab|am)\b|\bnächste woche\b|\bla próxima semana\b"
    r"|\bsemana que vem\b|\bvolgende week\b|\bla prossima settimana\b|на следующей неделе|다음 주|来週|下周"
    r"|अभी समय नहीं|belum waktunya|belum saatnya|henüz zamanı gelmedi|chưa đến giờ|لم يحن|ยังไม่ถึงเวลา", re.I)
# An item that reports itself done: a done word after its dash, colon or bracket ("— taken", "(sent 08:01)", "[sent]"), or
# closing it in scripts that put the verb last ("택배 … 수령 완료").
_DONE_RE = re.compile(r"(?:(?:[—–:(]|\s-)\s*|\[)(?:last\s+)?(?:done|sent|taken|completed|finished|handled|paid|posted|published|filed|submitted|erledigt|fait|terminé"
                      r"|hecho|hecha|feito|feita|klaar|gedaan|fatto|выполнено|сделано|wykonan[aeoy]|wykonano|zrobion[aeoy]"
                      r"|hotovo|klart|tamamlandı|selesai)\b|(?:완료|完了|完成|済み|済|成功|성공)[\W\d]*$", re.I)
_DAY_MONTH_RE = re.compile(rf"{_DAY_OF}({_MONTH})\b\.?|\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
_SOME_MONTH_RE = re.compile(rf"\b(?:mid-|mid |early |late |end of )({_MONTH})\b", re.I)  # ("in May" is no date: "remind
# me before it's due in May" is due now, review 27; a checklist's "later" section says what is for later)


def later_or_done(item: str, when: Checkin) -> bool:
    """Whether an open list item needs nothing at this check-in: it says it is done ("Water plants — done today
    08:10") or it is for later (`not_yet_due`); never one that says something failed ("cert expires today 23:59
    (renewal failed)")."""
    if _FAILED_RE.search(_CONDITIONAL_TAIL_RE.sub(" ", item) if "if" in item or "when" in item else item):
        return False
    return _DONE_RE.search(item) is not None or not_yet_due(item, *when) or standing(item, when)


# A failure the item only names as its condition ("check the backup log and tell Marta only if it failed"): no failure.
_CONDITIONAL_TAIL_RE = re.compile(r"\b(?:only )?(?:if|when|whenever)\b[^.;()]*", re.I)
_FAILED_RE = re.compile(r"(?<!\b0 )(?<!\bno )(?:\bfail(?:ed|ing|s|ure)?\b|失败|失敗|실패|fehlgeschlagen|échoué|falló|falhou"
                        r"|fallito|mislukt|nieudan|не удалось)", re.I)  # (not "0 failed", "no failures"; not "errors": "0 errors")


# A time that is a deadline ("pay by 17:00", "due today 17:00", "last chance … 17:00") is due all day, not later.
_DEADLINE_RE = re.compile(r"\b(?:due|by|until|till|before|deadline|last chance|expires?|closes?|vence|fällig|bis|scade"
                          r"|échéance|avant|antes|до|do|najpóźniej|kadar|senast|senest|innen|sebelum|μέχρι|έως"
                          r"|viimeistään|mennessä|până|قبل|حتى)\b(?!\s*(?:[.;,)!]|$))", re.I)
# ("do", "до": a deadline's "by" in pl, cs, ru, uk; a deadline word names its deadline: not "… needed 30 min before.")


def day_labelled(item: str) -> bool:
    """Whether a list item is labelled with a day of the week ("Wed: pay rent"): a scheduled item, like a timed one."""
    return weekdays_of(_unboxed(item)) is not None


# An open checkbox before an item's label ("[ ] Sun 09:00 replace the battery"), and a time the item opens with: its
# schedule, whatever deadline its text names ("14:00 remind Noor: dentist at 14:45, leave by 14:15").
_BOX_RE = re.compile(r"^\[ \]\s*")
# An hour on a 12-hour clock without its minutes that schedules the item: after it, or leading it ("Tuesday evening
# (after 6pm)", "6pm: call mum"); not the hour of something else the item names ("book a table for 7pm", "the plumber
# comes at 4pm", review 31).
_HOUR_RE = re.compile(r"(?:\b(?:after|from|ab|nach|après|después de|dopo le|depois das)\s+|^\W*)"
                      r"(1[0-2]|0?[1-9])\s?([AaPp])\.?[Mm](?![a-z])", re.I)


def scheduled(item: str) -> bool:
    """Whether an item names its own time or day ("Thursday 09:00: …", "today: …", "ASAP: …", "15 May")."""
    low = item.lower()
    return (next(_own_times(item), None) is not None or _HOUR_RE.search(item) is not None or re.search(_ISO, item) is not None
            or _DAY_MONTH_RE.search(item) is not None or not _OWN_WHEN.isdisjoint(TOKEN_RE.findall(low))
            or day_labelled(item) or names_a_day(low) and ANY_DAY_RE.search(low) is not None)


def _own_times(item: str) -> Iterator[re.Match[str]]:
    """The item's times of day that schedule it: not one after "for", the time of something the item books or sets
    ("book a table for 19:00", "set an alarm for 6:30": to be done now, review 31)."""
    for t in TIME_RE.finditer(item):
        if _FOR_RE.search(item, max(0, t.start() - 8), t.start()) is None:
            yield t


_FOR_RE = re.compile(r"\b(?:for|für|pour|para|per|voor)\s+(?:um\s+|à\s+|las\s+|le\s+)?\Z")
_OWN_WHEN = frozenset("today tonight tomorrow now asap immediately heute morgen jetzt sofort hoy mañana ahora "
                      "aujourd'hui demain maintenant oggi domani adesso hoje amanhã agora vandaag morgen nu".split())
_LEAD_TIME_RE = re.compile(rf"(?:at\s+)?([01]?\d|2[0-3])[:h]([0-5]\d)(?!\d|:\d)\b{_MERIDIEM}")


# When a recurring item was last done: a date in the item's history, not its due date.
_HISTORY_RE = re.compile(rf"\b(?:last(?: \w+)?|(?:was |were )?(?:sent|posted|paid|done) last)\s*[:=]?\s*(?:on )?"
                         rf"(?:[A-Za-z]{{3,9}},? )?(?:{_ISO}(?:[ T]\d{{1,2}}:\d{{2}})?"
                         rf"|\d{{1,2}}\.? (?:{_MONTH})\.?(?: \d{{4}})?|(?:{_MONTH})\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?)\b",
                         re.I)  # ("Last sent: 2026-07-13", "Last sent: Friday 1 May 2026", "last done Mar 3")


def _unboxed(item: str) -> str:
    return _BOX_RE.sub("", item) if item.startswith("[") else item


def not_yet_due(item: str, today: dt.date | None, now: int | None = None, weekday: int | None = None) -> bool:
    """Whether an open list item is for later: it says so, every date it names (a full date, a day and month of the
    check-in's year, "mid-April") comes after the check-in's own date `today`, its day of the week is another day
    than the check-in's ("Fri: water plants" on a Monday; "Mon-Fri" on a Saturday), or, on the check-in's day or
    naming no day, its time of day comes after the check-in's (`now`, minutes after midnight: "18:00 today: remind
    Sam" at 14:05). A check-in that names no date may still name its day of the week (`weekday`): only the day
    labels are read then."""
    if _NOT_YET_RE.search(item):
        return True
    if today is None and weekday is None:
        return False
    item = _unboxed(item)
    if "last" in item or "ast " in item or "aid " in item:  # (ASCII gate of `_HISTORY_RE`)
        item = _HISTORY_RE.sub(" ", item)  # "Weekdays 17:00: send the digest. Last sent: Mon 2026-07-13": not a due date
    dated = re.search(_ISO, item) is not None or _DAY_MONTH_RE.search(item) is not None
    if not dated and (labelled := weekdays_of(item)) is not None:
        days, next_week = labelled
        if next_week or (today.weekday() if today is not None else weekday) not in days:
            return True
    if today is None and dated:  # a day of the week and its time, no date: an item's dates need the date
        return False
    if (now is not None and (lead := _LEAD_TIME_RE.match(item)) is not None
            and (not dated or _DEADLINE_RE.search(item))):  # (a date beside a deadline word is the deadline's)
        return minutes_at(lead) > now  # its schedule: "14:00 remind Noor: … leave by 14:15"
    if now is not None and not dated and not _DEADLINE_RE.search(item):
        times = [minutes_at(t) for t in _own_times(item)] + [
            minutes(hour, "00", meridiem) for hour, meridiem in _HOUR_RE.findall(item)]  # ("after 6pm", blind v48)
        if times:
            return all(t > now for t in times)
    if today is None:
        return False
    dates = [_date(int(y), int(m), int(d)) for y, m, d in re.findall(_ISO, item)]
    if not dates:
        for m in _DAY_MONTH_RE.finditer(item):
            day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            dates.append(_date(today.year, MONTHS[month.lower()], int(day)))
    if dates:
        if all(d is not None and d > today for d in dates):
            return True
        # the check-in's own day with a time still to come ("Wednesday 6 May, 16:30 — remind Wanjiru" at 14:00)
        undated = _DATE_STRIP_RE.sub(" ", item)
        times = [t for t in TIME_RE.finditer(undated) if not _ZONE_AFTER_RE.match(undated, t.end())]  # (another
        # zone's clock, "15:30 CEST" at 14:00 UTC, is not compared)
        return (now is not None and all(d == today for d in dates) and not _DEADLINE_RE.search(item) and bool(times)
                and len(times) == len(TIME_RE.findall(undated)) and all(minutes_at(t) > now for t in times))
    months = [MONTHS[m.lower()] for m in _SOME_MONTH_RE.findall(item)]
    return bool(months) and all(month > today.month for month in months)
