"""What a check-in's checklist says to ignore, taken out of the lookups before they are read: names only.

Checklists carry exceptions: "ignore the `descheduler-*` pods, they show Error half the time", "Watchdog and
InfoInhibitor always fire (that's by design), ignore them" (blind v44-v46). What is exempt is a thing the lookup lists
by its name: a row of a listing whose first cell is that name (a pod, a container, a host), or a record of a JSON
listing with a field whose whole value is that name (an alert's alertname). Only a name written as one can be
exempt: a word in quotes or backticks (`Watchdog`), one written as a name (a digit, a dash, an underscore or a dot
inside, a capital after a small letter: k3s-w4, InfoInhibitor), a pattern with `*`; and it matches a row's first cell
or a record's name field only, never a state ("unhealthy", "Evicted": exempting those as words hid every container,
pod and line in that state, review 26). An item of the checklist (its line and the lines that continue
it) that also sets a condition or a time, or asks to be told of something, exempts nothing; nor does a name the
checklist asks about elsewhere, one that exempts a part of a thing (its notice, a log warning, a state of it), or
names in different roles ("the `node-exporter` TargetDown"). A line that names the exempt thing somewhere else (a log
line, an apt pocket, an alert group holding other alerts) stays read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from larouter.routing.limit_vocab import ALERT_VERB_RE
from larouter.routing.triggers import Lookup

MAX_SUBJECTS = 16  # (a checklist names a few; more is no exception list)


def exempted(instructions: str) -> tuple[re.Pattern[str], ...]:
    """The names the instructions say to ignore, as patterns matched against a whole cell or value."""
    lower = instructions.lower()
    if not any(map(lower.__contains__, _GATE)):
        return ()
    found: list[re.Pattern[str]] = []
    others: list[str] = []  # the items that exempt nothing: a name they ask about is not exempt
    for item in _items(instructions):
        if _MARK_RE.search(item) is None:
            others.append(item.lower())
        elif _CONDITION_RE.search(item) is None and not _alerts(item) and _PART_RE.search(item) is None:
            names = _names(item)
            if len(names) == 1 or _listed(item, names):
                found += [_pattern(name) for name in names]
    asked = "\n".join(others)
    return tuple(p for p in found if not _mentioned(p, asked))[:MAX_SUBJECTS]


def _items(instructions: str) -> list[str]:
    """The checklist's items: a line with the lines that continue it (up to a blank line or the next item)."""
    items: list[str] = []
    for line in instructions.splitlines():
        if items and items[-1].strip() and line.strip() and not _ITEM_START_RE.match(line):
            items[-1] += "\n" + line  # ("- ignore X.\n  But if it stays down for over an hour, tell me", review 26)
        else:
            items.append(line)
    return items


def _listed(item: str, names: list[str]) -> bool:
    """Whether the names of an item are one list ("`Watchdog` and InfoInhibitor"), not names in different roles
    ("the `node-exporter` TargetDown", "k3s-w4 … its SchedulingDisabled": one is the thing, one what of it is exempt)."""
    at = [item.find(n) for n in names]
    if any(a < 0 for a in at):
        return False
    order = sorted(zip(at, names))
    return all(_LIST_GAP_RE.fullmatch(item[a + len(n): b]) for (a, n), (b, _) in zip(order, order[1:]))


def _alerts(item: str) -> bool:
    """Whether the item asks to be told of something (not "dont report")."""
    return any(_NEGATED_RE.search(item[:m.start()]) is None for m in ALERT_VERB_RE.finditer(item))


def _names(item: str) -> list[str]:
    """The names in an exempting item: a word in quotes or backticks (`Watchdog`), or one written as a name
    (`k3s-w4`, InfoInhibitor), patterns with `*` included; no phrase, no path."""
    quoted = [m.group(m.lastindex or 0) for m in _QUOTED_RE.finditer(item)]
    tokens = (t.strip("`'\"“”«»()[],;:").rstrip(".").strip("-") for t in _QUOTED_RE.sub(" ", item).split())
    named = [t for t in tokens if _NAME_LIKE_RE.search(t)]
    return [t for t in quoted + named if len(t.strip("*")) >= 3 and t.lower() not in _NOT_NAMES and "/" not in t
            and " " not in t]


def _pattern(name: str) -> re.Pattern[str]:
    """A name matched whole: "descheduler-*" matches "descheduler-29124480-4hq2m", never "x-descheduler-y"."""
    return re.compile(re.escape(name.lower()).replace(r"\*", r"[\w.-]*"))


def _mentioned(p: re.Pattern[str], text: str) -> bool:
    return any(p.fullmatch(t.strip("`'\"()[],;:.")) for t in text.split())


def without_exempted(lookups: Sequence[Lookup], patterns: Sequence[re.Pattern[str]]) -> list[Lookup]:
    """The lookups without the rows (records, in JSON) that an exempt name heads; each unchanged when none is."""
    if not patterns:
        return list(lookups)
    return [_without(r, patterns) for r in lookups]


def _without(r: Lookup, patterns: Sequence[re.Pattern[str]]) -> Lookup:
    if r.is_json:
        data = _drop_records(r.data, patterns)
        return r if data is r.data else Lookup(json.dumps(data, ensure_ascii=False), data, r.call)
    kept = [line for line in r.text.splitlines() if not _heads(line, patterns)]
    if len(kept) == len(r.text.splitlines()):
        return r
    text = "\n".join(kept)  # (every row exempt leaves the header alone: quiet only where the listing lists trouble,
    # `lookup_news`; "any container down" with only the exempt `watchtower` running is no quiet listing, review 31)
    return Lookup.of(text, r.call)


def _heads(line: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    """Whether a listing's row is headed by an exempt name (its first cell: `docker ps`, `kubectl get pods`)."""
    first = line.split("|")[1] if line.lstrip().startswith("|") and line.count("|") > 1 else line
    cell = (first.split() or [""])[0].strip("`'\"").lower()
    return bool(cell) and any(p.fullmatch(cell) for p in patterns)


def _drop_records(data: Any, patterns: Sequence[re.Pattern[str]]) -> Any:
    """`data` with each record (an object in a list) left out that has a field (or a label) whose whole value is an
    exempt name; a record holding other records keeps the others (an alert group: its alerts are read one by one)."""
    if isinstance(data, list):
        kept = [_drop_records(d, patterns) for d in data if not (isinstance(d, dict) and _named(d, patterns))]
        return data if len(kept) == len(data) and all(a is b for a, b in zip(kept, data)) else kept
    if isinstance(data, dict):
        out = {k: _drop_records(v, patterns) for k, v in data.items()}
        return data if all(out[k] is data[k] for k in data) else out
    return data


def _named(record: dict[str, Any], patterns: Sequence[re.Pattern[str]]) -> bool:
    """Whether a record's name (a field that names it: "alertname", "name", "pod", …, its own or its labels') is an
    exempt name; never a state ("health": "unhealthy" is no name, review 26)."""
    fields = [record] + [record[k] for k in ("labels", "metadata", "tags") if isinstance(record.get(k), dict)]
    values = [v for f in fields for k, v in f.items() if isinstance(v, str) and k.lower() in _NAME_FIELDS]
    return any(p.fullmatch(v.strip().lower()) for v in values for p in patterns)


_NAME_FIELDS = frozenset({"name", "alertname", "alert", "id", "host", "hostname", "instance", "container", "pod",
                          "service", "job", "monitor", "monitor_name", "check", "entity_id", "device", "node", "unit",
                          "workflow", "workflowname", "rule", "rulename", "package", "namespace"})


_GATE = ("ignor", "negeer", "don't report", "dont report", "do not report", "don't care", "dont care", "on purpose",
         "by design", "known issue", "is normal", "are normal", "is expected", "are expected", "is fine", "are fine",
         "nicht melden", "pas signaler", "no avisar", "non segnalare")
_MARK_RE = re.compile(r"\b(?:ignor\w*|negeer\w*|(?:don'?t|do not|never) (?:report|care|ping|alert|mention)\w*|on purpose"
                      r"|by design|known issue|(?:is|are|=) (?:normal|expected|fine)|nicht melden|pas signaler"
                      r"|no avisar|non segnalare)\b", re.I)
# An exemption with a condition or a time is none: "ignore X unless …", "… if it is in maintenance", "… for more
# than an hour", "between 02:00 and 03:00", "till April 27", "es sei denn", "à moins que" (review 26).
_CONDITION_RE = re.compile(r"\b(?:unless|except|but|if|when|whenever|while|wenn|falls|si|se|quando|cuando|as long as"
                           r"|for more than|longer than|more than|at least|until|till|up to|between|during|before|after"
                           r"|apart from|other than|besides|anything else|everything else|(?:don'?t|do not|never|not)"
                           r" ignore|außer|es sei denn|sauf|à moins|a menos que|tranne|a meno che|tenzij|behalve|salvo"
                           r"|excepto|zwischen|entre|tra|tussen)\b|[<>≥≤]|\d+\s?%|\d{1,2}:\d\d", re.I)
_NEGATED_RE = re.compile(r"\b(?:don'?t|do not|never|no need to|nicht|pas|no|non)\s+(?:\w+\s+){0,2}$", re.I)
_QUOTED_RE = re.compile(r"`([^`\n]{3,60})`|\"([^\"\n]{3,60})\"|“([^”\n]{3,60})”|«([^»\n]{3,60})»")
# An item that exempts a part of a thing, not the thing: its notice, its log warning, a state of it (review 27).
_PART_RE = re.compile(r"\b(?:notice|notices|warning|warnings|message|messages|log|logs|line|lines|state|states|status"
                      r"|reload|reloads|update|updates|notification|notifications|event|events|hinweis|meldung|warnung"
                      r"|avviso|aviso|avertissement)\b", re.I)
_LIST_GAP_RE = re.compile(r"[`'\"“”«»*]*\s*(?:,|and|or|&|/|und|oder|et|ou|y|o|e)\s*[`'\"“”«»*]*", re.I)
_ITEM_START_RE = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|#{1,6}\s)")
# A name written as one: a digit, a dash, an underscore, a dot or a star inside, or a capital after a small letter.
_NAME_LIKE_RE = re.compile(r"^(?=.*[a-z])(?:.*[\w][\d_.*-]|.*[a-z][A-Z])", re.S)
_NOT_NAMES = frozenset({"e.g", "i.e", "etc", "don't", "dont", "it's", "its", "that's", "thats", "heartbeat.md",
                        "heartbeat_ok", "no_reply", "isn't", "doesn't", "can't", "won't"})
