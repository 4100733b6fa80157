"""Which numbers in a check-in count things to act on, and which only stamp, name, time, bound or measure them.

"matched=4", "New help requests: 2" and "churn fell to 3%" count; "2026-12-02 07:15", "db-02", "15 min", "21,5 °C",
"(target 20–23)" and "build 9921" do not. Used by the quiet-report reader (`quiet.py`), the check-in model's count
guard (`learned.py`) and the counted-news check (`counted.py`); split from quiet.py when it passed 400 lines.
"""

from __future__ import annotations

import re

from larouter.routing.statustime import STAMP_RE

NONZERO_RE = re.compile(r"[1-9١-٩۱-۹१-९১-৯]")  # a number that is not zero (once stamps and names are removed): something to report
# Names, durations and full houses are not counts: "JKT-03", "db-02", "V1-V4", "CM2-B", store "0417", "5xx"; "24h",
# "15 min", "30 分钟"; "9/9".
NAMES_RE = re.compile(r"\b[^\W\d_][\w-]*\d[\w-]*|(?<![\d.,])0\d+(?![\d.,])|#\d+|\*/\d+"  # "*/15": a cron step
                       r"|\b[1-5][xX]{2}\b"  # "5xx": a class of HTTP statuses
                       r"|\b\d+\s?(?:(?:ms|s|sec|secs|m|min|mins|h|hr|hrs|d|days?|w|(?i:hours?|weeks?|tagen?|stunden?|jours?"
                       r"|heures?|d[ií]as|horas?|giorni|ore|dni|godzin|дн[яей]+|час[аов]*|gün|saat\w*|hari|jam|ngày|giờ|dagen"
                       r"|uur|dagar|timmar|päivää|tuntia|päeva|dage|dager|dní|dnů|napon|zile|ημέρες|ημερών|ימים|أيام|روز|दिन|วัน))\b"
                       r"|分钟|分鐘|小时|小時|時間|秒|分|天|시간|분|초)|\b(\d[\d,.]*)\s?/\s?\1\b")

# More durations, for the clauses of quiet reports only (`bare_clause`): in the model's count guard they stay
# counts, because behind "sprawdzenie co 30 minut" the model misread news written in words ("WYKRYTO WODĘ") as quiet.
DURATIONS_RE = re.compile(r"\b\d+\s?(?:дни|дней|минут[аы]?|минути|часа|годин[аи]?|хвилин[аи]?|днів|דקות|שעות|دقيقة|دقائق"
                           r"|ساعات|ساعة|ساعت|دقیقه|मिनट|घंटे|दिवस|মিনিট|ঘণ্টা|দিন|dakika|perc|óra|nap|minut[aey]?|hodin"
                           r"|phút|นาที)(?!\w)")
# A measured value with its unit ("21,5 °C", "610 ppm", "4,1 kW", a percentage as a label's value: "Battery: 87 %"):
# a reading, not a count of things to act on ("revenue grew 12%, churn fell to 3%" is news). `counts_something`
# (the model's count guard, a report's header) reads past them and leaves the words around them to the model; the
# clauses of quiet reports still read a reading without a stated range as news.
READING_RE = re.compile(r"(?<![\w.,])[+−-]?\d+(?:[.,]\d+)?\s?(?:°\s?[CF]?|ppm|k?Wh?|V|bar|hPa|mm|km/h|m/s|lux|dB)(?!\w)"
                         r"|(?<=[:=：])\s*(?:\d+(?:[.,]\d+)?\s?%|%\d+(?:[.,]\d+)?)(?!\w)")  # "Battery: 87 %", "nem=%45"


# Numbers that bound, order or time a report rather than count anything in it (`counts_something` only): a stated
# range or reference in brackets ("(target 20–23)", "(<1000)", "(threshold £500)", "(limit 40 %)"), a range
# ("18–21"), a list's item numbers ("1. Check the site"), a clock time ("6pm", "3 o'clock"), a level in percent or
# an amount ("humidity 46 %", "balance £2,314"), but not a change ("churn fell to 3%": news, `CHANGE_RE`).
_NUM = r"[<>≤≥~]?\s?[£$€¥₹]?\d[\d.,]*\s?(?:%|°\s?[CF]?|[^\W\d_]{1,4}\b)?"
REFERENCE_RE = re.compile(rf"\((?:[^\W\d_]+\.?\s){{0,2}}{_NUM}(?:\s?[–—-]\s?{_NUM})?\)"
                           r"|(?<![\w.,:])\d+(?:[.,]\d+)?–\d+(?:[.,]\d+)?(?![\w.,])"
                           r"|(?m:^[ \t]*\d{1,2}[.)](?=\s))|(?<![\w.,])\d+(?:[.,]\d+)?\s?%|[£$€¥₹]\s?\d[\d.,]*"
                           r"|(?i:(?<![\w.,])\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\b\d{1,2} o'clock\b)"
                           # an id ("checkpoint=1ef3a2c9-8b41-…"), a reading in a unit ("T=14.2C", "104 mg/dL"), a
                           # label's number ("build 9921", "round 14", "cycle 37")
                           r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,}(?:-[0-9a-f]{4,12})*\b"
                           r"|(?<![\w.,])\d+(?:[.,]\d+)?(?:[CF]|\s?(?:mg/dL|mmol/L|bpm|mmHg|kg))\b"
                           r"|(?i:\b(?:build|run|cycle|round|tick|poll|sweep|job|iteration|batch|pass|snapshot|seq|checkpoint)"
                           r"\s?[#:]?\s?\d+(?![\d:.,]))")


CHANGE_RE = re.compile(r"(?i:\b(?:grew|fell|rose|dropped|jumped|climbed|declined|increased|decreased|up|down|by|to)"
                        r"\s+[+−-]?\d+(?:[.,]\d+)?\s?%)")


def bare(text: str) -> str:
    """The text without its time stamps, names and durations: what is left of its numbers counts things."""
    return NAMES_RE.sub(" ", STAMP_RE.sub(" ", text))


def bare_clause(clause: str) -> str:
    """A report's clause without its stamps, names and durations in any language ("7 дни", "45 perc")."""
    return DURATIONS_RE.sub(" ", bare(clause))


def counts_something(text: str) -> bool:
    """Whether a number other than zero is left once time stamps, names, durations and readings are removed
    ("matched=4", "New help requests: 2", "churn fell to 3%"; not "2026-12-02 07:15", "db-02", "15 min", "21,5 °C")."""
    return (NONZERO_RE.search(text) is not None
            and (CHANGE_RE.search(text) is not None
                 or NONZERO_RE.search(READING_RE.sub(" ", bare(REFERENCE_RE.sub(" ", text)))) is not None))


# What `counts_something` reads past: where a number is no count of things to handle.
NOT_COUNTS = (STAMP_RE, NAMES_RE, DURATIONS_RE, READING_RE, REFERENCE_RE)
