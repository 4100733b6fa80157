"""What makes a check-in-looking turn someone's message instead: a long question, or a quoted item to act on.

A scheduler asks at most "anything new since 10:00?"; a person asks "what does request_heartbeat=true actually do,
and why …?". A poll with no idle instruction that quotes a message, a task or a reminder ("Reminder due now:
«take the pill after dinner»", a ticket's text) brings work, whatever language its labels are in.
"""

from __future__ import annotations

import re

from larouter.routing.compiled import CJK_RE, SENTENCE_SPLIT_RE, WORD_RE, Compiled
from larouter.routing.quiet import says_none
from larouter.routing.tokens import word_tokens

QUESTION_MARKS = ("?", "？", "؟")
QUOTED_ITEM_WORDS = 4  # a quotation this long in a poll with no idle instruction is an item to act on
QUOTED_QUIET_WORDS = 8  # ... unless it is this short and says none or all clear (a longer one is a message)
_QUOTED_RE = re.compile(r"(?:(?<=[\s:(])|^)(?:\"([^\"\n]{8,300})\"|“([^”\n]{8,300})”|„([^“”\n]{8,300})[“”]"
                        r"|«([^»\n]{8,300})»|「([^」\n]{8,300})」|'([^'\n]{8,300})'(?=[\s.,;:!?)—–-]|$))")


def quotes_an_item(text: str, rules: Compiled) -> bool:
    """Whether the turn quotes a passage of QUOTED_ITEM_WORDS words or more (a message, a reminder, a ticket): not
    in a JSON payload (its strings are quoted anyway), not a name in capitals ("«Voluntarios Banco de Alimentos»"),
    not one that itself says none or all clear ("'All clear – nothing to report.'")."""
    if not any(map(text.__contains__, "\"“„«「'")) or text.lstrip()[:1] in "{[<":
        return False
    for m in _QUOTED_RE.finditer(text):
        quoted = next(g for g in m.groups() if g is not None)
        words = [w for w in quoted.split() if any(c.isalpha() for c in w)]
        size = len(words) + len(CJK_RE.findall(quoted)) // 2
        if size < QUOTED_ITEM_WORDS or (words and sum(w[0].isupper() for w in words) * 5 >= len(words) * 3):
            continue
        if size > QUOTED_QUIET_WORDS or not (says_none(quoted, rules.quiet)
                                             or rules.quiet.well.found(word_tokens(quoted.lower()), quoted)):
            return True
    return False


def opening_word(lower: str) -> str:
    """The turn's first word after a leading sender tag ("[telegram · dana] turn off ..." -> "turn"); "" if none."""
    stripped = lower.lstrip()
    start = 0
    if stripped.startswith("[") and (end := stripped.find("]", 0, 80)) > 0:
        start = len(lower) - len(stripped) + end + 1
    m = WORD_RE.search(lower, start)
    return m.group() if m is not None else ""


LONG_QUESTION_WORDS = 12  # a poll may ask "anything new since 10:00?"; a question this long is someone asking


def long_question(text: str) -> bool:
    """Whether a sentence of the turn is a question of LONG_QUESTION_WORDS words or more (CJK: twice as many
    characters), which a scheduler does not ask."""
    if not any(map(text.__contains__, QUESTION_MARKS)):
        return False
    for sentence in SENTENCE_SPLIT_RE.split(text):
        if sentence and sentence.rstrip(" \t\"'”»」)").endswith(QUESTION_MARKS):
            size = len(sentence.split()) + len(CJK_RE.findall(sentence)) // 2
            if size >= LONG_QUESTION_WORDS:
                return True
    return False


def in_long_question(text: str, at: int) -> bool:
    """Whether position `at` (an idle token) lies in a question of LONG_QUESTION_WORDS words or more: the token is
    asked about ("What exactly does HEARTBEAT_OK mean in OpenClaw, and why …?"), not asked for."""
    ends = [i for i in (text.find(mark, at) for mark in QUESTION_MARKS) if i >= 0]
    if not ends:
        return False
    start = max(text.rfind(mark, 0, at) for mark in (".", "!", "\n", "。", *QUESTION_MARKS)) + 1
    sentence = text[start : min(ends) + 1]
    if any(map(sentence.__contains__, (".", "!", "\n", "。"))):
        return False  # the sentence with the token ended before the question mark
    return len(sentence.split()) + len(CJK_RE.findall(sentence)) // 2 >= LONG_QUESTION_WORDS


def asks_about_token(text: str, lower: str, tokens: tuple[str, ...]) -> bool:
    """Whether a named idle token is the subject of a question, with words after it before the question mark ("is
    HEARTBEAT_OK case-sensitive?", "does NO_REPLY still work in groups?"): a turn asking about the token, whatever it
    says next. A token that closes the question ("…, or HEARTBEAT_OK?") is left to the other rules."""
    if not any(map(text.__contains__, QUESTION_MARKS)):
        return False
    for token in tokens:
        at = lower.find(token)
        while at >= 0:
            end = at + len(token)
            stops = [i for i in (text.find(mark, end) for mark in (".", "!", "\n", "。", *QUESTION_MARKS)) if i >= 0]
            if stops:
                stop = min(stops)
                if text[stop] in QUESTION_MARKS and any(c.isalnum() for c in text[end:stop]):
                    return True
            at = lower.find(token, end)
    return False

