"""The fast readings of a text are the regex readings they replace: words of an ASCII text, a gated rule tried only
where its matches begin (`Gated.starts`), dates looked for only where one can begin (`due._dates`)."""

from __future__ import annotations

import random
import re

import attrs

from larouter.routing.compiled import Check, compile_rules, first_match_at
from larouter.routing.rules import DEFAULT
from larouter.routing.tokens import PARTS_RE, WORD_RE, word_parts, word_tokens

_ASCII = "".join(map(chr, range(128)))
_SAMPLES = [
    "", _ASCII, _ASCII * 3, "Inbox: 0 unread. snake_case_name, __init__ x2 9_9 _", "thanks, that's perfect",
    "Heartbeat (every 30 min): check HEARTBEAT.md.\nCurrent time: Thursday 10:00", "tab\tsep\x1cunit\x1fsep\x0bv",
    "Grüße, 東京 and ünïcode_mixed words", "ſ K İ ı: case folds",
]


def _random_texts(n: int) -> list[str]:
    rng = random.Random(7)
    alphabet = _ASCII + "éßİıſK东 "
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80))) for _ in range(n)]


_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _same_split_apart(tokens: list[str], found: list[str]) -> bool:
    """`tokens` hold `found`'s characters in order, a run of scripts written without spaces a token apart."""
    return "".join(tokens) == "".join(found) and all(
        bool(_CJK_RE.match(t[0])) == all(_CJK_RE.match(c) for c in t) for t in tokens)


def test_word_tokens_and_parts_are_the_regex_findall() -> None:
    """The regex's words; in a text with kana, CJK ideographs or Hangul, their runs are split from other words."""
    for text in _SAMPLES + _random_texts(500):
        for tokens, found in ((word_tokens(text), WORD_RE.findall(text)), (word_parts(text), PARTS_RE.findall(text)),
                              (word_tokens(text.lower()), WORD_RE.findall(text.lower()))):
            assert tokens == found if not _CJK_RE.search(text) else _same_split_apart(tokens, found)
    assert word_tokens("用Python写一个快速排序函数") == ["用", "Python", "写一个快速排序函数"]


def _rules_with_starts() -> list[Check]:
    rules = compile_rules(DEFAULT)
    checks = [*rules.hb_polls, *rules.hb_work_due, *rules.hb_requests]
    found = [c for c in checks if isinstance(c, Check) and c.starts]
    assert len(found) >= 4
    return found


def test_a_rule_tried_where_its_matches_begin_finds_what_search_finds() -> None:
    texts = _SAMPLES + [
        "3 pending: yes", "Pending: review the PR", "new orders: 2", "Unread since 09:00: 4", "alerts: none",
        "All fine. Rewrite the intro, please.", "ok!\n  please explain the cron", "HEARTBEAT.md. Deploys: green",
        "5-min heartbeat", "scheduled check-in", "tick", "  poll 09:15", "heartbeat #12", "Nightly sweep",
    ]
    for check in _rules_with_starts():
        for text in texts + [t.upper() for t in texts] + [t.title() for t in texts]:
            if not text.isascii():
                continue
            expected = check.rx.search(text)
            got = first_match_at(check.rx, text, text.lower(), check.starts)
            assert (got and got.span()) == (expected and expected.span()), (check.rx.pattern[:60], text)


def test_first_match_at_is_leftmost() -> None:
    rx = re.compile(r"\b(?:ab|abc)\w*", re.I)
    text = "xx ABC ab abc"
    assert first_match_at(rx, text, text.lower(), ("ab",)).span() == rx.search(text).span()


def test_dates_are_found_where_the_date_pattern_finds_them() -> None:
    from larouter.routing.due import _DATE_RE, _dates

    rng = random.Random(5)
    pieces = ["April", " ", "30", "th", ",", "2026", "-", "04", ".", "Mar", "12", " de ", "marzo", "_", "\n", "\t",
              "31st", "1.", "10.2025", "2026-03-04", "Thursday,", "May 2,", "(", "\x1f", "Sept.", "Jan", "abcdefghijk"]
    texts = _SAMPLES + ["Current time: Thursday, April 30th, 2026 - 10:00 AM / 2026-04-30 14:00 UTC",
                        "Mon 5 May 2025, 14:00; due 2025-05-05", "13.10.2025 и 12 de marzo de 2026", "2025年5月14日"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 14))) for _ in range(3000)]
    for text in texts:
        assert [(m.span(), m.groups()) for m in _dates(text)] == [(m.span(), m.groups()) for m in _DATE_RE.finditer(text)]


def test_the_envelope_header_lookahead_reads_as_its_greedy_form() -> None:
    """`EnvelopeRules.lines` looks ahead for a date or time in a "[...]" header lazily (from the bracket on, not from
    its end back): the lookahead only asks whether one is there, so the lines removed are the same."""
    lazy = compile_rules(DEFAULT).env_lines.rx
    greedy = re.compile(lazy.pattern.replace(r"(?=[^\]\n]*?(?:\d{4}", r"(?=[^\]\n]*(?:\d{4}"), lazy.flags)
    assert greedy.pattern != lazy.pattern
    rng = random.Random(9)
    pieces = ["[", "]", "Tue ", "2026-03-12", "19:30", "9:5", " GMT+1", "\n", " ", "id:1", "x", "12:345", "2026-3-1"]
    texts = _SAMPLES + ["\n\n[Tue 2026-03-12 19:30 GMT+1] thanks", "[Telegram Ana id:1 +2m Tue 09:12] hi\n[x] [1:23]"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(3000)]
    for text in texts:
        assert lazy.subn("", text) == greedy.subn("", text), text


def test_the_longest_stretch_is_the_regex_one() -> None:
    from larouter.routing.recurrence import _STRETCH_RE, _longest_stretch

    for text in _SAMPLES + _random_texts(2000):
        assert _longest_stretch(text) == max(_STRETCH_RE.findall(text), key=len, default="").strip(), text


def test_a_lexicon_split_by_next_token_finds_what_the_full_list_finds() -> None:
    """`LexiconIndex.by_next` hands the match only the entries the next token allows: the same hits, in order."""
    index = compile_rules(DEFAULT).lexicon
    unsplit = attrs.evolve(index)
    object.__setattr__(unsplit, "by_next", {})
    assert index.by_next and "the" in index.by_next
    words = sorted({w for entries in index.exact.values() for rest, _, entry, _ in entries for w in entry.lower().split()})
    following = sorted({w for split in index.by_next.values() for entries in split.values()
                        for rest, *_ in entries for w in rest if w != "*"})
    rng = random.Random(3)
    hits = 0
    for _ in range(5000):  # (the lexicon grows: 3,000 draws found fewer than 200 multi-word hits once it had)
        pool = ["the", "how", "what", "all", "wie", *rng.sample(following, 4), *rng.sample(words, 2)]
        tokens = [rng.choice(pool) for _ in range(rng.randrange(1, 9))]
        found = index.match(tokens, None)
        assert found == unsplit.match(tokens, None), tokens
        hits += any(" " in e for entries in found.values() for e in entries)
    assert hits > 200  # multi-word entries were found
