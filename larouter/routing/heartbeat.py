"""Recognise periodic check-ins (heartbeats) and the framework events around them.

A turn is a heartbeat when it carries a check-in prompt (OpenClaw's "Read HEARTBEAT.md ...",
"[... heartbeat poll]", Letta's `{"type": "heartbeat"}`, "periodic check-in", ...) or asks for
the idle acknowledgement (HEARTBEAT_OK / NO_REPLY) as an instruction, and carries nothing
else of substance. It is not one when it opens as a request about heartbeats ("Update
HEARTBEAT.md ...", "Why did you reply HEARTBEAT_OK?"), when the rest of the text is a real
request, or when it inlines a task list with items due: then the tasks are classified.
"""

from __future__ import annotations

import re

import attrs

from larouter.routing.bands import band_crossed
from larouter.routing.compiled import CJK_RE, COMMENT_RE, SENTENCE_SPLIT_RE, Compiled, present
from larouter.routing.asking import asks_about_token, in_long_question, long_question, opening_word, quotes_an_item
from larouter.routing.afterack import asks_after_ack
from larouter.routing.acks import (CLAUSE_ENDS, ack_token, conditional_ack, may_hold_token, reply_then_work, sets_off,
                                   work_then)
from larouter.routing.counted import counted_news
from larouter.routing.due import Checkin, checkin, day_labelled, later_or_done, scheduled
from larouter.routing.lead_time import lead_time_due
from larouter.routing.learned import model_check_in, model_reason
from larouter.routing.quiet import quiet_report
from larouter.routing.reported import reports_work
from larouter.routing.troubled import labelled_trouble, troubled_item
from larouter.routing.exits import failed_exit
from larouter.routing.readings import breaks_a_limit, within_thresholds
from larouter.routing.shown import ACK_SHOWN
from larouter.textsafe import escaped
from larouter.routing.statustime import TIMED_STATUS_RE, clock_line
from larouter.routing.system_events import system_event_news
from larouter.routing.quoting import asks_after, fenced_with_prose, in_fence, questions, quoted_prompt
from larouter.routing.tokens import word_parts, word_tokens
from larouter.routing.talk import talked_about

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


def detect(text: str, rules: Compiled, raw: str = "") -> Verdict | None:
    """A heartbeat, a heartbeat with work due, a reminder to relay, or None. `raw`: the turn before its envelope was
    stripped (its `Current time:` line dates the check-in's list)."""
    if not text or len(text) > rules.hb.max_chars:
        return None
    if raw and (event := system_event_news(raw, rules.quiet)):  # OpenClaw's "System: [stamp] Reminder: …"
        return Verdict(WORK_DUE, "heartbeat with a system event to handle -> classified on it", 0.8, event, True)
    if rules.hb_known.match(text):
        return Verdict(HEARTBEAT, "heartbeat: a framework's own check-in prompt, verbatim", 0.99)
    lower = text.lower()
    quiet = None  # a status report with nothing in it (quiet.py); computed only where it decides
    learned = None  # the learned model's score, asked only when no rule recognises a check-in
    conditional = False  # the gate passed on an idle reply asked on a condition ("reply pass if nothing …")
    gate = rules.hb_gate_ascii if lower.isascii() else rules.hb_gate
    if not present(lower, gate) and not (may_hold_token(text, rules) and rules.hb_ack_token_rx.search(text)):
        conditional = conditional_ack(text, lower, rules) is not None
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
    if poll and not ack and learned is None and talked_about(text, lower, rules):
        return None  # "Since yesterday the periodic check no longer runs. Help!"
    if not poll and not ack:
        quiet = quiet if quiet is not None else quiet_report(text, True, rules.quiet)
        if not quiet:  # the model, unless an idle reply was asked around something else ("Compose …; reply pass if …")
            if (conditional or conditional_ack(text, lower, rules) is not None  # (asked here only if the gate did not)
                    or (learned := model_check_in(text, lower, rules)) is None):
                return None
            poll = True
    if found and (in_long_question(text, found[1])  # "Was genau bedeutet HEARTBEAT_OK …, und warum …?"
                  or asks_about_token(text, lower, rules.hb_ack_tokens)):  # "is HEARTBEAT_OK case-sensitive? …"
        return None
    if "```" in text and (not found or in_fence(text, found[1])) and fenced_with_prose(text):
        return None  # "Does this payload match our spec? ```{"type": "heartbeat", …}``` The spec says …" (no idle reply
        # asked outside the block: "Scheduled check-in. Config: ```every: 30m``` If nothing …, reply QUIET_OWL." is one)
    if found and asks_after(text, found[1], found[0]):  # "... reply=HEARTBEAT_OK suppressed ... Woran liegt das, wie behebe ich es?"
        return None
    if found and CJK_RE.search(text, found[1]) and rules.hb_request_cjk.search(text[found[1]:], lower[found[1]:]) and (
            not rules.hb_idle_condition_cjk.search(text, lower)):  # a request after the token it mentions: "返信は
        return None  # 「HEARTBEAT_OK NAS の容量が 88% です」だった。なぜ抑制されたのか…教えて。" (blind v46)
    if found and quoted_prompt(text, found[1]):  # "Our bot keeps answering NO_REPLY. The prompt is: "… reply NO_REPLY." …"
        return None
    if (opening := opening_word(lower)) in rules.hb_authoring or not ack and (
            opening in rules.hb_openers or opening in rules.hb_modal_openers):
        return None  # "Escriu-me un HEARTBEAT.md ... respongui HEARTBEAT_OK" writes a check-in; asks for no ack
    if lower.lstrip().startswith(rules.hb_opener_prefixes) or _shares_material(lower):
        return None
    if any(check.search(text, lower) for check in rules.hb_requests):
        return None
    if not ack and rules.hb_request_cjk.search(text, lower) and not rules.hb_idle_condition_cjk.search(text, lower):
        return None
    if not ack and not rules.hb_problem.isdisjoint(word_parts(_ZERO_KEYS_RE.sub(" ", lower) if "0" in lower
                                                              else lower)):
        quiet = quiet if quiet is not None else quiet_report(text, True, rules.quiet)
        if not quiet:  # "failed_jobs=0" in a quiet report is not a failure
            return None
    if ((any(c.search(text, lower) for c in rules.hb_work_after_ack) or work_then(text, found[1])
         or asks_after_ack(text, found[1], rules)) if ack
            else reply_then_work(text, lower)):  # (no ack rule read the reply: look after every reply verb)
        return None  # work asked after the reply: "Reply OK if you understand, then draft …", "reply `noop` and then …",
        # "… reply HEARTBEAT_OK.\nAlso, prove that there are infinitely many primes."
    if ack and not poll and rules.hb_confirm_ack.search(text, lower):
        return None  # "Svar OK hvis du forstår, og vent så på min næste besked": a confirmation, no idle condition
    if sets_off(text, lower, rules):
        return None  # "Nothing to report on the migration, reply 'go' and I will start it": a decision
    tasks = due_tasks(text, rules, raw=raw)
    reported = not tasks and (reports_work(text, rules) and reports_work(_without_judged_items(text, rules, raw), rules)
                              or "before" in text and lead_time_due(text, _checkin(text, raw)))  # "remind Hugo 15
    # minutes before any meeting" (the check-in's clock read only then: ~34 us a check-in)
    if reported:
        tasks = [text]
    if tasks:
        n = len(tasks)
        return Verdict(
            WORK_DUE, f"heartbeat with {n} task{'s' if n > 1 else ''} due -> classified on the tasks",
            0.7, "\n".join(tasks), reported,
        )
    if troubled_item(text[:_sentence_start(text, found[1])] if ack else text, rules.quiet) or labelled_trouble(text):
        return None  # "... elevators: one car stuck, 0 complaints. Reply NIGHT-OK if nothing to action."
    if breaks_a_limit(text) or failed_exit(text, lower) or band_crossed(text):
        return None  # "health tick cpu=34% disk=94% ... thresholds: cpu<85 disk<90 ... respond HEARTBEAT_OK if ...";
        # "restic last run: 03:00 exit 1"
    if not ack and rules.hb_request_no_ack.search(text, lower) or _person_message(text, lower, rules, bool(ack)):
        return None  # "... and tell me how far behind it is", "... · Dana: call me if urgent"
    if not ack and questions(text) >= 2:  # asks about heartbeats ("心跳包的间隔设置多少合适？… 有什么区别？")
        return None
    if not ack and long_question(text):  # "In Letta, what does request_heartbeat=true actually do, and how …?"
        return None
    if not ack and quotes_an_item(text, rules):  # "Reminder due now: «blood pressure pill after dinner»", a quoted ticket
        return None
    if residual_words(text, rules) > rules.hb.max_residual_words and residual_words(
            _without_judged_items(text, rules, raw), rules) > rules.hb.max_residual_words:
        quiet = quiet if quiet is not None else quiet_report(text, True, rules.quiet)
        if not quiet:  # a long report is still a heartbeat when every line of it says nothing
            return None
    if (poll or ack) and counted_news(text, rules.quiet):
        return None  # "QC failures: 3" where the quiet poll says "QC failures: 0"
    if learned is not None and not ack:
        return Verdict(HEARTBEAT, model_reason(text, learned, rules), 0.8, learned=True)
    if poll and ack:
        return Verdict(HEARTBEAT, f"heartbeat: check-in prompt with idle ack ({escaped(ack, ACK_SHOWN)})", 0.98)
    if quiet and not poll:
        return Verdict(HEARTBEAT, "heartbeat: scheduled status report with nothing to do", 0.85)
    if poll:
        return Verdict(HEARTBEAT, "heartbeat: check-in prompt", 0.95)
    return Verdict(HEARTBEAT, f"heartbeat: asks for the idle ack ({escaped(ack, ACK_SHOWN)})", 0.93)


# A first line announcing what the person pastes below it: "here's the raw tick log from the runtime:", "below is
# the output of the cron job:". The check-in words that follow are the material, not a scheduler's prompt.
_SHARES_RE = re.compile(r"\A\W*(?:here(?:'s| is| are)|below (?:is|are)|attached (?:is|are)|i'm pasting|pasting)\b"
                        r"[^\n]{0,80}?\b(?:logs?|output|dump|trace|transcript|export|history|payloads?)\b[^\n]{0,40}:[ \t]*\n")


def _shares_material(lower: str) -> bool:
    """Whether the turn opens by announcing material pasted below (a person sharing a log, not a scheduler)."""
    return lower.lstrip()[:4] in ("here", "belo", "atta", "i'm ", "past") and _SHARES_RE.search(lower) is not None


def _person_message(text: str, lower: str, rules: Compiled, ack: bool) -> bool:
    """A person's message in the poll ("Dana: call me if urgent"); with an idle reply asked, one that asks something
    on its own line ("Dana: can you send me the signed contract before lunch?": review 14)."""
    if not any(map(lower.__contains__, _ADDRESS_GATE)) or rules.hb_person_message.search(text, lower) is None:
        return False  # (the pattern costs ~15 us: it is asked last, and only of a turn with its words)
    if not ack:
        return True
    for m in rules.hb_person_message.rx.finditer(text):
        end = text.find("\n", m.start())
        line = text[m.start():end if end >= 0 else len(text)].rstrip()
        if line.endswith(("?", "？")):
            return True
        name, _, said = line.partition(":")
        said = said.strip()
        sentence = _SAID_END_RE.split(said, 1)[0]
        if (name.split("(")[0].strip().lower() not in _LABEL_WORDS and said[:1].isalpha()
                and _ADDRESSED_RE.search(sentence) is not None and not rules.hb_ack_token_rx.search(sentence)):
            return True  # "Dana: call me when you land", "Marco (WhatsApp): please send me the invoice tonight"
    return False


# Words before a colon that label a line rather than name its writer ("Rule: nudge me only if …", "Re: …").
_LABEL_WORDS = frozenset("re fwd fw rule rules note notes subject mentions reply status next today tomorrow tip hint "
                         "todo task tasks reminder reminders update alert warning error info summary result results "
                         "condition instruction instructions policy schedule agenda".split())
_ADDRESS_GATE = (" me", " you", " my", " we", " us", " can", " could", "please", " pls")  # (the pattern's words)
_SAID_END_RE = re.compile(r"\.\s|\s[·•|]\s|;\s")  # where a message shown in a poll ends ("… · If nothing …")
_ADDRESSED_RE = re.compile(r"\b(?:me|my|us|our|you|your)\b", re.I)


def _sentence_start(text: str, at: int) -> int:
    """Where the sentence holding `at` starts (what comes before it is the report an idle instruction follows)."""
    return max(text.rfind(". ", 0, at), text.rfind("! ", 0, at), text.rfind("? ", 0, at), text.rfind("\n", 0, at),
               text.rfind("。", 0, at)) + 1


def _negated(text: str, at: int, rules: Compiled) -> bool:
    """Whether the clause before `at` says none ("aucun rappel échu", "keine Erinnerung fällig")."""
    start = max(text.rfind(mark, 0, at) for mark in (*CLAUSE_ENDS, ". ", "! ", "? ", ":")) + 1
    return not rules.quiet.none.words.isdisjoint(word_tokens(text[start:at].lower()))


_ZERO_KEYS_RE = re.compile(r"\b\w+\s?[=:]\s?0+(?![\w.,])")  # "errors=0", "failed: 0" name no problem


def due_tasks(text: str, rules: Compiled, when: Checkin | None = None, raw: str = "") -> list[str]:
    """Open items of the first task list (after a task header or lead-in), comments ignored, but for those that are
    for later or done (`due.later_or_done`: "— due 31 Mar" on 10 Mar, "(not yet)", "— done today 08:10"). `when`: the
    check-in's date and time when the list comes from elsewhere (a tool read it), else read from `text` (or `raw`,
    the turn before its envelope was stripped)."""
    if rules.hb_task_header is None:
        return []
    body = COMMENT_RE.sub("", text) if "<!--" in text else text
    if "<heartbeat_brief>" not in body and not rules.hb_task_item.search(body):
        return []
    header = rules.hb_task_header.search(body)
    # Without a task header, the list items of the turn are its tasks (an inlined HEARTBEAT.md, an alert list).
    prose_counts = header is not None and header.group().strip().lower().startswith("<")  # <heartbeat_brief>: prose
    items: list[tuple[str, str]] = []  # each item, with the parent line an indented one sits under, which may schedule
    # it ("Bins: … Tuesday evening (after 6pm) remind me …\n - Yellow lid on even weeks …": not due at 5:10 PM, blind v48)
    parent = ""
    for line in body[header.end() if header else 0 :].splitlines():
        if rules.hb_done_header is not None and rules.hb_done_header.match(line):
            break
        m = rules.hb_task_item.match(line)
        item = m.group(1).strip() if m else (line.strip() if prose_counts else "")
        if line[:1] not in " \t":
            parent = "" if line.lstrip().startswith("#") else line.strip()
        if header is None and (not (m and (rules.hb_headerless_task.search(item) or day_labelled(item)))
                               or _STATUS_LABEL_RE.match(item) or TIMED_STATUS_RE.search(item)
                               or within_thresholds(item) is not item):
            continue  # without a header: untimed, undated items are notes; "time: 03:00", "last run: 02:10" are status,
            # and so is a reading short of its alert ("Certificado SSL: vence em 61 dias (alerta em 15)")
        if item and not item.startswith("#") and not rules.hb_empty_item.match(item):
            items.append((item, parent if m and line[:1] in " \t" else ""))
    if not items:
        return []
    when = when or _checkin(text, raw)
    return [item for item, above in items if not later_or_done(item, when) and not (
        above and not scheduled(item) and later_or_done(above, when))]  # (a note has no schedule of its own:
    # "Thursday 09:00: remind me to check in" under "Flight Friday 07:10:" is, review 31)


def _checkin(text: str, raw: str) -> Checkin:
    """The check-in's date and time of day, from the turn, else from the turn before its envelope was stripped; from
    that turn first when it labels its date as the current one ("Current time: …", a line the envelope's stripping
    removes: without it, the first date of a checklist's items was read as the check-in's)."""
    if raw and raw is not text and _CURRENT_RE.search(raw):
        labelled = checkin(raw)
        if labelled[0] is not None:
            return labelled
    found = checkin(text)
    if found[0] is not None or not raw:
        return found
    other = checkin(raw)
    return other if other[0] is not None or found[2] is None else found


_CURRENT_RE = re.compile(r"current (?:date|time)|\btoday\b", re.I)


# A list line that states when something was or will be, not a task: "time: 2026-03-04 03:00", "last user activity:
# 23:41", "next run: 04:00", "checked at: 09:00".
_STATUS_LABEL_RE = re.compile(r"(?:(?:time|date|now|updated|since|started|uptime|checked(?: at)?|generated|as of|source)"
                              r"|(?:last|next) (?:user )?(?:run|sync|seen|check|poll|backup|activity|message|beat"
                              r"|heartbeat|update|login)"
                              # "last <one or two words>:" in other languages ("آخر نسخة احتياطية: نجحت 02:00")
                              r"|(?:آخر|آخرین|последн\w*|останн\w*|ostatni\w*|letzte\w*|derni[eè]re?|[uú]ltim[oa]|laatste"
                              r"|senaste|siste|seneste|viimeisin|son|τελευταί\w*)(?:\s+[^\W\d_]+){1,2})\s?:", re.I)
_CHECKED_RE = re.compile(r"^[ \t]*(?:[-*+•][ \t]+)?\[[xX✓✔]\]")


def _without_judged_items(text: str, rules: Compiled, raw: str = "") -> str:
    """The turn without the lines of its task list that need nothing now (checked, done, for later): what is left
    is what `residual_words` weighs. Called once `due_tasks` found none due."""
    if "[" not in text and "—" not in text and "-" not in text:
        return text
    when = _checkin(text, raw)
    kept = []
    for line in text.splitlines():
        m = rules.hb_task_item.match(line)
        if _CHECKED_RE.match(line) or (m and later_or_done(m.group(1), when)):
            continue
        kept.append(line)
    return "\n".join(kept)


def residual_words(text: str, rules: Compiled) -> int:
    """Words in the sentences that are not heartbeat boilerplate (an upper bound when short)."""
    if len(text) < 400 and not CJK_RE.search(text):
        words = len(text.split())
        if words <= rules.hb.max_residual_words:
            return words
    total = 0
    for sentence in SENTENCE_SPLIT_RE.split(COMMENT_RE.sub("", text) if "<!--" in text else text):
        if not sentence or rules.hb_boilerplate.search(sentence) or clock_line(sentence):
            continue
        words = len(sentence.split())
        if CJK_RE.search(sentence):
            words += len(CJK_RE.findall(sentence)) // 2
        total += words
    return total
