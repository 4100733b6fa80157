"""What a check-in reports as work in its own statements: new items, something overdue, counted items described,
a part of a fleet down, a labelled count of things to handle, payload records. Split from heartbeat.py when it
reached 400 lines.
"""

from __future__ import annotations

import itertools
import re

from larouter.routing.acks import CLAUSE_ENDS
from larouter.routing.asking import QUESTION_MARKS
from larouter.routing.compiled import SENTENCE_SPLIT_RE, Check, Compiled, present
from larouter.routing.overdue import overdue_items
from larouter.routing.payload import payload_records
from larouter.routing.quiet import says_none
from larouter.routing.readings import short_of_alert
from larouter.routing.tokens import word_tokens


def reports_work(text: str, rules: Compiled) -> bool:
    """Whether a statement (not a question: "is anything overdue?") in the poll reports work: new items, overdue,
    counted items described, items due by the check-in's date."""
    lower = text.lower()
    checks = [c for c in rules.hb_work_due if c.search(text, lower)]
    if checks and any(_reported(s, c, rules) for s in _sentences(text) if not _question(s) for c in checks):
        return True
    return (any(_described(m.group(m.lastindex or 0), rules) for m in rules.hb_described_count.finditer(text))
            or overdue_items(text) or _part_down(text) or _labelled_count(text, lower) or payload_records(text)
            or _message_line(text, lower, rules))


# A line that shows a message itself ("Latest email: Dana Kim — "Contract attached, please sign …"", "latest DM from
# @kira: "someone is posting my address"", "最新メール: 田中様「…」"): what it says is news, whatever idle reply the poll
# asks for (review 14); not one that says there is none ("latest email: none", "new messages: 0").
_MESSAGE_LINE_RE = re.compile(r"^[^\S\n]*(?:[-*•·][^\S\n]*)?(?:latest|last|newest|new|unread|incoming)[^\S\n]+"
                              r"(?:e-?mail|mail|message|dm|sms|text|chat message|comment|reply|review|voicemail)"
                              r"(?:[^\S\n]+(?:from|by)[^\S\n]+[^:\n]{1,40})?[^\S\n]*:[^\S\n]*(\S[^\n]*)"
                              r"|^[^\S\n]*(?:最新|新着|最近的|最新的)(?:メール|メッセージ|邮件|消息|信息)[^\S\n]*[:：][^\S\n]*(\S[^\n]*)",
                              re.I | re.M)
_MESSAGE_GATE = ("latest", "last ", "newest", "new ", "unread", "incoming", "最新", "新着", "最近的")
_MESSAGE_NOUNS = ("mail", "message", "dm", "sms", "text", "chat", "comment", "repl", "review", "voicemail", "メール",
                  "メッセージ", "邮件", "消息", "信息")


def _message_line(text: str, lower: str, rules: Compiled) -> bool:
    if not any(map(lower.__contains__, _MESSAGE_NOUNS)) or not any(map(lower.__contains__, _MESSAGE_GATE)):
        return False
    for m in _MESSAGE_LINE_RE.finditer(text):
        shown = m[1] or m[2]
        if not (says_none(shown, rules.quiet) or shown.strip(" .") in ("-", "—", "0", "[]")):
            return True
    return False


# Not a date ("report 2026-04-26"), a share, nor a duration or age ("last message 41 min ago", "message: 3h12m ago")
_COUNT_AFTER_RE = re.compile(r"(?<![\d.:/,])[1-9]\d*(?![\d:/%-]|[.,]\d|\s?%|[^\W\d_]|\s(?:min|mins|minutes?|h|hrs?|hours?"
                             r"|s|secs?|seconds?|ms|d|days?|weeks?|ago)\b)")
_COUNTED_NAME_RE = re.compile(r"(?<![^\W_])(?:orders?|messages?|e-?mails?|mails?|tickets?|alerts?|requests?|comments?"
                              r"|mentions?|dms|incidents?|complaints?|bookings?|reservations?|escalations?|refunds?"
                              r"|disputes?|chargebacks?|approvals?|callbacks?|invites?|invitations?|reviews?"
                              r"|questions?|leads?|appeals?|reports?|flags?|signups?|applications?)$")
_COUNTED_GATE = ("order", "message", "mail", "ticket", "alert", "request", "comment", "mention", "dms", "incident",
                 "complaint", "booking", "reservation", "escalation", "refund", "dispute", "chargeback", "approval",
                 "callback", "invit", "review", "question", "lead", "appeal", "report", "flag", "signup",
                 "application")


def _labelled_count(text: str, lower: str) -> bool:
    """The things to handle named first, then how many ("orders 3", "tickets: 2", "messages=4"; not "orders 0",
    "3/3", "4 %", nor a queue short of the alert beside it: "outgoing mail: 31 (alert > 400)"). Only when one of the names is there, then read from the digits back (a regex over the names
    cost ~17 us a turn, the digits' scan ~9)."""
    if not present(lower, _COUNTED_GATE):
        return False
    return any(_COUNTED_NAME_RE.search(text[max(0, m.start() - 16):m.start()].rstrip(" \t:=").lower())
               and not short_of_alert(text, m.start()) for m in _COUNT_AFTER_RE.finditer(text))


_FRACTION_RE = re.compile(r"(?<![\d./])(\d+)\s?/\s?(\d+)(?![\d./])")
_FLEET_RE = re.compile(r"\s+(?:[^\W\d]+\s+){0,2}?(?:online|up|ok|healthy|running|active|connected|reachable|green|alive"
                       r"|in sync|synced"
                       # "13/14 en línea", "5/6 erreichbar", "7/8 в сети" (fr, es, pt, it, de, nl, pl, ru, uk, tr)
                       r"|en l[ií]nea|en ligne|em linha|conectad[oa]s?|activ[oa]s?|ativ[oa]s?|connect[ée]s?|actifs?"
                       r"|collegat[ie]|attiv[ie]|erreichbar|verbunden|aktiv|bereikbaar|verbonden|w sieci|aktywn[ey]"
                       r"|в сети|онлайн|на связи|у мережі|çevrimiçi|aktif)(?!\w)", re.I)


def _part_down(text: str) -> bool:
    """"11/12 sensors online": a fleet count short of its total reports one down (9/9 is a full house). Read from
    the slashes with digits beside them: a regex scan of the whole turn costs ~30 ns a character, and check-ins
    carry "America/New_York" and "/ 2026-04-30" (7.6 us that way, 0.3 us this way)."""
    i = text.find("/")
    while i >= 0:
        if text[max(0, i - 2):i].rstrip()[-1:].isdigit() and text[i + 1:i + 3].lstrip()[:1].isdigit():
            m = _FRACTION_RE.search(text, max(0, i - 24), i + 24)
            if m is not None and int(m.group(1)) < int(m.group(2)) and _FLEET_RE.match(text, m.end()):
                return True
        i = text.find("/", i + 1)
    return False


def _sentences(text: str) -> list[str]:
    """The text's sentences, a label that ends its line joined to the value on the next ("Overdue tasks:" / "(none)")."""
    out: list[str] = []
    for s in SENTENCE_SPLIT_RE.split(text):
        if s:
            if out and out[-1].endswith((":", "：")):
                out[-1] += " " + s
            else:
                out.append(s)
    return out


def _reported(sentence: str, check: Check, rules: Compiled) -> bool:
    """Whether `check` finds work in the sentence outside a clause that says there is none ("nessun promemoria
    scaduto", "nenhuma tarefa vencida"; "no new mail, 2 tasks overdue" still reports)."""
    if not check.search(sentence, sentence.lower()):
        return False
    for m in check.rx.finditer(sentence):
        if _ANY_BEFORE_RE.search(sentence, max(0, m.start() - 32), m.start()):
            continue  # "do anything that is due now", "act on items that are due now": an instruction, no report
        start = max(map(sentence.rfind, CLAUSE_ENDS, itertools.repeat(0), itertools.repeat(m.start()))) + 1
        ends = [i for i in map(sentence.find, CLAUSE_ENDS, itertools.repeat(m.end())) if i >= 0]
        if not says_none(sentence[start : min(ends, default=len(sentence))], rules.quiet) and not _well_aside(
                sentence, m.start(), rules):
            return True
    return False


_ANY_BEFORE_RE = re.compile(r"\b(?:anything|whatever|everything|whichever|any items?|any tasks?"
                            r"|(?:on|only|just|do|handle|act on)(?: the)? (?:items?|tasks?|things?|what))(?: that| which)?"
                            r"(?: is| are|'s)?\s*$", re.I)  # ("Only act on items that are due now.")


def _well_aside(sentence: str, at: int, rules: Compiled) -> bool:
    """Whether `at` lies in brackets that also say all is well: "open PRs (3 open, all green)"."""
    opening = sentence.rfind("(", 0, at)
    closing = sentence.find(")", at)
    if opening < 0 or closing < 0 or ")" in sentence[opening:at] or closing - opening > 80:
        return False
    aside = sentence[opening + 1:closing]
    return rules.quiet.well.found(word_tokens(aside.lower()), aside)



def _described(items: str, rules: Compiled) -> bool:
    """Whether the words in brackets after a count describe items to handle, not that all is well ("all ok") or
    that there is nothing ("none pending"; a "no" in a longer description is part of it: "address not complete")."""
    quiet = rules.quiet
    for clause in _DESCRIPTION_SPLIT_RE.split(items):  # every clause must say so: "all paid; 1 customer asks to
        words = word_tokens(clause.lower())  # change the address" describes an item to handle (review 14)
        if words and not (quiet.well.found(words, clause) or (len(words) <= 3 and quiet.none.found(words, clause))):
            return True
    return False


_DESCRIPTION_SPLIT_RE = re.compile(r"[;,]\s*|\s+(?:but|and|except)\s+")


def _question(sentence: str) -> bool:
    """A sentence asking ("is anything overdue?"), not one quoting a question it reports."""
    return sentence.rstrip(" \t\"'”»」)").endswith(QUESTION_MARKS) and not any(map(sentence.__contains__, "\"“«「"))
