"""A timed trigger whose tool lookups found nothing: the heartbeat of an agent that checks through its tools.

Agents that poll through tools get a bare stamped turn ("controllo delle 19:30", "poll 1545Z", "ajastatud kontroll
10:00"), call their lookup tools, and then the request to route is the tool results. When the turn that started the
loop is such a trigger (a few words around a time stamp, no question, no request) and every tool result came back
empty (`{"new_orders": [], "total": 0}`, `[]`, "no results"), nothing is left to do but the idle reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from larouter import jsonx
from larouter.routing.compiled import WORD_RE, Compiled
from larouter.routing.quiet import STAMP_RE, says_none
from larouter.routing.turns import Turn, read_content

TRIGGER_MAX_WORDS = 5  # words of a stamped trigger, its time included
MAX_RESULTS = 4  # tool results read (a long tool loop is work anyway; the cost must not grow with it)
MAX_RESULT_CHARS = 2000  # a longer tool result holds something
_QUESTION_MARKS = ("?", "？", "؟")
_ZULU_RE = re.compile(r"(?<!\d)(?:[01]\d|2[0-3])[0-5]\dZ\b")  # "1545Z", as aviation and radio write the time
_REQUESTS = frozenset({"please", "remind", "book", "send", "call", "set", "schedule", "order", "buy", "pay", "cancel",
                       "move", "meet", "deploy", "run", "start", "stop", "restart", "find", "search"})


def stamped_trigger(text: str, rules: Compiled) -> bool:
    """A few words around a time stamp, asking nothing ("controllo delle 19:30"), not "remind me at 10:00"."""
    words = text.split()
    if (not words or len(words) > TRIGGER_MAX_WORDS or not (STAMP_RE.search(text) or _ZULU_RE.search(text))
            or text.rstrip().endswith(_QUESTION_MARKS)):
        return False
    found = set(WORD_RE.findall(text.lower()))
    return found.isdisjoint(rules.hb_openers) and found.isdisjoint(_REQUESTS) and "me" not in found


def _empty(value: Any) -> bool:
    """JSON that holds nothing: empty containers, zeros, false, null, blank strings, all the way down."""
    if isinstance(value, Mapping):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return value in (None, False, 0, "") or (isinstance(value, str) and not value.strip())


def found_nothing(messages: Sequence[Any], turn: Turn, rules: Compiled) -> bool:
    """Whether the turn was followed by tool results only, each of them empty (JSON holding nothing, or a short
    text saying none)."""
    seen = 0
    for msg in messages[turn.index + 1 :]:
        if not isinstance(msg, Mapping) or msg.get("role") != "tool":
            continue
        content = read_content(msg.get("content"), MAX_RESULT_CHARS + 1, 0)[0].strip()
        if len(content) > MAX_RESULT_CHARS:
            return False
        try:
            empty = _empty(jsonx.loads(content)) if content[:1] in "[{" and content else not content
        except ValueError:
            empty = False
        if not empty and not (content and len(content) <= 80 and says_none(content, rules.quiet)):
            return False
        seen += 1
        if seen >= MAX_RESULTS:
            break
    return seen > 0
