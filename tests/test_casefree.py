"""A case-insensitive rule rewritten case-sensitively (`casefree.lowered`) finds in a lowercased ASCII text exactly
what the rule finds in the text, and the rewrite is refused wherever that is not plain."""

from __future__ import annotations

import random
import re

import attrs
import pytest

from larouter.routing.casefree import lowercase_pattern, lowered
from larouter.routing.compiled import Check, compile_rules
from larouter.routing.rules import DEFAULT

_SAMPLES = [
    "", "".join(map(chr, range(32, 127))), "Inbox: 0 unread. snake_case_name, __init__ x2", "thanks, that's perfect",
    "Heartbeat (every 30 min): check HEARTBEAT.md and the summary below. Inbox: 0 unread. Reply HEARTBEAT_OK.",
    "3 pending: yes", "Pending: review the PR", "new orders: 2", "ALERTS: none", "All fine. Rewrite the intro, please.",
    "ok!\n  please EXPLAIN the cron", "Scheduled check-in. Nothing new.", "Traceback (most recent call last):",
    "exit code 2", "C++ and Node.js", "Tell me how far behind it is", "Why is it doing this? How do I fix it?",
    "Executing periodic heartbeat", "KEEPALIVE", "[tick 08:15]", "Also - can you book the 9:00 train?",
]


def _lowered_checks() -> list[Check]:
    rules = compile_rules(DEFAULT)
    found = []
    for field in attrs.fields(type(rules)):
        value = getattr(rules, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            check = item[1] if isinstance(item, tuple) and len(item) == 3 else item
            if isinstance(check, Check) and check.lowered is not None:
                found.append(check)
    assert len(found) >= 40
    return found


def _texts_for(pattern: str, rng: random.Random) -> list[str]:
    """Samples, and texts made of the pattern's own words in random cases, spacing and punctuation."""
    words = re.findall(r"[a-zA-Z_]{2,}", pattern)
    glue = [" ", "  ", "\n", ". ", ": ", "=", " 3 ", " 0 ", "-", "? ", "(", ") ", "#", "`", "'", ""]
    texts = list(_SAMPLES)
    for _ in range(150):
        picked = [rng.choice(words) for _ in range(rng.randrange(1, 6))] if words else ["x"]
        text = "".join(rng.choice(glue) + w for w in picked) + rng.choice(glue)
        texts.append("".join(c.upper() if rng.random() < 0.3 else c for c in text))
    return texts


def test_a_lowered_rule_finds_what_the_rule_finds() -> None:
    rng = random.Random(11)
    for check in _lowered_checks():
        assert check.lowered is not None
        for text in _texts_for(check.rx.pattern, rng):
            for variant in (text, text.upper(), text.title()):
                expected = check.rx.search(variant)
                got = check.lowered.search(variant.lower())
                assert (got and got.span()) == (expected and expected.span()), (check.rx.pattern[:60], variant)
                found = check.search(variant, variant.lower())
                assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups()))


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"[A-Z]x|Yes", "[a-z]x|yes"),
    (r"\A\s*\w+\b\Z", r"\A\s*\w+\b\Z"),
    ("açıkla", "aç[ıi]kla"),
    ("[ıa]", "[ıia]"),
    ("[а-я]+", "[а-я]+"),
])
def test_the_rewrite_lowercases_letters_and_adds_ascii_partners(pattern: str, expected: str) -> None:
    assert lowercase_pattern(pattern) == expected


@pytest.mark.parametrize("pattern", [
    r"[!-_]",  # A-Z inside, a-z not
    r"[\--Z]",  # a range from an escaped character
    r"\x41", r"\u0041", r"\N{LATIN SMALL LETTER A}",  # characters by number
    "[\u0100-\u0200]",  # holds ı and ſ
])
def test_the_rewrite_is_refused_where_it_is_not_plain(pattern: str) -> None:
    assert lowercase_pattern(pattern) is None


def test_only_case_insensitive_rules_get_a_variant() -> None:
    assert lowered(re.compile("abc")) is None
    assert lowered(re.compile("(?i)(?-i:A)b")) is None
    assert lowered(re.compile("(?ai)ı")) is None and lowered(re.compile("ı", re.I | re.ASCII)) is None
    variant = lowered(re.compile("(?im)^Abc"))
    assert variant is not None and variant.pattern == "(?m)^abc" and not variant.flags & re.IGNORECASE
