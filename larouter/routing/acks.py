"""The idle reply a check-in asks for: a named ack token read as an instruction (HEARTBEAT_OK, NO_REPLY, any
framework's idle token), a reply of the poll's own choosing on an idle condition ("Reply 73 if nothing to report",
"Nothing to triage; reply `noop`."), and the replies that are not idle (one that sets something off, one followed
by work). Split from `heartbeat.py`, whose `detect` uses them.
"""

from __future__ import annotations

import re
from typing import Iterator

from larouter.routing.asking import QUESTION_MARKS
from larouter.routing.compiled import WORD_RE, Compiled, present
from larouter.routing.quiet import says_none
from larouter.routing.quoting import asked_about, in_fence
from larouter.routing.request_words import REQUEST_OPENERS
from larouter.routing.tokens import word_tokens

_THEN_RE = re.compile(r"[^.\n]{0,80}?\b(?:then|and then|after that|afterwards)\s+(?!reply|respond|answer|stop|stay|wait"
                      r"|do nothing|say nothing|end\b)([^\W\d_]{3,})", re.I)  # work asked after whatever ack token


def work_then(text: str, at: int) -> bool:
    """"Reply OK if you understand, then draft …": a word of work after "then" (not a second token: "then TERMINATE")."""
    m = _THEN_RE.match(text, at)
    return m is not None and not m.group(1).isupper()


CLAUSE_ENDS = (",", ";", "·", "|", "—", "–", "\n", "。", "，", "、", " / ", " - ", "<")  # "<" also ends an element
CLAUSE_SPLIT_RE = re.compile("|".join(map(re.escape, CLAUSE_ENDS)) + r"|[.!?]\s")


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
                if (not asked_about(text, j) and _instructs(text, lower, i, j, rules)
                        and not (fenced and in_fence(text, i)) and not reported_token(lower, i, j)):
                    return text[i:j], i
            i = lower.find(token, j)
    if may_hold_token(text, rules):
        for m in rules.hb_ack_token_rx.finditer(text):
            if (not asked_about(text, m.end()) and _instructs(text, lower, m.start(), m.end(), rules)
                    and not (fenced and in_fence(text, m.start())) and not reported_token(lower, m.start(), m.end())):
                return m.group(), m.start()
    return conditional_ack(text, lower, rules)


def reported_token(lower: str, i: int, j: int) -> bool:
    """Whether the token at lower[i:j] is one someone reports seeing, not one asked for ("I keep getting HEARTBEAT_OK
    in Telegram", "you answered HEARTBEAT_OK to my question", "NO_REPLY lol", "チャットに HEARTBEAT_OK が表示される",
    "聊天里一直出现 HEARTBEAT_OK"; review 29): a verb of receiving, seeing or having answered before it in its clause,
    a subject particle or a reaction after it."""
    head = max(lower.rfind(c, 0, i) for c in ".!?;\n。！？") + 1
    clause = lower[head:i]
    if _CONDITION_RE.search(clause) is not None:
        return False  # ("If no mail was received, reply HEARTBEAT_OK": the idle rule itself, review 30)
    before = _TOKEN_WORD_RE.findall(clause)[-4:]
    if not _REPORTING.isdisjoint(before) or any(map(lower[max(head, i - 8):i].__contains__, _REPORTING_CJK)):
        return True
    after = lower[j:j + 24].lstrip(" `'\"”")
    if after[:1] in _SUBJECT_PARTICLES:  # ("HEARTBEAT_OK が表示される"; not "HEARTBEAT_OK が返答になります")
        return not any(map(after[1:8].__contains__, _ANSWER_CJK))
    return _TOKEN_WORD_RE.findall(after)[:1] in _REACTIONS


_TOKEN_WORD_RE = re.compile(r"[^\W\d_][\w'’]*")
# Verbs of a token received, seen or answered: a report of one, in the languages agents are run in.
_REPORTING = frozenset("""
got get gets getting keep keeps received receiving saw seeing seen answered replied responded said sent sending sends
was were war waren
showed shows shown showing displayed displays appears appeared bekomme bekam bekommen erhalte erhielt kriege reçois
reçu reçoit répondu recibo recibí recibe respondió ricevo ricevuto risposto recebo recebi recebendo respondeu krijg
kreeg krijgen dostałem dostaję dostaje получаю получил получила ответил ответила приходит
""".split())
_REPORTING_CJK = ("出现", "出現", "收到", "显示", "顯示", "看到", "表示", "届く", "届いた", "뜨", "받았")
_SUBJECT_PARTICLES = frozenset("がは가이는은")
_REACTIONS = [["lol"], ["received"], ["erhalten"], ["reçu"], ["recibido"], ["ricevuto"], ["recebido"]]
_ANSWER_CJK = ("返答", "返信", "回答", "答", "回复", "응답", "답")
_CONDITION_RE = re.compile(r"\b(?:if|when|unless|wenn|falls|si|se|als|om|jika|если|jeśli)\b|若|如果|なければ|れば|たら|면")


_SAY_VERBS = ("reply", "respond", "answer", "say", "return", "ack",  # ("ack": acknowledge)
              "antwort", "répond", "rispond", "antwoord")  # (responde, responda: "respond")
_IF_WORDS = ("if ", "when ", "nothing", "falls", "wenn", "si ", "s'il", "se ", "als ", "quando", "cuando")
CONDITIONAL_ACK_TAIL = 40  # characters the turn may run on after "reply X if idle" (a closing bracket, a sign-off)


def conditional_ack(text: str, lower: str, rules: Compiled) -> tuple[str, int] | None:
    """Any one-word or quoted reply asked for on an idle condition ("Reply 73 if nothing to report", or closing the
    turn after "Nothing to triage; reply `noop`.") after a report that says none of something ("no new DMs",
    "0 cancellations", "→ none"), and where the token starts. A request
    with such a reply asked ("Prove …; answer QED if nothing is missing") reports nothing before it, so it is not
    one; nor a token that closes a question, sits in a fenced block, or is followed by more than a short tail."""
    if not any(map(lower.__contains__, _IF_WORDS)) or not any(map(lower.__contains__, _SAY_VERBS)):
        return None
    for m in rules.hb_conditional_ack_rx.finditer(text):
        group = next(name for name in ("tok", "tok2", "tok3", "tok4") if m.group(name) is not None)
        start, end = m.span(group)
        token = m.group(group)
        if (token.lower() in rules.hb_ack_tokens or rules.hb_ack_token_rx.fullmatch(token.strip("`'\"“”‘’[]"))
                or len(text) - m.end() > CONDITIONAL_ACK_TAIL):  # named tokens are judged above; then the turn ends
            continue
        if asked_about(text, end) or ("```" in text and in_fence(text, start)):
            continue
        if _reports_none(_POLITE_END_RE.sub("", text[: m.start()]), rules):  # "…\nPlease reply X if idle": the report
            return token, start
    return None


_POLITE_END_RE = re.compile(r"\b(?:please|kindly|just|simply|only)[\s,]*$", re.I)
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
              or not rules.hb_problem.isdisjoint(word_tokens(clause.lower()))):
            return False
    return said


def _found(lower: str, words: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """(start, end) of every occurrence of each of `words` in `lower`, word by word."""
    for word in words:
        i = lower.find(word)
        while i >= 0:
            yield i, i + len(word)
            i = lower.find(word, i + len(word))


def reply_then_work(text: str, lower: str) -> bool:
    """A reply asked for, then work ("reply `noop` and then write …"), where no ack rule saw the reply."""
    if "then" not in lower and "after" not in lower:
        return False
    return any(work_then(text, end) for _, end in _found(lower, _SAY_VERBS))


def sets_off(text: str, lower: str, rules: Compiled) -> bool:
    """Whether a reply is asked for to set something off (`action_reply`): the pattern is tried only where one of
    its gate words starts, in a turn holding one of `action_reply_joins` (0.4 us on OpenClaw's prompt, ~1.7 with a
    join; a search over the whole turn cost ~8)."""
    if not present(lower, rules.hb_action_reply_joins):  # "… to start it", "… and I will start it"
        return False
    check = rules.hb_action_reply
    return any(check.rx.match(text, start) for start, _ in _found(lower, check.gate))


def may_hold_token(text: str, rules: Compiled) -> bool:
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
        if rule.gate and not any(map(lower[start:i].__contains__, rule.gate)):  # (the window sliced once)
            continue
        if rule.before.match(text, start, i) and (rule.after is None or rule.after.match(after)):
            return True
    return False
