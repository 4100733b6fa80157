"""Phrasings of a limit rewritten into the form `stated_limits.py` reads, and the clause helpers both use.

A checklist bounds a reading by a figure it gave before ("failed_count was 2 after the NFS hiccup; tell me if it's
higher than that") or puts the operator after the figure ("CAP at 85% or above means I need to order disks"): each
such line is read as well in the form the operators read ("… failed_count is higher than 2", "CAP ≥ 85%").
"""

from __future__ import annotations

import re

from larouter.routing.limit_vocab import unit_dimension

# Where a clause starts: the words of a condition, the marks between clauses.
_CLAUSE_RE = re.compile(r"(?:^|[,;:(\[—–•*]|\s-\s|\b(?:if|when|whenever|once|unless|and|or|wenn|sobald|si|quand"
                        r"|lorsque|cuando|se|quando|als|jeśli|если|ou|oder|o)\b)(?![^,;:(\[]*\b(?:if|when|whenever|wenn"
                        r"|si|quand|cuando|se|quando)\b)", re.I)
SENTENCE_RE = re.compile(r"[.!?;]\s|\n")
PRONOUN_RE = re.compile(r"\b(?:it|it's|its|that|this|es|il|elle|ello|esso|essa|het|to|оно)\b", re.I)


def last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def last_end(pattern: re.Pattern[str], text: str) -> int:
    m = last(pattern, text)
    return m.end() if m is not None else 0


def clause_of(before: str) -> str:
    """The clause an operator closes: the words after the last clause mark or condition word before it."""
    start = 0
    for m in _CLAUSE_RE.finditer(before):
        start = m.end()
    return before[start:][-60:]


def rewritten_lines(text: str) -> list[str]:
    """The instructions' lines, each with its postfix operators put before their figure ("85% or above": "≥ 85%"),
    and after one that bounds a reading by a figure it gave before, that bound written out (blind v43)."""
    lines = [_POSTFIX_RE.sub(_prefixed, line) if " or " in line else line for line in text.splitlines()]
    for line in list(lines):
        m = _BASELINE_RE.search(line) if "th" in line or "before" in line else None
        was = last(_WAS_RE, line[: m.start()]) if m is not None else None
        if m is not None and was is not None:
            subject = clause_of(was[1]).strip(" -*")
            start = last_end(SENTENCE_RE, line[: m.start()])
            lead = PRONOUN_RE.sub(lambda _: subject, line[max(start, was.end()): m.start()], count=1)
            op = m[1].lower() if m[1].lower() in _WORD_OPS else f"{m[1].lower()} than"
            unit = was[3] if was[3] and (was[3] == "%" or unit_dimension(was[3].lower())[0]) else ""
            lines.append(f"{lead}{op} {was[2]} {unit}")
    return lines


def _prefixed(m: re.Match[str]) -> str:
    above = m[2].lower() in ("above", "over", "more", "higher", "greater")
    return f"{'≥' if above else '≤'} {m[1]}"


_WORD_OPS = frozenset({"above", "over", "below", "under"})
_BASELINE_RE = re.compile(r"\b(higher|more|greater|bigger|larger|lower|less|fewer|smaller|above|over|below|under)"
                          r"\s+(?:than\s+)?(?:that|this|before|then)\b", re.I)
_WAS_RE = re.compile(r"([^\W\d][\w.\- ]{0,60}?)\s+(?:was|were|is|are|stood at|sat at|has been|war|était)\s+(?:at\s+)?"
                     r"([+−-]?\d+(?:[.,]\d+)?)\s*(%|[^\W\d_]{1,12})?", re.I)
# A figure, then its operator ("85% or above", "20 °C or below", "3 or more").
_POSTFIX_RE = re.compile(r"(?<![\w.,])(?:at\s+)?([+−-]?\d+(?:[.,]\d+)?\s?(?:%|°\s?[CF]|[^\W\d_]{1,12})?)\s+or\s+"
                         r"(above|over|more|higher|greater|below|under|less|lower|fewer)\b", re.I)
