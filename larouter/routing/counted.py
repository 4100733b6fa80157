"""A count beside a zero: a check-in's news in any language, whatever it counts.

A poll that reports its items as labelled counts ("QC failures: 0", "Chat pembeli: 0", "flagged=0") says with its
zeros how it reads when all is quiet; its work twin differs from it only in one count ("QC failures: 3"). So a
check-in with a label valued zero (or empty, or none: "reminders: []", "bekleyen_görev: yok") and another label valued
a whole number above zero brings news, unless that number
is not a count of things to handle: a stamp, a name ("db-02"), a duration, a reading with its unit ("21,5 °C"), a
share, a list's "1)", the check's scope or numbering ("sources: 6", "reposts ignored: 3", "run=4312", "seq: 88"), a
flag ("WATCHDOG=1"), or a field that says itself all is well ("3 (unchanged since yesterday)", "200 OK", "2 (planned
maintenance)"). Found by the twin probe: every quiet labelled poll with one of its zeros set to 3."""

from __future__ import annotations

import re

from larouter.routing.compiled import QuietVocabulary
from larouter.routing.counts import NOT_COUNTS
from larouter.routing.tokens import word_tokens

# A label's value that is a whole number, not part of a decimal, a share, a range, a ratio or a list's "1)"
# ("flagged: 3", "chat_pembeli=2", 'errors="1"'; not "0.5", "41%", "9/9", "2-4"), and a label valued zero.
_COUNT_RE = re.compile(r"[:=：](?<!\d[:=：])[^\S\n]*\"?([1-9]\d{0,2})(?![\w:/%$)-]|[.,]\d|\s?%)")  # (not "1:1", nor a
# port, ":5173": a count of work has three digits at most)
_ZERO_VALUE_RE = re.compile(r"[:=：][^\S\n]*\"?0(?![\w:/%$-]|[.,]\d)")
_NONE_VALUE_RE = re.compile(r"[:=：][^\S\n]*(?:\[\s*\]|\{\s*\}|([^\W\d_]+)(?=[^\S\n]*(?:$|[\n|·•;,])))", re.M)
_FIELD_END_RE = re.compile(r"[\n|·•;]|\.\s")  # where a "label: value" field ends; a "key=value" one ends at a space
_KEY_VALUE_END_RE = re.compile(r"[\s\"'/>]")
_LABEL_START_RE = re.compile(r"[\n·|;,—<>{}\[\]()•]")
# What a label names when its number is the scope of the check or numbers it, not work: the things watched or counted
# as such ("sources: 6", "guilds=3", "run=4312", "tomorrow: 1 event"), exempt as the whole label (or a key's first
# part: "interval_s", "gas_gwei"); and the states of what is watched, skipped, silenced or occupied ("reposts ignored:
# 3", "chambres occupées : 41"), exempt in a label of two words. A longer label is read as written: "unanswered
# messages from tracked customers: 3" and "orders shipped to the wrong address: 2" are news (review 14).
_SCOPE_NOUNS = frozenset("""
sources feeds guilds servers channels subscribers members users followers limit max min threshold tomorrow next
upcoming later n run runs job jobs execution attempt sıra sira nr no num number interval period every ttl gas
gwei shard shards partition instance node nodes worker workers replica replicas cluster zone region occupancy value
values wake
序号 序號 编号 編號 番号 번호
""".split())
_SCOPE_STATES = frozenset("""
tracked watched watching monitored saved ignored skipped muted filtered excluded archived scheduled silenced snoozed
quarantined occupied occupées occupés ocupadas ocupados occupate belegt bezet total totals idle online ready running
active healthy up connected available
""".split())
# A machine key's numbering or unit suffix ("wake_no", "run_id", "interval_s", "gas_gwei").
_KEY_SUFFIXES = frozenset("no id nr seq index idx num s ms sec secs gwei port version ver".split())
_QUALIFIERS = frozenset("wrong late damaged twice fraud fraudulent failed not never missing expected lost stuck".split())
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DIRECTIONS = frozenset({"up", "down"})
_COUNTED_VERDICT_RE = re.compile(r"[\s:=]*\d")
_ITEM_HEADS = frozenset("alerts alert errors error failures failed jobs tickets orders messages tasks".split())  # (all-is-well words for a host; after a count, "14 (up from 0)" is news)


def counted_news(text: str, vocab: QuietVocabulary) -> bool:
    """Whether a label of `text` counts items above zero while another label's value is zero (see the module)."""
    candidates = [m for m in _COUNT_RE.finditer(text)]  # (one C scan; most check-ins have none)
    if not candidates or not _nothing_valued(text, vocab):
        return False
    return any(not _not_a_count(text, m.start(1)) and not _no_news(text, m, vocab) for m in candidates)


_AROUND = 48  # characters read either side of a count for the stamp, name, duration or reading it may be part of


def _not_a_count(text: str, at: int) -> bool:
    """Whether the number at `at` is part of a stamp, a name, a duration or a reading (read in a window around it:
    the stamp pattern over a whole long turn costs ~0.2 ms)."""
    start = max(0, at - _AROUND)
    window = text[start:at + _AROUND]
    return any(a <= at - start < b for rx in NOT_COUNTS for a, b in (span.span() for span in rx.finditer(window)))


def _nothing_valued(text: str, vocab: QuietVocabulary) -> bool:
    """Whether a label is valued zero, empty or none ("flagged: 0", "reminders: []", "bekleyen_görev: yok")."""
    if _ZERO_VALUE_RE.search(text) is not None:
        return True
    return any(m[1] is None or m[1].lower() in vocab.none.words for m in _NONE_VALUE_RE.finditer(text))


def _label(text: str, at: int) -> str:
    """The label before the separator a value at `at` follows: back to the line's or field's start ("saved
    queries" in "· saved queries: 4"), or the key before "=" ("guilds" in '<x events="0" guilds="3"/>', "run" in
    "job=x run=4312")."""
    key = text[max(0, at - 60):at].rstrip(' \t"')
    if key.endswith("="):
        return key[:-1].rsplit(None, 1)[-1] if key[:-1].strip() else ""
    key = key.rstrip(":：")
    starts = [m.end() for m in _LABEL_START_RE.finditer(key)]
    return key[starts[-1] if starts else 0:]


def _no_news(text: str, m: re.Match[str], vocab: QuietVocabulary) -> bool:
    """Whether the count `m` is no news by its label, as a flag, or by what its field says right after it ("3
    (unchanged since yesterday)", "200 OK", "12 (all passed captcha)", "7 (all pre-paid)"; not "14 (up from 0)")."""
    label = _label(text, m.start() + 1).strip(" \t\"'")
    if label.isupper() and m.group(1) == "1":
        return True  # "WATCHDOG=1", "READY=1": a flag set
    words = word_tokens(label.lower().replace("_", " "))
    parts = _CAMEL_RE.sub("_", label).lower().split("_") if " " not in label else []  # a machine key's parts
    if (len(words) == 1 and (words[0] in _SCOPE_NOUNS or words[0] in _SCOPE_STATES or words[0] in vocab.label_keys
                             or words[0] in vocab.well.words)
            or (len(parts) > 1 and all(p in _KEY_SUFFIXES for p in parts[1:])
                and (parts[0] in _SCOPE_NOUNS or parts[0] in vocab.label_keys))  # "run_id", not "jobs_failed"
            or (len(parts) > 1 and parts[-1] in _KEY_SUFFIXES and parts[0] not in _ITEM_HEADS)  # "wake_no"
            or (len(words) == 2 and any(w in _SCOPE_STATES for w in words))):  # "reposts ignored", not "locked out"
        return True
    rest = text[m.end(1):m.end(1) + 80]
    end = (_KEY_VALUE_END_RE if text[:m.start(1)].rstrip(' "').endswith("=") else _FIELD_END_RE).search(rest)
    field = rest[:end.start() if end else 80].lower()
    after = [w for w in (w.strip("()[],.;:#") for w in field.split()) if w and w != "all"]
    if not after or not _QUALIFIERS.isdisjoint(after):
        return False  # ("2 (delivered to the wrong address)")
    verdict = after[0]
    at = field.find(verdict)
    if _COUNTED_VERDICT_RE.match(field, at + len(verdict)):
        return False  # the verdict word counts something itself: "2 (expected 0)", "3 (processed: 0)"
    return verdict not in _DIRECTIONS and (verdict in vocab.well.words or verdict.rsplit("-", 1)[-1] in vocab.well.words)
