"""How many of a kind of member a check-in's checklist expects, and a lookup that counts fewer.

"Both replicas should be online with lag under 10 s" then `redis-cli INFO replication` printing `connected_slaves:1`
and one replica's line: that line is within every limit, and the replica that is gone shows nowhere. "Tell me if lag
on either replica (db-2, db-3) exceeds 30 s" then psql's `pg_stat_replication` with one row, "(1 row)" (review 22).
The checklist states the count in words or digits ("both", "all three", "all 9 osds", "at least 2 replicas") or by
the names it lists in parentheses; a lookup states its count as a key ("connected_slaves:1", "ready_nodes: 2"), as
ceph does ("osd: 9 osds: 8 up"), or as psql's footer under a query about those members. A count below the one
expected is news; one at or above it says nothing either way (the other readers judge the rest). A count the
checklist states as trouble ("tell me if only 1 replica is left", "fewer than 2 nodes") is a limit, not what is
expected, and is not read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from larouter.routing.limit_phrases import number_of_word

# Kinds of member a cluster has, with the words a tool uses for them ("slave" in redis' INFO, "standby" in Patroni).
_KINDS = {
    "replica": ("replica", "slave", "standby", "secondary", "secondarie", "follower", "replication"),
    "node": ("node",), "member": ("member",), "osd": ("osd",), "mon": ("mon", "monitor"), "broker": ("broker",),
    "worker": ("worker",), "peer": ("peer",), "disk": ("disk", "drive"), "server": ("server",),
    "sentinel": ("sentinel",), "runner": ("runner",), "agent": ("agent",),
}
_NOUNS = {word: kind for kind, words in _KINDS.items() for word in words if word != "replication"}
_NOUN = r"(?P<noun>" + "|".join(sorted(_NOUNS, key=len, reverse=True)) + r")(?:e?s)?"
_COUNT = r"(?P<count>\d{1,3}|[^\W\d_]{2,12})"
# "both replicas", "both redis replicas", "all three nodes", "all 9 osds", "at least 2 replicas", "beide Replicas".
_STATED_RE = re.compile(rf"\b(?:(?P<both>both|beide|les deux|ambos|ambas|entrambi|allebei)|(?:all|alle|tous les|todos los"
                        rf"|at least|mindestens|au moins|al menos)(?:\s+(?:the|of the|die|der))?\s+{_COUNT})"
                        rf"\s+(?:[\w-]+\s+)?{_NOUN}\b", re.I)
# "either replica (db-2, db-3)", "the 3 brokers (kafka-1, kafka-2, kafka-3)": the names in parentheses count them.
_LISTED_RE = re.compile(r"\((?P<names>[^()]{3,200})\)")
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|\band\b|\bor\b|&|/)\s*")


def expected_counts(instructions: str) -> tuple[tuple[str, int], ...]:
    """Each (kind, count) the instructions expect of a kind of member, two or more."""
    lower = instructions.lower()
    if not any(map(lower.__contains__, _NOUN_HEADS)):
        return ()
    found: list[tuple[str, int]] = []
    if not _STATED_LEADS.isdisjoint(lower.split()) or "at least" in lower or " les " in lower or " los " in lower:
        # (the pattern tried at every word cost ~20 us a check-in; a regex gate ~7)
        for m in _STATED_RE.finditer(instructions):
            n = 2 if m["both"] else _count(m["count"])
            if n >= 2:
                found.append((_NOUNS[m["noun"].lower()], n))
    at = instructions.find("(")
    while at >= 0:  # "either replica (db-2, db-3)": read back from each parenthesis
        m = _LISTED_RE.match(instructions, at)
        names = [n for n in _NAME_SPLIT_RE.split(m["names"].strip()) if n] if m is not None else []
        if len(names) >= 2 and all(_NAME_RE.fullmatch(n) for n in names) and (kind := _kind_before(instructions, at)):
            found.append((kind, len(names)))
        at = instructions.find("(", at + 1)
    return tuple(found)


def _kind_before(text: str, at: int) -> str:
    """The kind of member the word right before `at` names ("replica (db-2, db-3)", "brokers (…)"), or ""."""
    words = text[max(0, at - 24): at].split()
    word = words[-1].lower() if words else ""
    return next((_NOUNS[w] for w in (word, word[:-1], word[:-2]) if w in _NOUNS), "")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else number_of_word(word)


_NOUN_HEADS = tuple(sorted({w[:4] for w in _NOUNS}))
_STATED_LEADS = frozenset({"both", "beide", "ambos", "ambas", "entrambi", "allebei", "all", "alle", "mindestens", "moins",
                           "menos"})
_NAME_RE = re.compile(r"[\w.@:-]{1,40}")


def short_count(expected: Iterable[tuple[str, int]], call: str, text: str) -> str:
    """The line of a lookup that counts fewer members of a kind than the checklist expects, or ""."""
    lower = text.lower()
    for kind, n in expected:
        words = _KINDS[kind]
        for line, count in _counts(lower, call.lower(), words):
            if count < n:
                return line
    return ""


def _counts(lower: str, call: str, words: tuple[str, ...]) -> Iterable[tuple[str, int]]:
    """Each (line, count) of a lookup that counts members of a kind named by `words`."""
    for m in _KEY_COUNT_RE.finditer(lower):
        if _counts_kind(m["key"], words):
            yield m[0].strip(), int(m["n"])
    for m in _UP_OF_RE.finditer(lower):  # ceph: "osd: 9 osds: 8 up (since 6d), 9 in"
        if any(m["noun"].startswith(w) for w in words):
            yield m[0], int(m["up"])
    if (m := _ROWS_RE.search(lower)) is not None and any(w in call or w in lower[: m.start()] for w in words):
        yield m[0], int(m[1])  # psql's footer under a query about those members ("(1 row)", pg_stat_replication)


def _counts_kind(key: str, words: tuple[str, ...]) -> bool:
    """Whether a key is a count of members of a kind: the kind's plural with words that say which are counted
    ("connected_slaves", "Ready nodes", "num_replicas"), or its singular with "count" ("replica_count"); not a count
    of those in trouble ("disks_failed") nor a setting ("min-slaves-to-write")."""
    parts = [p for p in _KEY_SPLIT_RE.split(key) if p]
    rest = [p for p in parts if p not in _QUALIFIERS]
    if len(rest) != 1:
        return False
    noun = rest[0]
    counted = len(rest) < len(parts) and any(p in _COUNT_WORDS for p in parts)
    return any(noun in (w + "s", w + "es") or counted and noun == w for w in words)


_KEY_SPLIT_RE = re.compile(r"[\W_]+")
_COUNT_WORDS = frozenset({"count", "num", "number", "total", "n"})
_QUALIFIERS = _COUNT_WORDS | {"connected", "online", "active", "ready", "healthy", "up", "available", "alive", "live",
                              "running", "of", "in", "attached", "current", "good", "joined"}
# A key whose value is a whole number alone on its line ("connected_slaves:1", "ready_nodes = 2", "Replicas: 1").
_KEY_COUNT_RE = re.compile(r"(?m)^[ \t]*(?P<key>[a-z][\w. -]{1,40}?)[ \t]*[:=][ \t]*(?P<n>\d{1,4})[ \t]*$")
_UP_OF_RE = re.compile(r"\b\d{1,4}\s+(?P<noun>[a-z]+?)s?:\s+(?P<up>\d{1,4})\s+up\b")
_ROWS_RE = re.compile(r"(?m)^\((\d{1,4}) rows?\)[ \t]*$")
