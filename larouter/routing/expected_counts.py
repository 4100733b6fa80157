"""How many of a kind of member a check-in's checklist expects, and a lookup that counts fewer.

"Both replicas should be online with lag under 10 s" then `redis-cli INFO replication` printing `connected_slaves:1`
and one replica's line: that line is within every limit, and the replica that is gone shows nowhere. "Tell me if lag
on either replica (db-2, db-3) exceeds 30 s" then psql's `pg_stat_replication` with one row, "(1 row)" (review 22).
The checklist states the count in words or digits a few words before the noun ("both", "2", "two", "all three",
"both of its read replicas", "beide Replikas") or by the names it lists after it ("replicas redis-2 and redis-3",
"replica (db-2, db-3)"); a lookup states its count as a key ("connected_slaves:1", a pretty JSON's '"number_of_nodes" :
2,'), as ceph does ("osd: 9 osds: 8 up"), as psql's footer or its -x records under a query about those members, or
as a table's rows whose cell names the kind (patronictl's "| Replica |"; review 25). A count below the one
expected is news; one at or above it says nothing either way (the other readers judge the rest). A count the
checklist states as trouble ("tell me if only 1 replica is left", "fewer than 2 nodes") is a limit, not what is
expected, and is not read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from larouter.routing.disk_health import array_count, disk_count
from larouter.routing.limit_phrases import number_of_word

# Kinds of member a cluster has, with the words a tool uses for them ("slave" in redis' INFO, "standby" in Patroni).
_KINDS = {
    "replica": ("replica", "slave", "standby", "secondary", "secondarie", "follower", "replication", "replika", "réplica",
                "replique", "réplique"),
    "node": ("node", "knoten", "nodo", "noeud", "nœud"), "member": ("member",), "osd": ("osd",),
    "mon": ("mon", "monitor"), "broker": ("broker",),
    "worker": ("worker",), "peer": ("peer",), "disk": ("disk", "drive"), "server": ("server",),
    "sentinel": ("sentinel",), "runner": ("runner",), "agent": ("agent",), "pod": ("pod",),
    "container": ("container",), "array": ("array", "raid"),
}
_NOUNS = {word: kind for kind, words in _KINDS.items() for word in words if word != "replication"}
# "either replica (db-2, db-3)", "the 3 brokers (kafka-1, kafka-2, kafka-3)": the names in parentheses count them.
_LISTED_RE = re.compile(r"\((?P<names>[^()]{3,200})\)")
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|\band\b|\bor\b|&|/)\s*")


def expected_counts(instructions: str) -> tuple[tuple[str, int, str], ...]:
    """Each (kind, count, qualifier) the instructions expect of a kind of member, two or more; the qualifier is the
    word right before the noun ("all 3 data nodes": data), or ""."""
    lower = instructions.lower()
    if _FORMS.keys().isdisjoint(_WORDS_RE.findall(lower)):
        return ()  # (no member named at all: one scan of the words)
    found: list[tuple[str, int, str]] = []
    for line in lower.splitlines():
        words = _WORDS_RE.findall(line)
        for i, word in enumerate(words):
            if word not in _FORMS:
                continue
            n = _count_before(words, i)
            if n < 2:
                n = _names_after(words, i)
            if n >= 2:
                before = words[i - 1] if i else ""
                found.append((_FORMS[word], n, before if before.isalpha() and before not in _NOT_QUALIFIERS else ""))
    at = instructions.find("(")
    while at >= 0:  # "either replica (db-2, db-3)": read back from each parenthesis
        if kind := _kind_before(instructions, at):
            m = _LISTED_RE.match(instructions, at)
            names = [n for n in _NAME_SPLIT_RE.split(m["names"].strip()) if n] if m is not None else []
            if len(names) >= 2 and all(_NAME_RE.fullmatch(n) for n in names):
                found.append((kind, len(names), ""))
        at = instructions.find("(", at + 1)
    return tuple(found)


def _count_before(words: list[str], at: int) -> int:
    """The count said in the few words before a member's noun ("both", "2", "two", "all three", "both of its", "both
    redis read"), 0 when none, or when it is a bound ("fewer than 2 replicas", "only 1 replica")."""
    for j in range(at - 1, max(-1, at - 5), -1):
        word = words[j]
        n = 2 if word in BOTH else _count(word)
        if n:
            return 0 if j and words[j - 1] in _BOUNDS else n
        if word in _BOUNDS or word in _STOPS or word in _PUNCTUATION:
            return 0  # (nor across a clause: "14:30 (America/Sao_Paulo). Worker …", blind v39)
    return 0


def _names_after(words: list[str], at: int) -> int:
    """How many names follow a member's noun as a list ("replicas redis-2 and redis-3"), 0 when fewer than two."""
    names = 0
    for word in words[at + 1: at + 12]:
        if word in ("and", "or", "und", "et", "y", "e", "en", ","):
            continue
        if not _IDENTIFIER_RE.fullmatch(word):
            break
        names += 1
    return names if names >= 2 else 0


def _kind_before(text: str, at: int) -> str:
    """The kind of member the word right before `at` names ("replica (db-2, db-3)", "brokers (…)"), or ""."""
    words = text[max(0, at - 24): at].split()
    word = words[-1].lower() if words else ""
    return _FORMS.get(word, "")


def _count(word: str) -> int:
    """The number a word says ("3", "three", "drei"), 0 when none (nor a figure of four digits or more: a year)."""
    if word.isdigit() and not word.isascii():
        return 0  # ("²", "①": digits to `isdigit`, not to `int`)
    return (int(word) if len(word) <= 3 else 0) if word.isdigit() else number_of_word(word)


_FORMS = {form: kind for word, kind in _NOUNS.items() for form in (word, word + "s", word + "es")}
_WORDS_RE = re.compile(r"[\w-]+(?:\.[\w-]+)*|[<>:;()!?,]")  # (not a sentence's full stop: "… on both disks.")
BOTH = frozenset({"both", "beide", "beiden", "ambos", "ambas", "entrambi", "entrambe", "allebei", "tous", "deux", "oba",
                  "оба"})  # ("both replicas"; `listed_names` reads two names said to be both with them)
# Words before a count that make it a bound or the trouble, not what is expected ("fewer than 2", "only 1", "< 3").
_BOUNDS = frozenset({"than", "only", "under", "below", "over", "above", "max", "maximum", "min", "minimum", "<", ">",
                     "als", "que", "de", "nur", "solo", "seulement", "to", "up"})
# Words a count does not reach across ("2 pods on 3 nodes": the pods' 2 is no count of nodes).
_STOPS = frozenset({"on", "in", "per", "across", "with", "from", "auf", "pro", "par", "sur", "en", "por", "con", "is",
                    "are", "if", "when"})
# Words right before a member's noun that say no kind of member ("all 3 of the nodes", "both my replicas").
_NOT_QUALIFIERS = frozenset({"of", "the", "its", "my", "our", "all", "both", "each", "every", "his", "her", "their"})
_PUNCTUATION = frozenset({":", ";", "(", ")", "!", "?", ".", ",", "-", "—"})
_IDENTIFIER_RE = re.compile(r"[a-z][\w.]*[-_.]?\d[\w.-]*|[a-z]+-[a-z0-9-]+")
_NAME_RE = re.compile(r"[\w.@:-]{1,40}")


def short_count(expected: Iterable[tuple[str, int, str]], call: str, text: str, nothing: bool = False) -> str:
    """The line of a lookup that counts fewer members of a kind than the checklist expects, or "": `nothing`, a
    lookup that found none ("No resources found in prod namespace." for "all three api pods Running", review 25),
    counts none of the kind it was asked for."""
    lower = text.lower()
    for kind, n, qualifier in expected:
        words = _KINDS[kind]
        if nothing and any(w in call.lower() or w in lower for w in words):
            return text or "(an empty tool result)"
        for line, count in _counts(lower, call.lower(), words, qualifier):
            if count < n:
                return line
    return ""


def _counts(lower: str, call: str, words: tuple[str, ...], qualifier: str) -> Iterable[tuple[str, int]]:
    """Each (line, count) of a lookup that counts members of a kind named by `words` (and `qualifier`)."""
    for m in _KEY_COUNT_RE.finditer(lower):
        if _counts_kind(m["key"], words, qualifier):
            yield m[0].strip(), int(m["n"])
    for m in _UP_OF_RE.finditer(lower):  # ceph: "osd: 9 osds: 8 up (since 6d), 9 in"
        if any(m["noun"].startswith(w) for w in words):
            yield m[0], int(m["up"])
    about = any(w in call or w in lower for w in words)
    if (m := _ROWS_RE.search(lower)) is not None and about:
        yield m[0], int(m[1])  # psql's footer under a query about those members ("(1 row)", pg_stat_replication)
    if "-[ record" in lower and about:  # psql -x: one record a row, no footer
        yield "-[ RECORD … ]", lower.count("-[ record ")
    if "|" in lower:  # a table's rows whose cell names the kind ("| pg-2 | 10.0.0.12 | Replica | streaming |"; its header
        # "| Member | Host | Role |", with no figure, is no row, review 27)
        rows = [line for line in lower.splitlines() if line.count("|") >= 2 and any(map(str.isdigit, line)) and any(
            (cell.split() or [""])[-1] in words or (cell.split() or [""])[-1].rstrip("s") in words
            for cell in line.split("|"))]
        if rows:
            yield rows[0], len(rows)
    if "disk" in words and (n := disk_count(lower)):  # smartctl -H: a verdict a disk (review 32)
        yield "smartctl -H", n
    if "array" in words and "personalities" in lower:  # /proc/mdstat: an array a line
        yield "/proc/mdstat", array_count(lower)
    if (m := _KUBECTL_GET_RE.search(call)) is not None and _RESOURCES.get(m["resource"]) in words:
        rows = lower.strip().splitlines()  # kubectl's listing of that kind: a row each under its header, review 27
        if rows and rows[0].startswith(("name ", "namespace ")):
            yield rows[0], len(_counted_rows(rows[0].split(), rows[1:], qualifier))


def _counted_rows(header: list[str], rows: list[str], qualifier: str) -> list[str]:
    """The rows of a kubectl listing that count as members of the kind expected: ready ones ("0/1" is none, review
    28), named for the qualifier where some are ("all three api pods" among the worker's and redis' rows), and for
    "worker nodes" no control plane."""
    ready = header.index("ready") if "ready" in header else -1
    cells = [row.split() for row in rows if row.strip()]
    if ready >= 0:
        cells = [c for c in cells if len(c) > ready and _FULL_RE.fullmatch(c[ready]) and len(set(c[ready].split("/"))) == 1]
    if qualifier and any(c[0].startswith(qualifier) for c in cells):
        cells = [c for c in cells if c[0].startswith(qualifier)]
    elif qualifier == "worker":
        cells = [c for c in cells if not any("control-plane" in x or "master" in x for x in c)]
    return [" ".join(c) for c in cells]


_FULL_RE = re.compile(r"\d+/\d+")


def _counts_kind(key: str, words: tuple[str, ...], qualifier: str = "") -> bool:
    """Whether a key is a count of members of a kind: the kind's plural with words that say which are counted
    ("connected_slaves", "Ready nodes", "num_replicas"), or its singular with "count" ("replica_count"); not a count
    of those in trouble ("disks_failed") nor a setting ("min-slaves-to-write"); with the checklist's own qualifier
    ("number_of_data_nodes" for "all 3 data nodes", review 27)."""
    parts = [p for p in _KEY_SPLIT_RE.split(key) if p]
    rest = [p for p in parts if p not in _QUALIFIERS and p != qualifier]
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
_KEY_COUNT_RE = re.compile(r"(?m)^[ \t]*\"?(?P<key>[a-z][\w. -]{1,40}?)\"?[ \t]*[:=][ \t]*(?P<n>\d{1,4})[ \t]*,?[ \t]*$")  # (also
# a pretty JSON's '"number_of_nodes" : 2,')
_UP_OF_RE = re.compile(r"\b\d{1,4}\s+(?P<noun>[a-z]+?)s?:\s+(?P<up>\d{1,4})\s+up\b")
# `kubectl get pods -l app=api`, `kubectl -n prod get po`, `oc get nodes`: the kind of member it lists.
_KUBECTL_GET_RE = re.compile(r"\b(?:kubectl|oc)\b[^|;&\n]*?\sget\s+(?:-{1,2}[\w-]+(?:[= ][^\s-]\S*)?\s+)*?"
                             r"(?P<resource>[a-z]+)\b")
_RESOURCES = {"po": "pod", "pod": "pod", "pods": "pod", "no": "node", "node": "node", "nodes": "node"}
_ROWS_RE = re.compile(r"(?m)^\((\d{1,4}) rows?\)[ \t]*$")
