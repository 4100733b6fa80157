"""Checklist items that are never due at a check-in of their own accord: standing rules and conditions.

A HEARTBEAT.md holds tasks, but also the rules the agent keeps while doing them ("Quiet hours 23:00–07:30: never
message", "Weekends: no work reminders at all", "22:30 以后不要发消息"), things to do only when something happens ("If
an email from the letting agent arrives, summarise it"), windows ("check on Imani in the afternoon (daytime only,
09:00–20:00)" at 23:50), items ticked off with a mark ("今天已提醒 ✓"), and monthly dates that are not today ("Rent
reminder: 28th of each month" on the 11th). None of these is work at this check-in; `due.later_or_done` asks here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from larouter.routing.due import Checkin

# A rule about when or whether to speak, not a task: "never message", "don't send … at night", "no work reminders",
# "stay quiet", "only message Marco for production incidents" (English, the main European languages, zh, ja, ko).
_RULE_RE = re.compile(
    r"\b(?:never|do not|don't|dont|no)\s+(?:\w+\s+){0,2}(?:message|messages|messaging|send|sending|ping|pinging|"
    r"notify|notifications?|remind|reminders?|disturb|contact|call|post|reply|wake|alerts?)\b"
    r"|\bstay (?:quiet|silent)\b|\bonly (?:message|ping|notify|contact|alert|wake)\b"
    r"|\b(?:nie|keine?n?)\s+(?:\w+\s+){0,2}(?:nachrichten|schreiben|senden|stören|erinnerungen?|benachrichtigen)\b"
    r"|\bne (?:pas |jamais )?(?:envoyer|écrire|déranger|notifier)\b|\bjamais de (?:message|notification)s?\b"
    r"|\bno (?:enviar|escribir|molestar|mandar)\b|\bnão (?:enviar|escrever|incomodar|mandar)\b"
    r"|不要(?:发|發|打扰|打擾|提醒|通知)|别(?:发|打扰)|(?:送ら|連絡し|通知し)ない|(?:보내지|연락하지|알리지) ?마"
    # an item done by something else, that the heartbeat leaves alone ("cron handles this, skip in heartbeats")
    r"|\bskip (?:it |this )?(?:in|during|on|at) (?:the )?(?:heartbeats?|check-?ins?|polls?)\b"
    r"|\b(?:cron|automation|a script|a job) (?:handles|does|sends|covers) (?:this|it)\b"
    r"|\b(?:handled|done|sent|covered) (?:by|via) (?:cron|automation|a script|a cron ?job)\b",
    re.I)
# An item whose action waits for something to happen: "If an email … arrives, summarise it", "When Ana replies,
# …", "Si …", "Wenn …", "如果…", "Kalau ada pesan …", "Если …", "अगर …" (an item's condition is state the check-in
# does not show; the agent checks it).
_CONDITION_RE = re.compile(r"(?:if|when|whenever|unless|si|wenn|falls|sobald|se|als|quando|cuando|kalau|jika|apabila"
                           r"|bila|eğer|jeśli|jeżeli|gdy|если|когда|якщо|коли|jos|kun|nếu|khi|αν|όταν|dacă|ha)\b"
                           r"|如果|若|一旦|もし|만약|만일|अगर|यदि|إذا|اذا|اگر|אם|ถ้า", re.I)
# A mark that ticks an item off, anywhere in it ("(today: reminded ✓)", "✅ sent 16:02").
_TICKS = ("✓", "✔", "✅", "☑")
# A window of the day ("09:00–20:00", "between 22:00 and 08:00", "entre 22:00 y 08:00", "7:30〜8:00"): an item limited to it waits
# outside it.
_WINDOW_RE = re.compile(r"(?<![\d:])([01]?\d|2[0-3])[:.]([0-5]\d)\s*(?:–|—|-|〜|~|～|to|and|bis|und|à|a|et|y|e|en)\s*"
                        r"([01]?\d|2[0-3])[:.]([0-5]\d)(?!\d|:\d)")  # (a label's colon may follow: "08:30–09:00: …")
# A day of every month: "28th of each month", "on the 1st of every month", "monthly on the 15th", "jeden 3. des Monats",
# "毎月25日", "每月5号", "매월 25일", "den 25:e" (Swedish: monthly in a checklist), "ngày 5 hàng tháng", "le 5 de chaque
# mois", "el 5 de cada mes", "todo dia 5", "5-го числа каждого месяца", "il 5 di ogni mese".
_MONTHLY_RE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?(?:each|every|the) month\b|\bmonthly,? on the (\d{1,2})"
                         r"(?:st|nd|rd|th)?\b|\bjeden (\d{1,2})\. (?:des|im) monat|(?:毎月|每月|매월)\s?(\d{1,2})\s?[日号號일]"
                         r"|\bden (\d{1,2}):e\b|\bngày (\d{1,2}) hàng tháng|\ble (\d{1,2}) (?:de )?chaque mois"
                         r"|\b(?:el )?(?:día )?(\d{1,2}) de cada mes|\btodo dia (\d{1,2})\b"
                         r"|\b(\d{1,2})(?:-го)? числа(?: каждого)? месяца|\bil (\d{1,2}) di ogni mese", re.I)
# Days labelled as a class: "Weekdays 08:45: …" waits on a Saturday, "Weekends: …" on a Monday; "vardagar", "平日".
_WORKDAYS_RE = re.compile(r"^(?:\[ \]\s*)?(?:on |every )?(weekdays|weekends|week-?days|week-?ends|werktags|wochenends"
                          r"|vardagar|helger|hverdage|hverdager|werkdagen|平日|工作日|周末|週末|평일|주말)(?!\w)", re.I)
_WORKDAY_CLASS = ("weekday", "week-day", "werktag", "vardagar", "hverdage", "werkdagen", "平日", "工作日", "평일")


def standing(item: str, when: Checkin) -> bool:
    """Whether an open list item is a rule, a condition, ticked off, outside its window or for another day of the
    month or week (see the module's docstring); `when` is the check-in's (date, minutes after midnight, weekday)."""
    text = item.lstrip("-*+•[] \t")
    if _RULE_RE.search(text) or _CONDITION_RE.match(text) or any(tick in item for tick in _TICKS):
        return True
    today, now, weekday = when
    weekday = today.weekday() if today is not None else weekday
    if weekday is not None and (m := _WORKDAYS_RE.match(text)) is not None and (
            (weekday >= 5) == m.group(1).lower().startswith(_WORKDAY_CLASS)):
        return True  # (on one of its days, its window, below, still counts: "Weekdays 08:30–09:00: …" at 13:10)
    if now is not None and (m := _WINDOW_RE.search(text)) is not None:
        start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
        inside = start <= now < end if start <= end else (now >= start or now < end)  # (a night window wraps)
        if not inside:
            return True
    if today is not None and (m := _MONTHLY_RE.search(text)) is not None:
        return int(next(g for g in m.groups() if g)) != today.day
    return False
