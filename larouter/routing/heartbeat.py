"""Recognise periodic check-ins (heartbeats) and the framework events around them.

A turn is a heartbeat when it carries a check-in prompt (OpenClaw's "Read HEARTBEAT.md ...",
"[... heartbeat poll]", Letta's `{"type": "heartbeat"}`, "periodic check-in", ...) or asks for
the idle acknowledgement (HEARTBEAT_OK / NO_REPLY) as an instruction, and carries nothing
else of substance. It is not one when it opens as a request about heartbeats ("Update
HEARTBEAT.md ...", "Why did you reply HEARTBEAT_OK?"), when the rest of the text is a real
request, or when it inlines a task list with items due: then the tasks are classified.
"""

from __future__ import annotations

import itertools
import re

import attrs

from larouter.routing.compiled import CJK_RE, COMMENT_RE, SENTENCE_SPLIT_RE, WORD_RE, Check, Compiled, present
from larouter.routing.asking import QUESTION_MARKS, in_long_question, long_question, opening_word, quotes_an_item
from larouter.routing.due import overdue_items
from larouter.routing.learned import model_check_in, model_reason
from larouter.routing.quiet import PARTS_RE, quiet_report, says_none, troubled_item
from larouter.routing.request_words import REQUEST_OPENERS
from larouter.routing.quoting import asked_about, asks_after, fenced_with_prose, in_fence, questions, quoted_prompt

HEARTBEAT = "heartbeat"
WORK_DUE = "work_due"
RELAY = "relay"


@attrs.frozen
class Verdict:
    """What the heartbeat rules saw in a turn."""

    kind: str
    reason: str
    confidence: float
    tasks: str = ""
    reported: bool = False  # work_due read from a statement in the turn ("3 new messages"), not from listed tasks
    learned: bool = False  # the learned check-in model recognised it, no rule did


def detect(text: str, rules: Compiled) -> Verdict | None:
    """A heartbeat, a heartbeat with work due, a reminder to relay, or None."""
    if not text or len(text) > rules.hb.max_chars:
        return None
    lower = text.lower()
    quiet = None  # a status report with nothing in it (quiet.py); computed only where it decides
    learned = None  # the learned model's score, asked only when no rule recognises a check-in
    conditional = False  # the gate passed on an idle reply asked on a condition ("reply pass if nothing …")
    gate = rules.hb_gate_ascii if lower.isascii() else rules.hb_gate
    if not present(lower, gate) and not (_may_hold_token(text, rules) and rules.hb_ack_token_rx.search(text)):
        conditional = _conditional_ack(text, lower, rules) is not None
        if not conditional:
            quiet = quiet_report(text, False, rules.quiet)
            if not quiet and (learned := model_check_in(text, lower, rules)) is None:
                return None
    if rules.hb_idle.search(text, lower):
        return Verdict(HEARTBEAT, "heartbeat: framework event with nothing to process", 0.97)
    if (relay := rules.hb_relay.search(text, lower)) is not None and not _negated(text, relay.start(), rules):
        return Verdict(RELAY, "scheduled reminder to relay -> SIMPLE", 0.8)
    poll = learned is not None or any(check.search(text, lower) for check in rules.hb_polls)
    found = ack_token(text, lower, rules)  # the idle token asked for, e.g. HEARTBEAT_OK, and where; None when none
    ack = found[0] if found else None
    if not poll and not ack:
        quiet = quiet if quiet is not None else quiet_report(text, True, rules.quiet)
        if not quiet:  # the model, unless an idle reply was asked around something else ("Compose …; reply pass if …")
            if (conditional or _conditional_ack(text, lower, rules) is not None  # (asked here only if the gate did not)
                    or (learned := model_check_in(text, lower, rules)) is None):
                return None
            poll = True
    if found and in_long_question(text, found[1]):  # "Was genau bedeutet HEARTBEAT_OK …, und warum …?"
        return None
    if "```" in text and (not found or in_fence(text, found[1])) and fenced_with_prose(text):
        return None  # "Does this payload match our spec? ```{"type": "heartbeat", …}``` The spec says …" (no idle reply
        # asked outside the block: "Scheduled check-in. Config: ```every: 30m``` If nothing …, reply QUIET_OWL." is one)
    if found and asks_after(text, found[1], found[0]):  # "... reply=HEARTBEAT_OK suppressed ... Woran liegt das, wie behebe ich es?"
        return None
    if found and quoted_prompt(text, found[1]):  # "Our bot keeps answering NO_REPLY. The prompt is: "… reply NO_REPLY." …"
        return None
    if (opening := opening_word(lower)) in rules.hb_authoring or not ack and opening in rules.hb_openers:
        return None  # "Escriu-me un HEARTBEAT.md ... respongui HEARTBEAT_OK" writes a check-in; asks for no ack
    if lower.lstrip().startswith(rules.hb_opener_prefixes):
        return None
    if any(check.search(text, lower) for check in rules.hb_requests):
        return None
    if not ack and rules.hb_request_cjk.search(text, lower) and not rules.hb_idle_condition_cjk.search(text, lower):
        return None
    if not ack and not rules.hb_problem.isdisjoint(PARTS_RE.findall(_ZERO_KEYS_RE.sub(" ", lower) if "0" in lower
                                                                     else lower)):
        quiet = quiet if quiet is not None else quiet_report(text, True, rules.quiet)
        if not quiet:  # "failed_jobs=0" in a quiet report is not a failure
            return None
    if ack and (rules.hb_work_after_ack.search(text, lower) or _work_then(text, found[1])):
        return None  # "Reply OK if you understand, then draft the announcement email …"
    if ack and not poll and rules.hb_confirm_ack.search(text, lower):
        return None  # "Svar OK hvis du forstår, og vent så på min næste besked": a confirmation, no idle condition
    if _sets_off(text, lower, rules):
        return None  # "Nothing to report on the migration, reply 'go' and I will start it": a decision
    if not ack and _reply_then_work(text, lower):
        return None  # "Nothing to triage; reply `noop` and then write the weekly summary …" (no ack rule read it)
    tasks = due_tasks(text, rules)
    reported = not tasks and reports_work(text, rules)
    if reported:
        tasks = [text]
    if tasks:
        n = len(tasks)
        return Verdict(
            WORK_DUE, f"heartbeat with {n} task{'s' if n > 1 else ''} due -> classified on the tasks",
            0.7, "\n".join(tasks), reported,
        )
    if troubled_item(text[:_sentence_start(text, found[1])] if ack else text, rules.quiet):
        return None  # "... elevators: one car stuck, 0 complaints. Reply NIGHT-OK if nothing to action."
    if not ack and (rules.hb_request_no_ack.search(text, lower) or rules.hb_person_message.search(text, lower)):
        return None  # "... and tell me how far behind it is", "... · Dana: call me if urgent"
    if not ack and questions(text) >= 2:  # asks about heartbeats ("心跳包的间隔设置多少合适？… 有什么区别？")
        return None
    if not ack and long_question(text):  # "In Letta, what does request_heartbeat=true actually do, and how …?"
        return None
    if not ack and quotes_an_item(text, rules):  # "Reminder due now: «blood pressure pill after dinner»", a quoted ticket
        return None
    if residual_words(text, rules) > rules.hb.max_residual_words:
        quiet = quiet if quiet is not None else quiet_report(text, True, rules.quiet)
        if not quiet:  # a long report is still a heartbeat when every line of it says nothing
            return None
    if learned is not None and not ack:
        return Verdict(HEARTBEAT, model_reason(text, learned, rules), 0.8, learned=True)
    if poll and ack:
        return Verdict(HEARTBEAT, f"heartbeat: check-in prompt with idle ack ({ack})", 0.98)
    if quiet and not poll:
        return Verdict(HEARTBEAT, "heartbeat: scheduled status report with nothing to do", 0.85)
    if poll:
        return Verdict(HEARTBEAT, "heartbeat: check-in prompt", 0.95)
    return Verdict(HEARTBEAT, f"heartbeat: asks for the idle ack ({ack})", 0.93)


def _sentence_start(text: str, at: int) -> int:
    """Where the sentence holding `at` starts (what comes before it is the report an idle instruction follows)."""
    return max(text.rfind(". ", 0, at), text.rfind("! ", 0, at), text.rfind("? ", 0, at), text.rfind("\n", 0, at),
               text.rfind("。", 0, at)) + 1


def _negated(text: str, at: int, rules: Compiled) -> bool:
    """Whether the clause before `at` says none ("aucun rappel échu", "keine Erinnerung fällig")."""
    start = max(text.rfind(mark, 0, at) for mark in (*_CLAUSE_ENDS, ". ", "! ", "? ", ":")) + 1
    return not rules.quiet.none.words.isdisjoint(WORD_RE.findall(text[start:at].lower()))


def reports_work(text: str, rules: Compiled) -> bool:
    """Whether a statement (not a question: "is anything overdue?") in the poll reports work: new items, overdue,
    counted items described, items due by the check-in's date."""
    lower = text.lower()
    checks = [c for c in rules.hb_work_due if c.search(text, lower)]
    if checks and any(_reported(s, c, rules) for s in SENTENCE_SPLIT_RE.split(text) if s and not _question(s)
                      for c in checks):
        return True
    return (any(_described(m.group(m.lastindex or 0), rules) for m in rules.hb_described_count.finditer(text))
            or overdue_items(text) or _part_down(text) or _labelled_count(text, lower))


_COUNT_AFTER_RE = re.compile(r"(?<![\d.:/,])[1-9]\d*(?![\d:./%]|,\d|\s?%)")
_COUNTED_NAME_RE = re.compile(r"(?<![^\W_])(?:orders?|messages?|e-?mails?|mails?|tickets?|alerts?|requests?|comments?"
                              r"|mentions?|dms|incidents?|complaints?|bookings?|reservations?|escalations?|refunds?"
                              r"|disputes?|chargebacks?|approvals?|callbacks?)$")
_COUNTED_GATE = ("order", "message", "mail", "ticket", "alert", "request", "comment", "mention", "dms", "incident",
                 "complaint", "booking", "reservation", "escalation", "refund", "dispute", "chargeback", "approval",
                 "callback")


def _labelled_count(text: str, lower: str) -> bool:
    """The things to handle named first, then how many ("orders 3", "tickets: 2", "messages=4"; not "orders 0",
    "3/3", "4 %"). Only when one of the names is there, then read from the digits back (a regex over the names
    cost ~17 us a turn, the digits' scan ~9)."""
    if not present(lower, _COUNTED_GATE):
        return False
    return any(_COUNTED_NAME_RE.search(text[max(0, m.start() - 16):m.start()].rstrip(" \t:=").lower())
               for m in _COUNT_AFTER_RE.finditer(text))


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


def _reported(sentence: str, check: Check, rules: Compiled) -> bool:
    """Whether `check` finds work in the sentence outside a clause that says there is none ("nessun promemoria
    scaduto", "nenhuma tarefa vencida"; "no new mail, 2 tasks overdue" still reports)."""
    if not check.search(sentence, sentence.lower()):
        return False
    for m in check.rx.finditer(sentence):
        start = max(map(sentence.rfind, _CLAUSE_ENDS, itertools.repeat(0), itertools.repeat(m.start()))) + 1
        ends = [i for i in map(sentence.find, _CLAUSE_ENDS, itertools.repeat(m.end())) if i >= 0]
        if not says_none(sentence[start : min(ends, default=len(sentence))], rules.quiet):
            return True
    return False


_THEN_RE = re.compile(r"[^.\n]{0,80}?\b(?:then|and then|after that|afterwards)\s+(?!reply|respond|answer|stop|stay|wait"
                      r"|do nothing|say nothing|end\b)([^\W\d_]{3,})", re.I)  # work asked after whatever ack token


def _work_then(text: str, at: int) -> bool:
    """"Reply OK if you understand, then draft …": a word of work after "then" (not a second token: "then TERMINATE")."""
    m = _THEN_RE.match(text, at)
    return m is not None and not m.group(1).isupper()


_ZERO_KEYS_RE = re.compile(r"\b\w+\s?[=:]\s?0+(?![\w.,])")  # "errors=0", "failed: 0" name no problem

_CLAUSE_ENDS = (",", ";", "·", "|", "—", "–", "\n", "。", "，", "、", " / ", " - ", "<")  # "<" also ends an element
CLAUSE_SPLIT_RE = re.compile("|".join(map(re.escape, _CLAUSE_ENDS)) + r"|[.!?]\s")


def _described(items: str, rules: Compiled) -> bool:
    """Whether the words in brackets after a count describe items to handle, not that all is well ("all ok") or
    that there is nothing ("none pending"; a "no" in a longer description is part of it: "address not complete")."""
    words = WORD_RE.findall(items.lower())
    quiet = rules.quiet
    return not (quiet.well.found(words, items) or (len(words) <= 3 and quiet.none.found(words, items)))


def _question(sentence: str) -> bool:
    """A sentence asking ("is anything overdue?"), not one quoting a question it reports."""
    return sentence.rstrip(" \t\"'”»」)").endswith(QUESTION_MARKS) and not any(q in sentence for q in "\"“«「")


def ack_token(text: str, lower: str, rules: Compiled) -> tuple[str, int] | None:
    """The ack token (HEARTBEAT_OK, NO_REPLY, any framework's idle token) that appears as an instruction, not in
    passing nor as a value in a fenced code block ("idle_reply: SILENT_SEAGULL" in a config to edit), and where it
    starts; None when there is none."""
    fenced = "```" in text
    for token in rules.hb_ack_tokens:
        i = lower.find(token)
        while i >= 0:
            j = i + len(token)
            if (i == 0 or not _word_char(lower[i - 1])) and (j == len(lower) or not _word_char(lower[j])):
                if not asked_about(text, j) and _instructs(text, lower, i, j, rules) and not (fenced and in_fence(text, i)):
                    return text[i:j], i
            i = lower.find(token, j)
    if _may_hold_token(text, rules):
        for m in rules.hb_ack_token_rx.finditer(text):
            if (not asked_about(text, m.end()) and _instructs(text, lower, m.start(), m.end(), rules)
                    and not (fenced and in_fence(text, m.start()))):
                return m.group(), m.start()
    return _conditional_ack(text, lower, rules)


_SAY_VERBS = ("reply", "respond", "answer", "say", "return")
CONDITIONAL_ACK_TAIL = 40  # characters the turn may run on after "reply X if idle" (a closing bracket, a sign-off)


def _conditional_ack(text: str, lower: str, rules: Compiled) -> tuple[str, int] | None:
    """Any one-word or quoted reply asked for on an idle condition ("Reply 73 if nothing to report", or closing the
    turn after "Nothing to triage; reply `noop`.") after a report that says none of something ("no new DMs",
    "0 cancellations", "→ none"), and where the token starts. A request
    with such a reply asked ("Prove …; answer QED if nothing is missing") reports nothing before it, so it is not
    one; nor a token that closes a question, sits in a fenced block, or is followed by more than a short tail."""
    if ("if " not in lower and "when " not in lower and "nothing" not in lower
            or not any(map(lower.__contains__, _SAY_VERBS))):
        return None
    for m in rules.hb_conditional_ack_rx.finditer(text):
        group = next(name for name in ("tok", "tok2", "tok3") if m.group(name) is not None)
        start, end = m.span(group)
        token = m.group(group)
        if (token.lower() in rules.hb_ack_tokens or rules.hb_ack_token_rx.fullmatch(token.strip("`'\"“”‘’[]"))
                or len(text) - m.end() > CONDITIONAL_ACK_TAIL):  # named tokens are judged above; then the turn ends
            continue
        if asked_about(text, end) or ("```" in text and in_fence(text, start)):
            continue
        if _reports_none(text[: m.start()], rules):
            return token, start
    return None


REPORT_CLAUSE_WORDS = 12  # a longer clause that does not say none is prose about something, not a status line


def _reports_none(report: str, rules: Compiled) -> bool:
    """Whether `report` reads as a status report that says none of something and asks nothing: no question, and
    every clause that does not say none is a short status line, not a request or a problem. "Watcher poll 03:12:
    no inbound tx, gas 14 gwei." passes; "No new mail. Can you draft …?" and "I have no idea. Prove …" do not."""
    if any(q in report for q in QUESTION_MARKS):
        return False
    said = False
    for clause in CLAUSE_SPLIT_RE.split(report):
        first = WORD_RE.search(clause.lower()) if clause else None
        if first is None:
            continue
        if says_none(clause, rules.quiet):
            said = True
        elif (first.group() in rules.hb_openers or first.group() in REQUEST_OPENERS
              or len(clause.split()) > REPORT_CLAUSE_WORDS
              or not rules.hb_problem.isdisjoint(WORD_RE.findall(clause.lower()))):
            return False
    return said


def _reply_then_work(text: str, lower: str) -> bool:
    """A reply asked for, then work ("reply `noop` and then write …"), where no ack rule saw the reply."""
    if "then" not in lower and "after" not in lower:
        return False
    for verb in _SAY_VERBS:
        i = lower.find(verb)
        while i >= 0:
            if _work_then(text, i + len(verb)):
                return True
            i = lower.find(verb, i + len(verb))
    return False


def _sets_off(text: str, lower: str, rules: Compiled) -> bool:
    """Whether a reply is asked for to set something off (`action_reply`): the pattern is tried only where one of
    its gate words starts, in a turn holding one of `action_reply_joins` (0.4 us on OpenClaw's prompt, ~1.7 with a
    join; a search over the whole turn cost ~8)."""
    if not present(lower, rules.hb_action_reply_joins):  # "… to start it", "… and I will start it"
        return False
    check = rules.hb_action_reply
    for verb in check.gate:
        i = lower.find(verb)
        while i >= 0:
            if check.rx.match(text, i):
                return True
            i = lower.find(verb, i + len(verb))
    return False


def _may_hold_token(text: str, rules: Compiled) -> bool:
    """Cheap pre-check for `ack_token_pattern`: every such token contains one of its hints."""
    return any(map(text.__contains__, rules.hb_ack_token_hints))


def _word_char(c: str) -> bool:
    """ASCII letters and digits continue a token; other scripts may be attached to it (NO_REPLY로)."""
    return c.isascii() and (c.isalnum() or c == "_")


def _instructs(text: str, lower: str, i: int, j: int, rules: Compiled) -> bool:
    """Whether the ack token at text[i:j] reads as an instruction (one of the `acks` rules)."""
    after = text[j : j + 40]
    for rule in rules.hb_acks:
        start = max(0, i - rule.window)
        if rule.gate and not any(g in lower[start:i] for g in rule.gate):
            continue
        if rule.before.match(text, start, i) and (rule.after is None or rule.after.match(after)):
            return True
    return False


def due_tasks(text: str, rules: Compiled) -> list[str]:
    """Open items of the first task list (after a task header or lead-in), comments ignored."""
    if rules.hb_task_header is None:
        return []
    body = COMMENT_RE.sub("", text) if "<!--" in text else text
    if "<heartbeat_brief>" not in body and not rules.hb_task_item.search(body):
        return []
    header = rules.hb_task_header.search(body)
    # Without a task header, the list items of the turn are its tasks (an inlined HEARTBEAT.md, an alert list).
    prose_counts = header is not None and header.group().strip().lower().startswith("<")  # <heartbeat_brief>: prose
    items = []
    for line in body[header.end() if header else 0 :].splitlines():
        if rules.hb_done_header is not None and rules.hb_done_header.match(line):
            break
        m = rules.hb_task_item.match(line)
        item = m.group(1).strip() if m else (line.strip() if prose_counts else "")
        if header is None and not (m and rules.hb_headerless_task.search(item)):
            continue
        if item and not item.startswith("#") and not rules.hb_empty_item.match(item):
            items.append(item)
    return items


def residual_words(text: str, rules: Compiled) -> int:
    """Words in the sentences that are not heartbeat boilerplate (an upper bound when short)."""
    if len(text) < 400 and not CJK_RE.search(text):
        words = len(text.split())
        if words <= rules.hb.max_residual_words:
            return words
    total = 0
    for sentence in SENTENCE_SPLIT_RE.split(COMMENT_RE.sub("", text) if "<!--" in text else text):
        if not sentence or rules.hb_boilerplate.search(sentence):
            continue
        words = len(sentence.split())
        if CJK_RE.search(sentence):
            words += len(CJK_RE.findall(sentence)) // 2
        total += words
    return total
