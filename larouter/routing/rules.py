"""Classifier configuration: every rule set and knob, with the shipped defaults.

All values are attrs classes, strings, numbers and tuples, so a plain dict (from TOML or JSON)
structures into a `ClassifierConfig` with cattrs. A section or field left out keeps its
default; a list you set replaces the shipped one (extend it by copying the default). Patterns
are Python regular expressions; lexicon entries are described in `lexicon.py`.
"""

from __future__ import annotations

import attrs

from larouter.routing import lexicon as lx
from larouter.routing.bounds import number, size, weight
from larouter.routing.conversation_rules import ContinuationRules, RecurrenceRules
from larouter.routing.heartbeat_rules import Gated, HeartbeatRules
from larouter.routing.quiet_rules import QuietReportRules


@attrs.frozen
class Lexicon:
    """Keywords for one cue: word tokens/phrases (`stem*` for prefixes) and CJK substrings."""

    words: tuple[str, ...] = ()
    cjk: tuple[str, ...] = ()


@attrs.frozen
class Lexicons:
    """The keyword cues the scorer counts."""

    code: Lexicon = Lexicon(lx.CODE_WORDS, lx.CODE_CJK)
    tech: Lexicon = Lexicon(lx.TECH_WORDS, lx.TECH_CJK)
    math: Lexicon = Lexicon(lx.MATH_WORDS, lx.MATH_CJK)
    proof: Lexicon = Lexicon(lx.PROOF_WORDS, lx.PROOF_CJK)
    puzzle: Lexicon = Lexicon(lx.PUZZLE_WORDS, lx.PUZZLE_CJK)
    reasoning: Lexicon = Lexicon(lx.REASONING_WORDS, lx.REASONING_CJK)
    stepwise: Lexicon = Lexicon(lx.STEPWISE_WORDS, lx.STEPWISE_CJK)
    writing: Lexicon = Lexicon(lx.WRITING_WORDS, lx.WRITING_CJK)
    create: Lexicon = Lexicon(lx.CREATE_WORDS, lx.CREATE_CJK)
    analysis: Lexicon = Lexicon(lx.ANALYSIS_WORDS, lx.ANALYSIS_CJK)
    simple: Lexicon = Lexicon(lx.SIMPLE_WORDS, lx.SIMPLE_CJK)
    quantity: Lexicon = Lexicon(lx.QUANTITY_WORDS, lx.QUANTITY_CJK)


_LATEX = (
    r"\\(?:d?frac|tfrac|sqrt|sum|int|prod|lim|log|ln|sin|cos|tan|cdot|times|div|leq?|geq?|neq|pm"
    r"|infty|pi|theta|alpha|beta|gamma|omega|d?binom|mathbb|mathcal|mathrm|overline|angle"
    r"|triangle|circ|begin|left|right|[lr]floor|[lr]ceil|equiv|pmod|[cl]dots|vec|hat)\b"
)
_EXTENSIONS = (
    "py|js|mjs|ts|tsx|jsx|go|rs|java|kt|rb|php|cpp|hpp|cc|cs|swift|sh|sql|ipynb|lua|scala|vue"
    "|svelte|tf|gradle"
)


@attrs.frozen
class Patterns:
    """Structural cues found with regular expressions, each run only when its gate matches."""

    code_block: Gated = Gated(r"(?m)^[ \t]*(?:```|~~~)", ("```", "~~~"))
    code_syntax: Gated = Gated(
        r"(?m)^[ \t]*(?:def [a-zA-Z_]\w*\(|class [A-Z]\w*[(:]|import [\w.]+|from [\w.]+ import "
        r"|function\s*\w*\(|const \w+ ?=|let \w+ ?=|var \w+ ?=|public |private |fn \w+\(|func \w+\("
        r"|package \w+|#include|using namespace|SELECT .{1,200}? FROM|CREATE TABLE|INSERT INTO"
        r"|<\?php|<!DOCTYPE|<html|<div|#!/|\$ \w+|>>> )"
    )
    code_names: Gated = Gated(
        r"(?i)(?<![\w+#])(?:c\+\+|c#|f#|\.net|node\.js|next\.js|vue\.js|three\.js)(?![\w+#])",
        ("+", "#", ".net", ".js"),
    )
    # Go, capitalised, as the language something is written in ("in Go", "用 Go", "a Go implementation", "Go 的实现");
    # every match begins at "Go", so it is tried only where "go" is (not "go ahead", "Go to the …")
    go_language: Gated = Gated(
        r"(?:(?<=\bin )|(?<=\bwith )|(?<=\busing )|(?<=用)|(?<=用 ))Go\b(?!\s(?:to|ahead|back|for|on|out|home|through)\b)"
        r"|\bGo\s?(?:implementation|code|program|service|module|library|package|struct|的|版|で|로|语言|語言)",
        ("go",), ("go",))
    source_file: Gated = Gated(r"\.(?:" + _EXTENSIONS + r")\b", (".",))
    inline_code: Gated = Gated(r"`[^`\n]*(?:\(\)|[=;{}]|\w\.\w+\(|::|->|=>)[^`\n]*`", ("`",))
    identifier: Gated = Gated(r"\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\b(?![ \t]?=[ \t]?[\w\"'])|\b[a-z]+[A-Z]\w*\(\)", ("_", "()"))
    big_o: Gated = Gated(r"\bO\((?:1|n|log ?n|n ?log ?n|n ?\^ ?2|n²|k|n ?\+ ?m|m ?\+ ?n|n ?\* ?m)\)", ("o(",))
    io_spec: Gated = Gated(
        r"(?im)^[ \t]*(?:input|output)(?: format| specification)?[ \t]*:?[ \t]*$"
        r"|^[ \t]*(?:sample|example) (?:input|output)\b|^[ \t]*constraints[ \t]*:?[ \t]*$",
        ("input", "output", "constraints"),
    )
    stack_trace: Gated = Gated(
        r"(?m)Traceback \(most recent call last\)|Exception in thread|(?:Error|Exception):\s|panic: "
        r"|Segmentation fault|error\[E\d+\]|npm ERR!|^E {3,}\w|^\s+at [\w$.<>]+\(.*:\d+\)",
        ("error", "exception", "traceback", "panic: ", "segmentation fault", "err!", "\ne   ", "\tat ", "  at "),
    )
    math_notation: Gated = Gated(
        _LATEX + r"|\$\$|\\\[|(?<![\w$])\$(?![^$\n]*?[A-Za-z]{2,}\s+[A-Za-z]{2,}[^$\n]*\$)"
        r"(?:[^$\n]{0,120}?[\\^_{}=<>+*/()][^$\n]{0,120}?|\s*[A-Za-z]{1,3}\s*|\s*-?\d+\s*)\$(?![A-Za-z_\d])"
        r"|(?<![/\w])\d*[a-zA-Z]\s*\^\s*\(?-?[\d{a-z]|\b[a-zA-Z]\([a-z]\)\s*=|\b\d+\s*[a-z]\s*[+\-]\s*\d+\s*="
        r"|\|\s*[a-z]\s*[+\-]\s*\d+\s*\|",
        ("$", "\\", "^", "=", "|"),
    )
    # ASCII maths beside it, its own check so that its wider gate never runs the notation above over a long paste
    # (it did: 2.3 ms on an 8 KB paste that said "using"), read in short prompts only (signals.py): a function of a variable ("log2(x)", "sin(x)"), a letter's
    # factorial ("n! has"), a power in an inequality ("2^n > 10^30"; "10^6 requests" alone is a count, "1 <= n <=
    # 10^3" a function's bounds)
    math_ascii: Gated = Gated(
        r"(?<![.\w])(?:log\d*|ln|sin|cos|tan|exp)\s*\(\s*[a-z]\b|(?<![\w!])[a-z]!(?=\s)(?!\s*=)"
        r"|(?<![\w.])\d+\s*\^\s*(?:\d+|[a-z])\b(?=[^\n]{0,24}[<>=])",
        ("log", "ln(", "ln (", "sin(", "cos(", "tan(", "exp(", "sin (", "cos (", "tan (", "exp (", "! ", "!\n", "^"),
    )
    # (≤ and ≥ between a word and a number that closes its clause are a limit, not notation: "freezer -4 °C (normal
    # ≤ -15)"; "n ≥ 1", "makespan ≤ (2 − 1/m)·OPT" are notation)
    math_symbols: Gated = Gated(r"[∑∫√≠∞∈∉∀∃⊂⊆∪∩≡∂∇]|(?<![^\W\d_]{3}\s)(?<![^\W\d_]{3})"
                                r"(?<![\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2}\s)(?<![\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2})[≤≥]"
                                r"|[≤≥](?!\s?[+−-]?\d+(?:[.,]\d+)?\s?(?:%|°\s?[CF]?|[^\W\d_]{1,4})?\s*(?:[)\],;\n）】，；]|$))",
                                tuple("∑∫√≠∞∈∉∀∃⊂⊆∪∩≡∂∇≤≥"))  # (gated: the lookbehinds, tried at every position, cost)
    multiple_choice: Gated = Gated(r"(?m)^[ \t]*\(?[A-Ea-e][.)][ \t]+\S", ("\n",))


@attrs.frozen
class EnvelopeRules:
    """What agents wrap around user text, removed before anything is read."""

    blocks: tuple[Gated, ...] = (
        # OpenClaw-style metadata blocks: "Sender (untrusted metadata):" + fenced JSON.
        Gated(r"(?ms)^[^\n]{0,80}\((?:untrusted|metadata)[^)\n]*\):[ \t]*\n(```|~~~)[^\n]*\n(?:[^\n]*\n)+?\1[ \t]*$\n?",
              ("(untrusted", "(metadata")),
        Gated(r"(?ms)^Untrusted context \([^)\n]*\):[ \t]*\n<<<[A-Z_]+>>>.*\Z", ("untrusted context",)),
    )
    # Removed where they start a line (with whatever follows on the line when the pattern says so).
    lines: Gated = Gated(
        r"\[message_id:[^\]\n]*\]|\[\[reply_to(?:_current|:[^\]\n]*)\]\]|\[media attached[^\n]*"
        r"|To send an image back, prefer the message tool[^\n]*|\[image data removed[^\n]*"
        # OpenClaw's system events ("System: [2026-03-04 07:12:03 GMT+1] Reminder: call the dentist"): only the
        # stamp is removed; the event is what the heartbeat is about (a reminder, a command that failed, a mail)
        r"|Current (?:time|date(?: and time)?|datetime)\s*:[^\n]*|System:\s*\[[^\]\n]*\]"
        # A leading "[channel sender id:... Tue 2026-03-10 09:12 UTC]" header holding a date or time.
        r"|\[(?=[^\]\n]{0,160}\])(?=[^\]\n]*?(?:\d{4}-\d{2}-\d{2}|\b\d{1,2}:\d{2}\b))[^\]\n]*\]",
        ("[", "current ", "system:", "to send an image"),
    )
    json_message_types: tuple[str, ...] = ("user_message",)


@attrs.frozen
class Tuning:
    """Weights, thresholds and scan limits (their ranges: `bounds.py`; a weight of 0 turns its cue off)."""

    head_chars: int = number(6000, 100, note="a shorter head cuts everyday questions short")
    tail_chars: int = number(2000, 0, note="0 reads the head only")
    max_walk: int = size(1024, "0 looks at no message")  # messages stepped over (tool turns) to reach the user turn
    simple_max_words: int = number(12, 0, note="0: no turn is SIMPLE for being short")
    simple_cue_max_words: int = number(24, 0, note="0: no turn is SIMPLE for its everyday words")
    complex_min: float = number(3.0, 0, above=True, note="the code score a COMPLEX turn reaches")
    reasoning_min: float = number(3.0, 0, above=True, note="the reasoning score a REASONING turn reaches")
    code_keyword: float = weight(2.0)
    code_keyword_cap: int = number(3, 0, note="0: the keywords count nothing")
    tech_keyword: float = weight(1.0)
    tech_keyword_cap: int = number(2, 0, note="0: the keywords count nothing")
    code_block: float = weight(3.0)
    code_syntax: float = weight(2.0)
    code_token: float = weight(2.0)
    stack_trace: float = weight(3.0)
    math_notation: float = weight(3.0)
    proof: float = weight(3.0)
    proof_without_math: float = weight(1.0)
    proof_imperative: float = weight(3.0)
    math_keyword: float = weight(1.0)
    math_keyword_cap: int = number(3, 0, note="0: the keywords count nothing")
    reasoning_cue: float = weight(2.0)
    stepwise: float = weight(1.0)
    puzzle: float = weight(3.0)
    word_problem: float = weight(1.0)
    word_problem_with_math: float = weight(2.0)
    io_spec: float = weight(3.0)
    word_problem_min_numbers: int = size(2)


@attrs.frozen(cache_hash=True)
class ClassifierConfig:
    """Everything the classifier reads besides the request."""

    lexicons: Lexicons = Lexicons()
    patterns: Patterns = Patterns()
    envelope: EnvelopeRules = EnvelopeRules()
    heartbeat: HeartbeatRules = HeartbeatRules()
    continuation: ContinuationRules = ContinuationRules()
    recurrence: RecurrenceRules = RecurrenceRules()
    quiet_report: QuietReportRules = QuietReportRules()
    tuning: Tuning = Tuning()


DEFAULT = ClassifierConfig()


def without_model(config: ClassifierConfig = DEFAULT) -> ClassifierConfig:
    """The same rules without the learned check-in model (`[routing.classifier.heartbeat] model = false`)."""
    return attrs.evolve(config, heartbeat=attrs.evolve(config.heartbeat, model=False))
