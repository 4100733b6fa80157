"""What a check-in's checklist says to ignore, taken out of the lookups before they are read.

Checklists carry exceptions: "ignore the `descheduler-*` pods in kube-system, they show Error half the time", "ignora
\"client intended to send too large body\" e \"SSL_do_handshake() failed\", sono bot", "chromium / firefox-esr /
thunderbird / libreoffice = desktop stuff, ignore", "InfoInhibitor ignore too" (blind v44-v46). A line of a lookup
(a record of a JSON one) that names what the checklist exempts is not read for trouble. Only what can be told apart
from ordinary words is an exemption: a phrase in quotes or backticks, a pattern with `*`, a name written as one
(with a digit, a dash, an underscore, a dot or a capital inside: `k3s-w4`, `firefox-esr`, `InfoInhibitor`), or the
items of a list of such names or words before "= … ignore". A plain word ("warnings", "disk") is never one: a line
"warnings: 0, errors: 3" must stay read. An exemption with a condition ("ignore X unless it is down for an hour")
is no exemption: the model judges it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from larouter.routing.triggers import Lookup, json_of

MAX_SUBJECTS = 16  # (a checklist names a few; more is no exception list)


def exempted(instructions: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of what the instructions say to ignore (see the module's docstring)."""
    lower = instructions.lower()
    if not any(map(lower.__contains__, _GATE)):
        return ()
    found: list[re.Pattern[str]] = []
    others: list[str] = []  # the sentences that exempt nothing: what they ask about is not exempt
    for sentence in _SENTENCE_RE.split(instructions):
        if _MARK_RE.search(sentence) is None:
            others.append(sentence.lower())
        elif _CONDITION_RE.search(sentence) is None and not _alerts(sentence):
            found += [_pattern(subject) for subject in _subjects(sentence)]
    asked = "\n".join(others)
    return tuple(p for p in found if p.search(asked) is None)[:MAX_SUBJECTS]  # ("check that `nginx` is running;
    # ignore `nginx` reload warnings": nginx is asked about)


def _alerts(sentence: str) -> bool:
    """Whether the sentence asks to be told of something (not "dont report"): 'if "disk full" shows up, ignore the
    rest and tell me' names what is news, not what to ignore."""
    return any(_NEGATED_RE.search(sentence[:m.start()]) is None for m in _ALERT_RE.finditer(sentence))


def _subjects(sentence: str) -> list[str]:
    """The quoted phrases, patterns and names written as names in an exempting sentence, and a list before "=";
    not the exemption's own words."""
    quoted = [m.group(m.lastindex or 0) for m in _QUOTED_RE.finditer(sentence)]
    out = [q for q in quoted if " " not in q or not _COMMAND_RE.search(q)]  # (not a command: "`tail -n 15 …`")
    if out:
        return [s for s in out if len(s.strip("*")) >= 3]  # (what is quoted is what it names: "ignore the
        # `descheduler-*` pods in kube-system" exempts no namespace)
    bare = _QUOTED_RE.sub(" ", sentence)
    if (m := _LIST_BEFORE_RE.match(bare)) is not None:
        items = [i.strip(" -*•") for i in _LIST_SPLIT_RE.split(m[1])]
        if len(items) >= 2 and all(_WORD_RE.fullmatch(i) for i in items):
            out += items
            bare = bare[m.end(1):]
    tokens = (t.rstrip(".").strip("-") for t in _TOKEN_RE.findall(bare))
    out += [t for t in tokens if _NAME_LIKE_RE.search(t) and t.lower() not in _NOT_NAMES]
    return [s for s in out if len(s.strip("*")) >= 3]


def _pattern(subject: str) -> re.Pattern[str]:
    text = re.escape(subject.lower()).replace(r"\*", r"[\w.-]*")
    return re.compile(rf"(?<![\w-]){text}(?![\w-])" if subject[:1].isalnum() and subject[-1:].isalnum() else text)


def without_exempted(lookups: Sequence[Lookup], patterns: Sequence[re.Pattern[str]]) -> list[Lookup]:
    """The lookups without the lines (records, in JSON) that name an exemption; each unchanged when none does."""
    if not patterns:
        return list(lookups)
    return [_without(r, patterns) for r in lookups]


def _without(r: Lookup, patterns: Sequence[re.Pattern[str]]) -> Lookup:
    lower = r.text.lower()
    if not any(p.search(lower) for p in patterns):
        return r
    if r.is_json:
        data = _drop_records(r.data, patterns)
        return r if data is r.data else Lookup(_dumped(data), data, r.call)
    kept = [line for line in r.text.splitlines() if not any(p.search(line.lower()) for p in patterns)]
    text = "\n".join(kept)
    return Lookup(text, json_of(text) if text[:1] in "[{" else None, r.call)


def _drop_records(data: Any, patterns: Sequence[re.Pattern[str]]) -> Any:
    """`data` with each record (an object in a list) that names an exemption in one of its values left out."""
    if isinstance(data, list):
        kept = [_drop_records(d, patterns) for d in data
                if not (isinstance(d, dict) and any(p.search(v.lower()) for v in _strings(d) for p in patterns))]
        return data if len(kept) == len(data) and all(a is b for a, b in zip(kept, data)) else kept
    if isinstance(data, dict):
        out = {k: _drop_records(v, patterns) for k, v in data.items()}
        return data if all(out[k] is data[k] for k in data) else out
    return data


def _strings(record: Any, depth: int = 0) -> list[str]:
    """The string values of a record, its nested objects' too (labels, annotations; a few levels)."""
    if isinstance(record, str):
        return [record]
    if depth > 3:
        return []
    if isinstance(record, dict):
        return [s for v in record.values() for s in _strings(v, depth + 1)]
    if isinstance(record, list):
        return [s for v in record[:32] for s in _strings(v, depth + 1)]
    return []


def _dumped(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


_GATE = ("ignor", "negeer", "don't report", "dont report", "do not report", "don't care", "dont care", "on purpose",
         "by design", "known issue", "= normal", "is normal", "are normal", "is expected", "are expected", "is fine",
         "are fine", "= desktop", "desktop stuff", "nicht melden", "pas signaler", "no avisar", "non segnalare")
_MARK_RE = re.compile(r"\b(?:ignor\w*|negeer\w*|(?:don'?t|do not|never) (?:report|care|ping|alert|mention)\w*|on purpose"
                      r"|by design|known issue|(?:is|are|=) (?:normal|expected|fine)|nicht melden|pas signaler"
                      r"|no avisar|non segnalare|desktop stuff)\b", re.I)
# An exemption with a condition is none: "ignore X unless …", "… if it is in maintenance", "… for more than an hour".
_CONDITION_RE = re.compile(r"\b(?:unless|except|but|if|when|whenever|while|wenn|falls|si|se|quando|cuando|as long as|for more than|longer than|more than|at least"
                           r"|until|up to|apart from|other than|besides|anything else|everything else|(?:don'?t|do not|never|not)"
                           r" ignore|außer|sauf|a menos que|tranne|tenzij|salvo|excepto)\b|[<>≥≤]|\d+\s?%", re.I)
_ALERT_RE = re.compile(r"\b(?:tell|ping|message|notify|alert|page|text|wake) (?:me|us)\b|\blet (?:me|us) know\b|\breport (?:it|them|that)\b"
                       r"|→\s*report|\bavvisami\b|\bsag bescheid\b|\bpréviens|\bavísame\b|\bmeld", re.I)
_NEGATED_RE = re.compile(r"\b(?:don'?t|do not|never|no need to|nicht|pas|no|non)\s+(?:\w+\s+){0,2}$", re.I)
_SENTENCE_RE = re.compile(r"(?<=[.;!?])\s+|\n")
_COMMAND_RE = re.compile(r"\s-{1,2}\w|/\w|\|")  # a flag, a path, a pipe
_QUOTED_RE = re.compile(r"\"([^\"\n]{3,80})\"|“([^”\n]{3,80})”|«([^»\n]{3,80})»|`([^`\n]{3,80})`"
                        r"|(?<!\w)'([^'\n]{3,80})'(?!\w)")
# "chromium / firefox-esr / thunderbird / libreoffice = desktop stuff, ignore"
_LIST_BEFORE_RE = re.compile(r"\s*[-*•]?\s*([\w.*-]+(?:\s*(?:/|,)\s*[\w.*-]+)+)\s*(?:=|->|→|:)")
_LIST_SPLIT_RE = re.compile(r"\s*(?:/|,)\s*")
_WORD_RE = re.compile(r"[\w.*-]{2,40}")
_TOKEN_RE = re.compile(r"[\w.*-]*\w[\w.*-]*")
# A name written as one: a digit, a dash, an underscore, a dot or a star inside, or a capital after a small letter.
_NAME_LIKE_RE = re.compile(r"^(?=.*[a-z])(?:.*[\w][\d_.*-]|.*[a-z][A-Z])", re.S)
_NOT_NAMES = frozenset({"e.g", "i.e", "etc", "don't", "dont", "it's", "its", "that's", "thats", "heartbeat.md",
                        "heartbeat_ok", "no_reply"})
