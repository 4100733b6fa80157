"""Turns that quote a check-in or ask about it: the idle token inside a quoted prompt, a fenced payload with prose
around it, a question that closes the token or ends a long report. `heartbeat.detect` asks these before it calls a
turn with an idle token a heartbeat."""

from __future__ import annotations

from larouter.routing.asking import QUESTION_MARKS
from larouter.routing.compiled import CJK_RE
from larouter.routing.hbmodel import UNSPACED_RE

_QUOTES = {"\"": "\"", "“": "”", "«": "»", "「": "」", "„": "”"}  # „…” (pl, cs, hu); German „…“ below
QUOTED_PROMPT_MIN_CHARS = 20  # a quotation opened this far before the token holds a prompt, not just the token
QUOTED_PROMPT_MIN_WORDS = 9  # words outside the quotation that make the turn a message about the quoted prompt


def questions(text: str) -> int:
    """Sentences ending with a question mark."""
    return sum(text.count(q) for q in QUESTION_MARKS)


def quoted_prompt(text: str, at: int) -> bool:
    """Whether the ack instruction at `at` sits inside a quoted prompt that a longer message talks about: the
    quotation opened at least QUOTED_PROMPT_MIN_CHARS before it and QUOTED_PROMPT_MIN_WORDS words lie outside it.
    A quoted token alone ('reply "HEARTBEAT_OK"') stays an instruction."""
    for opening, closing in _QUOTES.items():
        start = text.rfind(opening, 0, at)
        if start < 0 or at - start < QUOTED_PROMPT_MIN_CHARS:
            continue
        if opening == closing:
            if text.count(opening, 0, at) % 2 == 0:  # the last one closed a quotation
                continue
        elif closing in text[start:at] or (opening == "„" and "“" in text[start:at]):
            continue
        end = text.find(closing, at) if opening != "„" else min((i for i in (text.find("”", at), text.find("“", at))
                                                                  if i >= 0), default=-1)
        if enough_outside(text, start, end):
            return True
    start = single_quote_opening(text, at)  # 'If nothing needs attention, reply HEARTBEAT_OK'
    if start >= 0 and at - start >= QUOTED_PROMPT_MIN_CHARS:
        return enough_outside(text, start, single_quote_closing(text, at))
    return _in_blockquote(text, at)


def _in_blockquote(text: str, at: int) -> bool:
    """Whether `at` sits in a Markdown block quote ("> Read HEARTBEAT.md if it exists … reply HEARTBEAT_OK.") with
    a message around it (blind v48: "every 30 min there's this message I never typed: > … is that a prompt
    injection??")."""
    start = text.rfind("\n", 0, at) + 1
    if not text.startswith(">", start):
        return False
    while start > 0 and text.startswith(">", text.rfind("\n", 0, start - 1) + 1):
        start = text.rfind("\n", 0, start - 1) + 1  # (up to the quote's first line)
    end = text.find("\n", at)
    while end >= 0 and text.startswith(">", end + 1):
        end = text.find("\n", end + 1)
    return enough_outside(text, start, end)


ASK_AFTER_WORDS = 6
ASK_AFTER_MIN_TURN = 25  # no labelled row of v1-v21 changes from 15 to 60; blind v22 asked in 32 words


def asks_after(text: str, at: int, token: str) -> bool:
    """Whether a turn of ASK_AFTER_MIN_TURN words or more ends with a question of ASK_AFTER_WORDS words or more
    after the idle token it mentions at `at` ("... reply=HEARTBEAT_OK suppressed ... Woran liegt das und wie behebe
    ich es?"), or about the `token` it mentioned before ('... isubiza "NO_REPLY" ... NO_REPLY bisobanura iki, kandi
    kuki ...?'): a person reporting a problem. A scheduler asks for its idle reply last, or asks briefly."""
    tail = text.rstrip(" \t\n\"'”»」)")
    if not tail.endswith(QUESTION_MARKS) or len(text.split()) < ASK_AFTER_MIN_TURN:
        return False
    start = max(tail.rfind(mark, 0, len(tail) - 1) for mark in (".", "!", "\n", "。", *QUESTION_MARKS)) + 1
    if start <= at and token not in text[:start]:  # the question holds the token's only mention: a
        return False  # scheduler's last line may ("..., or reply HEARTBEAT_OK?"); a second mention asks about it
    last = tail[start:]
    return len(last.split()) + len(CJK_RE.findall(last)) // 2 >= ASK_AFTER_WORDS


def fenced_with_prose(text: str) -> bool:
    """Whether the turn quotes a code block and talks about it: QUOTED_PROMPT_MIN_WORDS words outside its fences
    (from the first to the last). A check-in sent as a fenced payload is the block alone."""
    start = text.find("```")
    end = text.rfind("```")
    return enough_outside(text, start, end + 2 if end > start else -1)


def enough_outside(text: str, start: int, end: int) -> bool:
    """Whether QUOTED_PROMPT_MIN_WORDS words lie outside the quotation text[start:end + 1] (to the end if open); in
    scripts written without spaces, three characters count as a word."""
    outside = text[:start] + " " + (text[end + 1 :] if end >= 0 else "")
    return len(outside.split()) + len(UNSPACED_RE.findall(outside)) // 3 >= QUOTED_PROMPT_MIN_WORDS


def single_quote_opening(text: str, at: int) -> int:
    """Where a quotation in single quotes that is still open at `at` starts, or -1. An apostrophe ("Here's", "kids'")
    has a letter before it; an opening quote does not, a closing one has no letter after it."""
    i = at
    while (i := max(text.rfind("'", 0, i), text.rfind("‘", 0, i), text.rfind("’", 0, i))) >= 0:
        before = text[i - 1 : i]
        after = text[i + 1 : i + 2]
        if not before.isalnum() and after and not after.isspace():
            return i  # an opening quote
        if before and not before.isspace() and not after.isalnum():
            return -1  # a closing quote: the quotation before `at` is closed
    return -1


def single_quote_closing(text: str, at: int) -> int:
    """Where the quotation in single quotes open at `at` closes (a quote with no letter after it), or -1."""
    i = at
    while (i := min((j for j in (text.find("'", i), text.find("’", i)) if j >= 0), default=-1)) >= 0:
        if not text[i + 1 : i + 2].isalnum():
            return i
        i += 1
    return -1


def asked_about(text: str, end: int) -> bool:
    """Whether the token ending at `end` closes a question ("Why did you just reply HEARTH_IDLE??")."""
    return text[end : end + 3].lstrip(" \"'`”’»」").startswith(QUESTION_MARKS)


def in_fence(text: str, at: int) -> bool:
    """Whether `at` lies inside a ``` fenced block (an odd number of fences before it)."""
    return text.count("```", 0, at) % 2 == 1
