"""A turn that recurs in its own conversation: the request's own evidence that it is a heartbeat.

Agents poll inside a long-running session, so a check-in's earlier beats are often in the request's history: the
same user turn, give or take its clock (see `sameness.py`), each time answered with the same short ack ("zz",
"RAS", "patrol:clear", or nothing at all). That is a heartbeat whatever its wording or language, and the classifier
can see it without knowing the framework's convention. The test is strict, so real work keeps its tier:

- the earlier sightings are the same turn, not a similar one: a count that went from 0 to 3 is a different turn;
- every sighting looked at was answered (its last assistant text before the next user turn, after any tool calls)
  with at most `max_ack_chars` characters, and all with the same answer; one different answer ends the test;
- only the last `lookback` messages are read, and a message is normalised only when its length is close to the
  turn's and it contains the turn's longest stretch without digits or line breaks (which normalising keeps as it
  is), so the cost does not grow with the history and stays ~2 us on a typical request.

It runs only when the rules found neither a heartbeat nor work in the turn, and never for a turn reached through a
continuation (a "yes" answered "Done." twice is not a check-in). The learned heartbeats of `repeats.py` are the
same evidence gathered across requests, for agents that send each beat without its history.

The history also shows work: `count_rose` finds a labelled count above zero in a turn the rules call a heartbeat
that an earlier user turn of the conversation had at zero ("refill requests: 0" then "refill requests: 1").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from larouter.routing.compiled import Compiled
from larouter.routing.envelope import strip_envelope
from larouter.routing.sameness import normalise
from larouter.routing.turns import Turn, read_content

_SLACK = 24  # characters two sightings' lengths may differ by (a longer date, a weekday name)
_STRETCH_RE = re.compile(r"[^\d\n]+")
_DIGITS_TO_BREAKS = bytes.maketrans(b"0123456789", b"\n" * 10)  # (in an ASCII text \d is 0-9)
_MIN_STRETCH = 8  # shorter stretches are not worth a substring test: normalise instead


class Recurrence(NamedTuple):
    """What the earlier sightings of a recurring turn got: the one short answer, and whether every one of them made a
    tool call before it (an agent loop's steps, each worked through, then "Done.", review T; a check-in reads its
    checklist now and then, not at every beat)."""

    ack: str
    worked: bool


def recurring_ack(messages: Sequence[Any], turn: Turn, text: str, rules: Compiled) -> Recurrence | None:
    """The short answer every earlier sighting of this turn got, when it recurred `min_repeats` times; else None.

    `text` is the turn's text without its envelope; earlier sightings are read the same way."""
    r = rules.recur
    if r.min_repeats <= 0 or turn.truncated or len(turn.text) > r.max_chars or not text.strip():
        return None
    size = len(turn.text)
    slack = _SLACK + size // 10
    stretch: str | None = None
    key: bytes | None = None
    answer: bytes | None = None
    seen = 0
    worked = True
    for i in range(turn.index - 1, max(-1, turn.index - 1 - r.lookback), -1):
        msg = messages[i]
        if not isinstance(msg, dict) or msg.get("role") != "user":
            continue
        earlier = msg.get("content")
        if not isinstance(earlier, str):
            earlier = read_content(earlier, r.max_chars + slack, 0)[0]
        if abs(len(earlier) - size) > slack:
            continue
        if stretch is None:
            stretch = _longest_stretch(text)
            stretch = stretch if len(stretch) >= _MIN_STRETCH else ""
        if stretch not in earlier:
            continue
        key = key if key is not None else normalise(text)
        if normalise(strip_envelope(earlier, rules)[0]) != key:
            continue
        reply, tools = _answer(messages, i + 1, turn.index, r.max_ack_chars)
        if reply is None:  # not answered (a queued duplicate): neither for nor against
            continue
        worked = worked and tools
        if len(reply) > r.max_ack_chars:
            return None
        said = normalise(reply)
        if answer is not None and said != answer:
            return None
        answer = said
        seen += 1
        if seen >= r.min_repeats:
            return Recurrence(reply, worked)
    return None


def _longest_stretch(text: str) -> str:
    """The first longest run of `text` without digits or line breaks (`_STRETCH_RE`), stripped; an ASCII text is
    split at them with `bytes.translate` (~4x faster than the regex)."""
    if text.isascii():
        return max(text.encode("ascii").translate(_DIGITS_TO_BREAKS).split(b"\n"), key=len).decode("ascii").strip()
    return max(_STRETCH_RE.findall(text), key=len, default="").strip()


def _answer(messages: Sequence[Any], start: int, stop: int, cap: int) -> tuple[str | None, bool]:
    """The last assistant text between a user turn (before `start`) and the next user turn, stripped (read up to
    a little over `cap` characters); "" for an assistant that answered with nothing, None when none answered. Also
    whether the assistant made a tool call on the way."""
    answer = None
    tools = False
    for i in range(start, stop):
        msg = messages[i]
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        if role == "user":
            content = msg.get("content")
            _, _, tool_parts, _ = read_content(content, 0, 0) if isinstance(content, list) else ("", 0, 0, False)
            if not tool_parts:  # a user message carrying only tool results continues the exchange
                break
            tools = True
        elif role == "assistant":
            content = msg.get("content")
            text = read_content(content, 2 * cap + 16, 0)[0] if content is not None else ""
            called = bool(msg.get("tool_calls") or msg.get("function_call")) or (isinstance(content, list) and any(
                isinstance(part, dict) and part.get("type") in _CALL_PARTS for part in content))
            tools = tools or called
            if text.strip() or not called:
                answer = text.strip()
        elif role in ("tool", "function"):
            tools = True
    return answer, tools


_CALL_PARTS = frozenset({"tool_use", "function_call"})  # a tool call as a content part (Anthropic's, Responses')


# "refill requests: 1", "queue=3": a count after a separator, and the label of up to four words just before it. The
# label has no digits ("T03:00" is a time); the count is not part of a time, date or decimal ("時刻: 09:00").
_COUNT_AFTER_RE = re.compile(r"[:=：][ \t]*(\d+)(?![\d:/]|[.,]\d)")
_LABEL_BEFORE_RE = re.compile(r"(?<![\w-])([^\W\d_]+(?:[ \t_'-]+[^\W\d_]+){0,3})[ \t]*\Z")
_LABEL_WINDOW = 60


def count_rose(messages: Sequence[Any], turn: Turn, text: str, rules: Compiled) -> str | None:
    """A label whose count is above zero in this turn and was zero in an earlier user turn of the conversation
    ("refill requests: 0" answered with the idle token, now "refill requests: 1"), or None. The same poll format
    with a count that rose is news, whatever the framework's words; numbering fields (`seq`, `tick`, ...) aside."""
    raised = {label: n for label, n in _labelled_counts(text, zero=False) if label.split()[-1] not in rules.quiet.label_keys}
    if not raised:
        return None
    r = rules.recur
    for i in range(turn.index - 1, max(-1, turn.index - 1 - r.lookback), -1):
        msg = messages[i]
        if not isinstance(msg, dict) or msg.get("role") != "user":
            continue
        earlier = msg.get("content")
        if not isinstance(earlier, str):
            earlier = read_content(earlier, r.max_chars, 0)[0]
        for label, n in _labelled_counts(earlier[: r.max_chars], zero=True):
            if label in raised:
                return f"{label}: 0 -> {raised[label]}"
    return None


def _labelled_counts(text: str, zero: bool) -> list[tuple[str, int]]:
    """(lowercased label, count) for every labelled count of `text` that is zero (`zero`) or above zero (not): the
    label is looked for only where the count is one of those and a letter ends the text before it (the label pattern
    tried at every position of its window cost ~2 us a count)."""
    found = []
    for m in _COUNT_AFTER_RE.finditer(text):
        n = int(m.group(1))
        if (n == 0) != zero or not _letter_before(text, m.start(), max(0, m.start() - _LABEL_WINDOW)):
            continue
        label = _LABEL_BEFORE_RE.search(text, max(0, m.start() - _LABEL_WINDOW), m.start())
        if label is not None:
            found.append((label.group(1).lower(), n))
    return found


def _letter_before(text: str, at: int, start: int) -> bool:
    """Whether text[start:at], without its trailing spaces and tabs, ends with a letter (a word character that is
    no digit nor "_", as the label pattern's last one is)."""
    j = at - 1
    while j >= start and text[j] in " \t":
        j -= 1
    return j >= start and text[j].isalnum() and not text[j].isdecimal() and text[j] != "_"
