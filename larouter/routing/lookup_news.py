"""Whether a heartbeat's tool lookups report anything: the quiet reader of what a check-in's tools answered.

An agent's check-in often calls tools before it answers (OpenClaw's heartbeat runs `gh pr list`, reads mail, asks
Home Assistant), so the request to route ends in their results. Review 15 found the classifier asked those results
for positive evidence of work (lists of known item keys, three text shapes): a `gh pr list` table, a himalaya
envelope list, a pod in Pending, `{"status": "offline"}` or `{"unresolved": 4}` came back a heartbeat, and the
local model answered HEARTBEAT_OK. So the question is turned round: a lookup is quiet only when it reads as nothing
to handle, and anything else is news for the model that does the work. Quiet is:

- an empty answer (`triggers.found_nothing`: `[]`, "no results", zeros all the way down);
- a checklist read (a markdown file: headings, `- [x]` items): its due items and trouble lines are read by the
  heartbeat's task reader and `triggers.troubled_text`, not here;
- a JSON record whose answer is none (an empty list or a zero under the key of what it looks for) and whose other
  fields only describe the lookup: names, ids, stamps, tallies of what was scanned, states that say all is well,
  records that each report themselves fine; never a positive count of things that need attention, a flag set,
  a state in trouble ("open", "offline", "paper_jam") or free text that does not say none;
- a command's output whose every row is in a fine state ("Running", "active", "Up 3 days (healthy)") or that reads
  as a quiet status report (`quiet.quiet_report`).

Readings with no limit stated beside them (a fare, an exchange rate, a temperature) are not quiet: whether they
cross the user's bound is for the model to judge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from larouter.routing.compiled import Compiled
from larouter.routing.limits import BAND_KEYS, LIMITS_KEYS, within_own_limits
from larouter.routing.payload import OK_VALUES, STATUS_KEYS
from larouter.routing.quiet import quiet_report, says_none
from larouter.routing.lookup_text import (TROUBLE_WORDS, checklist, fine_columns, fine_rows, fine_states,
                                          says_well)
from larouter.routing.statustime import STAMP_RE
from larouter.routing.tokens import word_tokens
from larouter.routing.triggers import (ITEM_LIST_KEY, MAX_RESULT_CHARS, TROUBLE_FLAG_KEY, Lookup, fine_record,
                                      found_nothing, json_of)

# Keys whose positive count needs someone's attention ({"unresolved": 4}, {"missed_calls": 2}, {"flagged": 3}),
# besides the item keys `triggers.holds_items` reads.
_ATTENTION_STEMS = tuple("""
unresolved missed flag need expir overdue late stale stuck block reject bounce declin retry retries backlog queue open
unanswer unread todo remaining offline down unhealthy unreachable warn critical degrad lost missing stop crash restart
voicemail violation breach drift pending waiting new error fail alert alarm incident due unrepl await firing dispute
chargeback review_request dms low_stock out_of_stock
""".split())


def _attention_key(key: str) -> bool:
    """Whether a key counts things that need attention (a substring test: faster than one long regex, ~2 us)."""
    return any(map(key.lower().__contains__, _ATTENTION_STEMS))
_BATTERY_RE = re.compile(r"batter|akku|bateri|batterie", re.I)
_LOW_BATTERY = 20  # % of charge where devices and Home Assistant's blueprints warn
_TIME_KEY = re.compile(r"time|date|_at$|At$|since|until|checked|updated|stamp", re.I)
_FINE_FLAG_KEY = re.compile(r"^(?:ok|success|succeeded|exists|healthy|enabled|connected|valid|online|up)$", re.I)
_MAX_DEPTH = 6


def lookup_news(results: Sequence[Lookup], rules: Compiled, limit: float | None = None) -> str:
    """The first lookup that reports something to handle, or "" when every one reads as quiet; `limit` is the share
    the check-in says to warn at ("Warn at 85%": `triggers.stated_share`), which a usage reading is judged by."""
    for result in results:
        if not quiet_lookup(result, rules, limit):
            return result.text or "(an empty tool result)"
    return ""


def quiet_lookup(result: Lookup, rules: Compiled, limit: float | None = None) -> bool:
    """Whether one lookup reads as nothing to handle (see the module's docstring)."""
    if found_nothing((result,), rules):
        return True
    if len(result.text) > MAX_RESULT_CHARS:
        return False
    if result.is_json:
        return _quiet_json(result.data, rules)
    text = result.text
    if (m := _HTTP_OK_RE.match(text)) is not None:  # `curl -i`: a 2xx status, then the body judged as the answer
        body = text[m.end():].partition("\n\n")[2].strip()
        return not body or quiet_lookup(Lookup(body, json_of(body) if body[:1] in "[{" else None), rules, limit)
    return (checklist(text) or says_well(text, rules.quiet) or quiet_report(text, True, rules.quiet)
            or fine_rows(text, limit) or fine_columns(text) or fine_states(text))


_HTTP_OK_RE = re.compile(r"HTTP/[\d.]+ 2\d\d\b")


# --- JSON ---------------------------------------------------------------------------------------------------------

def _quiet_json(data: Any, rules: Compiled) -> bool:
    """(`triggers.holds_items` is its first part: a list of records that do not report themselves fine, a list
    under an item key, a count or flag under a key of trouble are none of them quiet here either.)"""
    marks: list[bool] = []  # one entry per field that says none where an answer goes
    if not _quiet_node(data, "", rules, marks, 0):
        return False
    return any(marks) or (isinstance(data, Mapping) and fine_record(data))


def _quiet_node(value: Any, key: str, rules: Compiled, marks: list[bool], depth: int) -> bool:
    """Whether a JSON value says nothing to handle; appends to `marks` each field that says none."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, Mapping):
        if _judged(value):  # a record with a state or limits of its own: judged by them first
            if within_own_limits(value) is False:
                return False
            if fine_record(value):
                return True
        return all(_quiet_node(v, str(k), rules, marks, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        if not value:
            marks.append(True)
            return True
        if all(isinstance(v, Mapping) and _judged(v) and fine_record(v) for v in value):
            marks.append(True)  # records that each report themselves fine: the answer says all is well
            return True
        return not ITEM_LIST_KEY.search(key) and all(isinstance(v, str) and _name_value(v) for v in value)  # what
        # was checked (["whatsapp", "telegram"]), not items (`"alerts": ["CPU high"]`)
    if value is None or value is False:
        marks.append(bool(_attention_key(key) or TROUBLE_FLAG_KEY.search(key)))  # ("water_leak": false)
        return True
    if value is True:
        return bool(_FINE_FLAG_KEY.match(key))
    if isinstance(value, (int, float)):
        if value == 0:
            marks.append(True)
            return True
        if key.lower() in LIMITS_KEYS | BAND_KEYS or (isinstance(value, float) and not value.is_integer()):
            return True  # a limit the record carries; a reading or an amount ("saldo": 4821.37)
        if _BATTERY_RE.search(key):
            return value >= _LOW_BATTERY  # a battery's charge: low is news
        return not _attention_key(key) and _tally_key(key)
    if isinstance(value, str):
        return _quiet_string(value.strip(), key, rules, marks)
    return False


_JUDGING_KEYS = STATUS_KEYS | LIMITS_KEYS | BAND_KEYS


def _judged(record: Mapping[str, Any]) -> bool:
    return any(str(k).lower() in _JUDGING_KEYS or str(k).endswith(("_max", "_limit", "_min")) for k in record)


# What a positive whole number counts when it is no news: the lookup's scope ("channels_scanned": 12, "devices":
# 112), things in a fine state ("online": 112, "total_confirmadas": 14), a limit or interval ("next_poll_s": 900),
# a reading with its unit in the key ("soil_moisture_pct": 36). Any other count beside the lookup's answer is news:
# the twin of {"orders": [], "count": 0} is {"orders": [], "count": 3}, of {"sick_calls": 0} is {"sick_calls": 3}.
_TALLY_WORDS = frozenset("""
scanned checked polled searched watched tracked monitored sources source channels feeds servers hosts nodes devices
sensors members users subscribers followers capacity capienza limit max min threshold interval next poll page pages
per occupied available online ready running active healthy up confirmed confirmadas confirmados confirmed done
completed processed delivered sent synced ok passed succeeded total_confirmed seq version port year month day week hour
minute
""".split())
_UNIT_SUFFIXES = frozenset("s ms sec secs min mins h hrs pct percent c f kb mb gb tb ppm id no nr num idx index "
                           "port version ver gwei kwh w kw v mm cm m km kg g".split())
_KEY_PARTS_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _tally_key(key: str) -> bool:
    parts = [p.lower() for p in _KEY_PARTS_RE.findall(key)]
    return key.endswith("%") or (bool(parts) and (parts[-1] in _UNIT_SUFFIXES or not _TALLY_WORDS.isdisjoint(parts)))


def _quiet_string(text: str, key: str, rules: Compiled, marks: list[bool]) -> bool:
    lower = text.lower()
    if not text or lower in ("[]", "{}"):
        marks.append(True)
        return True
    if key.lower() in STATUS_KEYS:
        return lower in OK_VALUES
    words = lower.replace(",", " ").split()
    if not TROUBLE_WORDS.isdisjoint(words) and not says_none(text, rules.quiet):
        return False
    if len(words) == 1:  # a name, an id, a stamp, or a state (one in trouble is caught above)
        return True
    if STAMP_RE.fullmatch(text) or (_TIME_KEY.search(key) and STAMP_RE.search(text)):
        return True  # when the lookup ran ("time": "2026-01-29 10:00:01 AM UTC+0000")
    if says_none(text, rules.quiet):  # "No events in range", "keine neuen Signale"
        marks.append(True)
        return True
    if rules.quiet.well.found(word_tokens(lower), text):  # "todas as consultas de amanhã já estão confirmadas"
        return True
    return len(words) <= 3 and not any(w.isdigit() for w in words)  # a title, a name ("Ward round")


def _name_value(text: str) -> bool:
    words = text.lower().split()
    return 0 < len(words) <= 3 and TROUBLE_WORDS.isdisjoint(words)
