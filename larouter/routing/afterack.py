"""A request written after a check-in's idle instruction: "Read HEARTBEAT.md … If nothing needs attention, reply
HEARTBEAT_OK.\\nAlso, prove that there are infinitely many primes." The check-in's words are a framework's, the
request after them a person's: the turn is that request's work, not a heartbeat.

Read only what follows the sentence that asks for the idle reply, without the clock lines frameworks append
("Current time: …") and never when it is the check-in's own material (a checklist pasted in a block or as a list,
"HEARTBEAT.md:"); only a request the scorer sends to COMPLEX or REASONING, or to MEDIUM for writing, creating or
analysing something ("Also — draft the Q3 investor update …"), counts: "Also check the calendar" after the ack is
part of many a check-in, a proof or a draft never is.
"""

from __future__ import annotations

import re

from larouter.routing.compiled import Compiled
from larouter.routing.signals import assess
from larouter.routing.tiers import Tier

_SENTENCE_END_RE = re.compile(r"[.!?。！？]+(?:\s|$)|\n")
_CLOCK_RE = re.compile(r"^\s*(?:current (?:time|date)|now|time|date)\s*:[^\n]*$", re.I | re.M)
_MIN_CHARS = 12  # shorter tails are a signature, an emoji, "thanks"
_MATERIAL_RE = re.compile(r"^\s*(?:[-*+•#>|]|\d{1,2}[.)]\s|\[[ xX]\]|[\w./-]{1,40}\.md\s*:?\s*$)", re.M)
_WORK = (Tier.COMPLEX, Tier.REASONING)
_OTHERWISE_RE = re.compile(r"(?:otherwise|else|if not|if there is|if anything|sonst|andernfalls|sinon|autrement|si no"
                           r"|de lo contrario|caso contrário|senão|altrimenti|anders|annars|ellers|иначе|в противном случае"
                           r"|інакше|w przeciwnym razie|aksi halde|jika tidak|否则|否則|それ以外|그렇지 않으면)\b", re.I)
_WORK_REQUESTS = ("writing request", "create request", "analysis request")  # MEDIUM work asked in words (signals.py)


def asks_after_ack(text: str, at: int, rules: Compiled) -> bool:
    """Whether the text after the sentence holding the ack token at `at` asks for COMPLEX or REASONING work."""
    end = _SENTENCE_END_RE.search(text, at)
    if end is None:
        return False
    tail = _CLOCK_RE.sub("", text[end.end():]).strip()
    if len(tail) < _MIN_CHARS or "```" in tail or _MATERIAL_RE.search(tail) or _OTHERWISE_RE.match(tail):
        return False  # the check-in's own material (its checklist pasted in a block or a list, a labelled file), or
        # what to do when there is news ("Otherwise write a friendly 5-line morning brief"): the check-in's own branch
    tier, _, why = assess(tail, rules)
    return tier in _WORK or (tier is Tier.MEDIUM and why[0].startswith(_WORK_REQUESTS))
