"""A `ClassifierConfig` compiled once into regexes and a token dictionary (cached per config)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import attrs

from larouter.routing.casefree import lowered
from larouter.routing.conversation_rules import ContinuationRules, RecurrenceRules
from larouter.routing.hbmodel import HeartbeatModel, load_shipped
from larouter.routing.heartbeat_rules import Gated, HeartbeatRules
from larouter.routing.known_prompts import KnownPrompts
from larouter.routing.lexicon_index import LexiconIndex
from larouter.routing.quiet_rules import QuietReportRules
from larouter.routing.rules import ClassifierConfig, Tuning
from larouter.routing.tokens import CJK_RE, WORD_RE  # (also imported from here by the rules)

MENTION_RE = re.compile(r"(?<![\w.])@\w+")
DIGITS_RE = re.compile(r"\d+(?:[.,]\d+)?")
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?。！？])\s+|\n+")


class RuleError(ValueError):
    """A classifier setting that cannot be used: `key` is its path under `routing.classifier` when known, else
    `pattern` is the regex that does not compile (`configcheck` finds the keys that hold it)."""

    def __init__(self, message: str, key: str = "", pattern: str | None = None) -> None:
        super().__init__(message)
        self.key, self.pattern = key, pattern


def _compile(pattern: str, flags: int = 0, source: str | None = None) -> re.Pattern[str]:
    """Compile one configured pattern (`source`: the setting's own text, when `pattern` wraps it), naming it in the
    error if it is not a valid regex."""
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        if source is None:
            source = pattern
        else:  # the setting's own error when it has one (its positions, not the wrapper's)
            try:
                re.compile(source, flags)
            except re.error as own:
                exc = own
        raise RuleError(f"invalid regular expression {source!r}: {exc}", pattern=source) from None


_LEADING_FLAGS = re.compile(r"\A\(\?([imsx]+)\)")


@attrs.frozen(eq=False)
class Phrases:
    """Whole phrases found by substring search (one regex alternation of them is ~40x slower); phrases in scripts
    written without spaces match anywhere. Same interface as `Check`."""

    phrases: tuple[str, ...]
    ascii_phrases: tuple[str, ...] = attrs.field(init=False)

    @ascii_phrases.default
    def _ascii_part(self) -> tuple[str, ...]:
        return tuple(p for p in self.phrases if p.isascii())

    @classmethod
    def of(cls, phrases: Iterable[str]) -> Phrases:
        return cls(tuple(p.lower() for p in phrases))

    def search(self, text: str, lower: str) -> bool:
        """Whether one of the phrases is in `lower` as whole words."""
        for phrase in filter(lower.__contains__, self.ascii_phrases if lower.isascii() else self.phrases):
            i = lower.find(phrase)
            while i >= 0:
                j = i + len(phrase)
                if _edge_ok(lower, i - 1, phrase[0]) and _edge_ok(lower, j, phrase[-1]):
                    return True
                i = lower.find(phrase, i + 1)
        return False


def _edge_ok(text: str, at: int, inner: str) -> bool:
    """Whether text[at], next to a phrase's character `inner`, ends the word there (always so for CJK)."""
    return at < 0 or at >= len(text) or not text[at].isalnum() or CJK_RE.match(inner) is not None


def _any(patterns: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    """One regex matching any of the patterns (None when there are none).

    A pattern's leading inline flags, e.g. `(?im)`, are scoped to that pattern.
    """
    parts = []
    for p in patterns:
        if p:
            _compile(p, flags)
            m = _LEADING_FLAGS.match(p)
            parts.append(f"(?{m.group(1)}:{p[m.end():]})" if m else f"(?:{p})")
    return _compile("|".join(parts), flags) if parts else None


@attrs.frozen(eq=False)
class Check:
    """A compiled gated pattern: the regex runs only when a gate substring is in the lowercased text (and, with
    `starts`, only where a match can begin: see `Gated`)."""

    rx: re.Pattern[str]
    gate: tuple[str, ...]
    starts: tuple[str, ...] = ()
    ascii_gate: tuple[str, ...] = attrs.field(init=False)  # what an ASCII text can contain: most turns, ~2x fewer
    lowered: re.Pattern[str] | None = attrs.field(init=False)  # `rx` case-sensitive, for an ASCII text's lowercase

    @ascii_gate.default
    def _ascii_part(self) -> tuple[str, ...]:
        return tuple(g for g in self.gate if g.isascii())

    @lowered.default
    def _lowered(self) -> re.Pattern[str] | None:
        return lowered(self.rx)

    @classmethod
    def of(cls, g: Gated, flags: int = 0) -> Check:
        """Compile one `Gated`."""
        return cls(_compile(g.pattern, flags), tuple(x.lower() for x in g.gate), tuple(x.lower() for x in g.starts))

    def search(self, text: str, lower: str) -> re.Match[str] | None:
        """The first match, or None (also when no gate substring is present)."""
        if self.gate and not any(map(lower.__contains__, self.ascii_gate if lower.isascii() else self.gate)):
            return None  # (`present`, inline: this runs some 30 times a turn)
        if not text.isascii():
            return self.rx.search(text)
        # (`lower` is then `text` lowercased character by character: the same positions)
        if self.lowered is not None:  # found case-sensitively in `lower`, then the match itself read from `text`
            at = first_match_at(self.lowered, lower, lower, self.starts) if self.starts else self.lowered.search(lower)
            return None if at is None else self.rx.match(text, at.start())
        return first_match_at(self.rx, text, lower, self.starts) if self.starts else self.rx.search(text)


def first_match_at(rx: re.Pattern[str], text: str, lower: str, starts: tuple[str, ...]) -> re.Match[str] | None:
    """`rx.search(text)` for a pattern whose every match begins at the text's start or where one of `starts` is in
    `lower`: the pattern is tried at those places only, first to last (the engine tries every position of the text
    for a pattern opening with `\\b` or a case-insensitive word: ~35 ns a character)."""
    at = {0}
    for start in starts:
        i = lower.find(start)
        while i >= 0:
            at.add(i)
            i = lower.find(start, i + 1)
    for i in sorted(at):
        m = rx.match(text, i)
        if m is not None:
            return m
    return None


def present(lower: str, substrings: tuple[str, ...]) -> bool:
    """Whether one of `substrings` is in `lower` (map: no Python frame per substring)."""
    return any(map(lower.__contains__, substrings))


def ascii_part(substrings: Iterable[str]) -> tuple[str, ...]:
    """The substrings an ASCII text can hold (most turns): what `present` need look for in one."""
    return tuple(s for s in substrings if s.isascii())


def fewest_substrings(substrings: Iterable[str]) -> tuple[str, ...]:
    """The substrings without repeats and without those holding another one ("heartbeat_ok" beside "heartbeat"):
    `present` answers the same with fewer scans of the text."""
    unique = tuple(dict.fromkeys(substrings))
    return tuple(s for s in unique if not any(other != s and other in s for other in unique))


@attrs.frozen(eq=False)
class Ack:
    """A compiled `AckRule`. `before` is `(?s:.*)(?:rule)\\Z`, used with `match` from the window's start: the greedy
    prefix tries the rule from the token backwards, so a match next to the token (the common case) is found first
    (same answer as searching the window forwards, 1.2 against 6 us on OpenClaw's prompt)."""

    before: re.Pattern[str]
    after: re.Pattern[str] | None
    window: int
    gate: tuple[str, ...]


@attrs.frozen(eq=False)
class WordSet:
    """Whole words (looked up in a set, whatever the script) and substrings (scripts written without spaces)."""

    words: frozenset[str]
    substrings: tuple[str, ...] = ()
    ascii_substrings: tuple[str, ...] = attrs.field(init=False)

    @ascii_substrings.default
    def _ascii_part(self) -> tuple[str, ...]:
        return tuple(x for x in self.substrings if x.isascii())

    @classmethod
    def of(cls, words: Iterable[str], substrings: Iterable[str] = ()) -> WordSet:
        return cls(frozenset(w.lower() for w in words), tuple(substrings))

    def found(self, tokens: Iterable[str], text: str) -> bool:
        """Whether one of the lowercased `tokens` of `text` is a word of the set, or `text` holds a substring."""
        if not self.words.isdisjoint(tokens):
            return True
        return present(text, self.ascii_substrings if text.isascii() else self.substrings)


@attrs.frozen(eq=False)
class QuietVocabulary:
    """A compiled `QuietReportRules`."""

    max_chars: int
    none: WordSet
    well: WordSet
    condition: WordSet
    reply: WordSet
    only: WordSet
    otherwise: WordSet
    trouble: WordSet
    label_keys: frozenset[str]
    header: WordSet  # substrings of the lowercased clause
    broken: frozenset[str]
    negations: frozenset[str]

    @classmethod
    def of(cls, q: QuietReportRules) -> QuietVocabulary:
        return cls(q.max_chars, WordSet.of(q.none_words, q.none_cjk), WordSet.of(q.well_words, q.well_cjk),
                   WordSet.of(q.if_words, q.if_cjk), WordSet.of(q.reply_words, q.reply_cjk),
                   WordSet.of(q.only_words, q.only_cjk), WordSet.of(q.otherwise_words, q.otherwise_cjk),
                   WordSet.of(q.trouble_words, q.trouble_cjk),
                   frozenset(k.lower() for k in q.label_keys), WordSet.of((), (w.lower() for w in q.header_words)),
                   frozenset(w.lower() for w in q.broken_words), frozenset(w.lower() for w in q.negations))


@attrs.frozen(eq=False)
class Compiled:
    """Ready-to-run rules (see `rules.py` and `heartbeat_rules.py` for what each one is)."""

    lexicon: LexiconIndex
    tuning: Tuning
    code_checks: tuple[tuple[str, Check, str], ...]  # (label, check, weight field)
    math_notation: Check
    math_symbols: Check
    math_ascii: Check
    multiple_choice: Check
    env_blocks: tuple[Check, ...]
    env_lines: Check
    json_message_types: frozenset[str]
    hb: HeartbeatRules
    hb_known: KnownPrompts
    hb_gate: tuple[str, ...]
    hb_gate_ascii: tuple[str, ...]
    hb_ack_tokens: tuple[str, ...]
    hb_ack_token_rx: re.Pattern[str]
    hb_ack_token_hints: tuple[str, ...]
    hb_conditional_ack_rx: re.Pattern[str]
    hb_acks: tuple[Ack, ...]
    hb_polls: tuple[Check, ...]
    hb_idle: Check
    hb_relay: Check
    hb_work_due: tuple[Check, ...]
    hb_described_count: re.Pattern[str]
    hb_work_after_ack: tuple[Check, ...]
    hb_confirm_ack: Check
    hb_action_reply: Check
    hb_action_reply_joins: tuple[str, ...]
    hb_problem: frozenset[str]
    hb_authoring: frozenset[str]
    hb_openers: frozenset[str]
    hb_modal_openers: frozenset[str]
    hb_opener_prefixes: tuple[str, ...]
    hb_requests: tuple[Check | Phrases, ...]  # edit requests about the heartbeat, sentences opening with a work verb
    hb_request_cjk: Check  # verb-last requests ("…してください"), read only when no ack is asked for
    hb_request_no_ack: Check  # "tell me ...", read only when no ack is asked for
    hb_person_message: Check  # "Dana: call me if urgent", read only when no ack is asked for
    hb_idle_condition_cjk: Check  # "何もなければ": the request is the idle instruction
    hb_boilerplate: re.Pattern[str]
    hb_task_header: re.Pattern[str] | None
    hb_done_header: re.Pattern[str] | None
    hb_task_item: re.Pattern[str]
    hb_empty_item: re.Pattern[str]
    hb_headerless_task: re.Pattern[str]
    cont_events: Check
    cont_go_ahead: re.Pattern[str]
    cont: ContinuationRules
    recur: RecurrenceRules
    quiet: QuietVocabulary
    hb_model: HeartbeatModel | None


_HB = re.I | re.M


@functools.lru_cache(maxsize=16)
def compile_rules(config: ClassifierConfig) -> Compiled:
    """Compile (once per distinct config) everything `classify` needs."""
    p, env, hb, cont = config.patterns, config.envelope, config.heartbeat, config.continuation
    lines = Check.of(env.lines)
    code = (
        ("fenced code block", Check.of(p.code_block), "code_block"),
        ("code syntax", Check.of(p.code_syntax), "code_syntax"),
        ("input/output specification", Check.of(p.io_spec), "io_spec"),
        ("error trace", Check.of(p.stack_trace), "stack_trace"),
        ("language name", Check.of(p.code_names), "code_token"),
        ("language name", Check.of(p.go_language), "code_token"),
        ("source file", Check.of(p.source_file), "code_token"),
        ("inline code", Check.of(p.inline_code), "code_token"),
        ("code identifier", Check.of(p.identifier), "code_token"),
        ("big-O complexity", Check.of(p.big_o), "code_token"),
    )
    return Compiled(
        lexicon=LexiconIndex.build(config.lexicons),
        tuning=config.tuning,
        code_checks=code,
        math_notation=Check.of(p.math_notation),
        math_symbols=Check.of(p.math_symbols),
        math_ascii=Check.of(p.math_ascii),
        multiple_choice=Check.of(p.multiple_choice),
        env_blocks=tuple(Check.of(b) for b in env.blocks),
        env_lines=Check(_compile(rf"(?m)^[ \t]*(?:{lines.rx.pattern})[ \t]*"), lines.gate),
        json_message_types=frozenset(env.json_message_types),
        hb=hb,
        hb_known=KnownPrompts.of(hb.known_prompts),
        hb_gate=fewest_substrings(g.lower() for g in (*hb.gate, *hb.ack_tokens)),
        hb_gate_ascii=fewest_substrings(g.lower() for g in (*hb.gate, *hb.ack_tokens) if g.lower().isascii()),
        hb_ack_tokens=tuple(t.lower() for t in hb.ack_tokens),
        hb_ack_token_rx=_compile(hb.ack_token_pattern),
        hb_ack_token_hints=hb.ack_token_hints,
        hb_conditional_ack_rx=_compile(hb.conditional_ack_pattern),
        hb_acks=tuple(
            Ack(_compile(f"(?s:.*)(?:{a.before})\\Z", _HB, a.before), _compile(a.after, _HB) if a.after else None, a.window,
                tuple(g.lower() for g in a.gate))
            for a in hb.acks
        ),
        hb_polls=tuple(Check.of(g, _HB) for g in hb.polls),
        hb_idle=Check.of(hb.idle_events, _HB),
        hb_relay=Check.of(hb.relays, _HB),
        hb_work_due=tuple(Check.of(g, _HB) for g in hb.work_due),
        hb_described_count=_compile(hb.described_count),
        hb_work_after_ack=tuple(Check.of(g, re.M) for g in hb.work_after_ack),
        hb_confirm_ack=Check.of(hb.confirm_ack),
        hb_action_reply=Check.of(hb.action_reply),
        hb_action_reply_joins=tuple(j.lower() for j in hb.action_reply_joins),
        hb_problem=frozenset(w.lower() for w in hb.problem_words),
        hb_openers=frozenset(w.lower() for w in hb.not_a_poll_openers),
        hb_modal_openers=frozenset(w.lower() for w in hb.modal_openers),
        hb_authoring=frozenset(w.lower() for w in hb.authoring_openers),
        hb_opener_prefixes=tuple(w.lower() for w in hb.not_a_poll_prefixes),
        hb_requests=(Check.of(hb.edit_request, _HB), Check.of(hb.edit_request_cjk, _HB), Check.of(hb.code_request_cjk, _HB),
                     Check.of(hb.request_sentence, _HB),
                     Check.of(hb.slash_setting, _HB), Phrases.of(hb.from_now_on),
                     Check.of(hb.question_sentence, _HB), Check.of(hb.added_request, _HB)),
        hb_request_cjk=Check.of(hb.request_cjk, _HB),
        hb_request_no_ack=Check.of(hb.request_no_ack, _HB),
        hb_person_message=Check.of(hb.person_message, re.M),
        hb_idle_condition_cjk=Check.of(hb.idle_condition_cjk, _HB),
        hb_boilerplate=_compile(hb.boilerplate, re.I),
        hb_task_header=_any(hb.task_headers, _HB),
        hb_done_header=_any(hb.done_headers, _HB),
        hb_task_item=_compile(hb.task_item, re.M),
        hb_empty_item=_compile(hb.empty_item, re.I),
        hb_headerless_task=_compile(hb.headerless_task, re.I),
        cont_events=Check.of(cont.events, re.I),
        cont_go_ahead=_compile(cont.go_ahead, re.I),
        cont=cont,
        recur=config.recurrence,
        quiet=QuietVocabulary.of(config.quiet_report),
        hb_model=_model(hb),
    )


def _model(hb: HeartbeatRules) -> HeartbeatModel | None:
    """The learned check-in model the rules name: none, the shipped one, or one trained into `model_file`."""
    if not hb.model:
        return None
    if not hb.model_file:
        return load_shipped()
    try:
        return HeartbeatModel.from_text(Path(hb.model_file).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleError(f"{hb.model_file!r} is not a heartbeat model: {exc}", key="heartbeat.model_file") from None
