"""Score one user text for code, reasoning and simplicity cues, and pick a tier.

Two scores are summed from the configured weights: `code` (fenced blocks, code syntax, error
traces, source paths, programming and computing keywords) and `reasoning` (maths notation,
proof requests with mathematical content, maths vocabulary, puzzle and step-by-step cues,
quantity word problems). REASONING wins when its score reaches the threshold and is not below
the code score; then COMPLEX on the code score. A multiple-choice question is MEDIUM unless it
carries maths notation. SIMPLE needs a short text with none of the cues that mark real work.
Everything else is MEDIUM, with the cue that kept it from SIMPLE named, or "no signal".
"""

from __future__ import annotations

import re

import attrs

from larouter.routing.compiled import CJK_RE, DIGITS_RE, MENTION_RE, Compiled
from larouter.routing.digest import status_digest
from larouter.routing.prose import prose_of_material
from larouter.routing.rules import Tuning
from larouter.routing.tiers import Tier
from larouter.routing.tokens import word_tokens

# ASCII maths ("n! has", "2^n > 10^30") is looked for in a short prompt only: its pattern has no literal to scan for,
# and over an 8 KB paste it cost ~650 us (the 128k-paste case doubled)
_ASCII_MATHS_CHARS = 1000
_WORK_CUES = ("code", "tech", "proof", "puzzle", "reasoning", "writing", "create", "analysis")


@attrs.define
class Cues:
    """What was found in one text."""

    words: int
    hits: dict[str, list[str]]
    code: float = 0.0
    reasoning: float = 0.0
    code_why: list[str] = attrs.Factory(list)
    reasoning_why: list[str] = attrs.Factory(list)
    numbers: int = 0
    notation: bool = False
    mcq: bool = False
    keywords_only: bool = True  # the code score comes from words alone (no code block, syntax, trace...)


def assess(text: str, rules: Compiled) -> tuple[Tier, float, list[str]]:
    """(tier, confidence, reasons) for a non-empty user text."""
    cues = find_cues(text, rules)
    t = rules.tuning
    if cues.mcq:
        if cues.notation and cues.reasoning >= t.reasoning_min:
            return Tier.REASONING, 0.7, ["multiple-choice with maths notation -> REASONING"]
        return Tier.MEDIUM, 0.7, ["multiple-choice question -> MEDIUM"]
    if cues.reasoning >= t.reasoning_min and cues.reasoning >= cues.code:
        if (words := prose_of_material(text)) and find_cues(words, rules).reasoning < t.reasoning_min:
            return Tier.MEDIUM, 0.6, [f"translates or summarises material with reasoning cues "
                                      f"({', '.join(cues.reasoning_why)}) for a reader -> MEDIUM"]
        conf = min(0.95, 0.5 + 0.07 * cues.reasoning) - (0.1 if cues.code >= t.complex_min else 0.0)
        return Tier.REASONING, round(conf, 2), [f"reasoning: {', '.join(cues.reasoning_why)}"]
    if cues.code >= t.complex_min:
        if (words := prose_of_material(text)) and not any(check.search(words, words.lower())
                                                          for _, check, _ in rules.code_checks):
            return Tier.MEDIUM, 0.6, [f"translates or summarises material with code cues ({', '.join(cues.code_why)})"
                                      " for a reader -> MEDIUM"]
        if cues.words <= t.simple_max_words and text.rstrip().endswith(("?", "？")) and cues.keywords_only:
            return Tier.MEDIUM, 0.6, [f"short question with code words only ({', '.join(cues.code_why)}) -> MEDIUM"]
        if cues.keywords_only and status_digest(text):
            return Tier.MEDIUM, 0.5, [f"a status digest that asks nothing, code words only ({', '.join(cues.code_why)})"
                                      " -> MEDIUM"]
        conf = min(0.95, 0.5 + 0.07 * cues.code)
        return Tier.COMPLEX, round(conf, 2), [f"code: {', '.join(cues.code_why)}"]
    blockers = _blockers(cues, t)
    if not blockers:
        simple = cues.hits.get("simple")
        if simple and cues.words <= t.simple_cue_max_words:
            return Tier.SIMPLE, 0.75, [f"simple: everyday request ({_show(simple)})"]
        if cues.words <= t.simple_max_words:
            return Tier.SIMPLE, 0.6, [f"simple: short request ({cues.words} words), no work cue"]
        return Tier.MEDIUM, 0.4, [f"no signal ({cues.words} words) -> MEDIUM"]
    return Tier.MEDIUM, 0.6, [f"{blockers} -> MEDIUM"]


def find_cues(text: str, rules: Compiled) -> Cues:
    """Run every cue over the text."""
    lower = text.lower()
    # "@Pip make a poll": a mention addresses someone, its name is not a cue (e-mail addresses are kept).
    tokens = word_tokens(MENTION_RE.sub(" ", lower) if "@" in lower else lower)
    has_cjk = CJK_RE.search(text) is not None
    words = len(tokens) + (len(CJK_RE.findall(text)) // 2 if has_cjk else 0)
    cues = Cues(words, rules.lexicon.match(tokens, lower if has_cjk else None))
    _code(cues, text, lower, rules)
    _reasoning(cues, text, lower, rules)
    if text.count("\n") >= 3 and len(rules.multiple_choice.rx.findall(text)) >= 3:
        cues.mcq = True
    return cues


def _code(c: Cues, text: str, lower: str, rules: Compiled) -> None:
    """Add the code score."""
    t = rules.tuning
    for label, check, weight in rules.code_checks:
        if check.search(text, lower):
            c.code += getattr(t, weight)
            c.code_why.append(label)
            c.keywords_only = False
    kw = c.hits.get("code")
    if kw:
        c.code += t.code_keyword * min(len(kw), t.code_keyword_cap)
        c.code_why.append(f"programming keywords ({_show(kw)})")
    tech = c.hits.get("tech")
    if tech:
        c.code += t.tech_keyword * min(len(tech), t.tech_keyword_cap)
        c.code_why.append(f"computing keywords ({_show(tech)})")


def _reasoning(c: Cues, text: str, lower: str, rules: Compiled) -> None:
    """Add the reasoning score."""
    t = rules.tuning
    maths = c.hits.get("math")
    if (rules.math_notation.search(text, lower) or rules.math_symbols.search(text, lower)
            or (len(text) <= _ASCII_MATHS_CHARS and rules.math_ascii.search(text, lower))):
        c.notation = True
        c.reasoning += t.math_notation
        c.reasoning_why.append("maths notation")
    proof = c.hits.get("proof")
    if proof:
        if c.notation or maths or "puzzle" in c.hits:
            c.reasoning += t.proof
        elif _opens_sentence(lower, proof):
            c.reasoning += t.proof_imperative
        else:
            c.reasoning += t.proof_without_math
        c.reasoning_why.append(f"asks for a proof/derivation ({_show(proof)})")
    if maths:
        c.reasoning += t.math_keyword * min(len(maths), t.math_keyword_cap)
        c.reasoning_why.append(f"maths vocabulary ({_show(maths)})")
    puzzle = c.hits.get("puzzle")
    if puzzle:
        c.reasoning += t.puzzle
        c.reasoning_why.append(f"puzzle ({_show(puzzle)})")
    talk = c.hits.get("reasoning")
    if talk:
        c.reasoning += t.reasoning_cue
        c.reasoning_why.append(f"asks for explicit reasoning ({_show(talk)})")
    step = c.hits.get("stepwise")
    if step:
        c.reasoning += t.stepwise
        c.reasoning_why.append(f"step-by-step ({_show(step)})")
    if "quantity" in c.hits and (maths or c.words >= 12):
        numbers = c.numbers = _count(DIGITS_RE, text, t.word_problem_min_numbers)
        if maths and numbers >= 1:
            c.reasoning += t.word_problem_with_math
            c.reasoning_why.append("maths question with numbers")
        elif c.words >= 12 and numbers >= t.word_problem_min_numbers:
            c.reasoning += t.word_problem
            c.reasoning_why.append("arithmetic word problem")
    elif maths:
        c.numbers = _count(DIGITS_RE, text, 1)


def _count(rx: re.Pattern[str], text: str, limit: int) -> int:
    """Matches of rx in text, counting no further than `limit`."""
    n = 0
    for _ in rx.finditer(text):
        n += 1
        if n >= limit:
            break
    return n


def _opens_sentence(lower: str, entries: list[str]) -> bool:
    """Whether one of the (proof) keywords starts a sentence: "Prove your answer." is a request."""
    for entry in entries:
        stem = entry.rstrip("*")
        i = lower.find(stem)
        while i >= 0:
            j = i - 1
            while j >= 0 and lower[j] in " \t\"'(":
                j -= 1
            if j < 0 or lower[j] in ".!?:;\n。！？：；":
                return True
            i = lower.find(stem, i + 1)
    return False


def _blockers(c: Cues, t: Tuning) -> str:
    """The strongest cue that rules out SIMPLE, described; empty when none.

    One maths word without numbers ("roll a dice") does not.
    """
    if c.code:
        return f"code cues below COMPLEX ({', '.join(c.code_why)})"
    if c.reasoning > t.math_keyword or (c.reasoning and c.numbers):
        return f"reasoning cues below REASONING ({', '.join(c.reasoning_why)})"
    for cue in _WORK_CUES:
        found = c.hits.get(cue)
        if found:
            return f"{cue} request ({_show(found)})"
    return ""


def _show(entries: list[str], limit: int = 3) -> str:
    """A few matched keywords for a reason string, as the lexicon writes them ("wie spät", "证明"; a stem's `*`
    dropped). The header's ASCII form is made where the header is set (`proxy.call.header_safe`)."""
    shown = [e.rstrip("*") for e in entries[:limit]]
    if len(entries) > limit:
        shown.append(f"+{len(entries) - limit} more")
    return ", ".join(shown)
