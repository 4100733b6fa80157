"""Whether a check-in's JSON lookup reads as quiet: the JSON half of `lookup_news.py`.

A record is quiet when its answer is none (an empty list or a zero under the key of what it looks for) and its other
fields only describe the lookup: names, ids, stamps, tallies of what was scanned, states that say all is well, records
that each report themselves fine; never a positive count of things that need attention, a flag set, a state in
trouble ("open", "offline", "paper_jam") or free text that does not say none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from larouter.routing.compiled import Compiled
from larouter.routing.limits import BAND_KEYS, LIMITS_KEYS, within_own_limits
from larouter.routing.lookup_text import (FINE_STATES, LOW_CHARGE, MODES, NOT_HOLDING, SHOULD_HOLD_RE, TROUBLE_COUNT_RE,
                                          TROUBLE_WORDS, USE_LIMIT, failed_code)
from larouter.routing.payload import STATUS_KEYS, healthy
from larouter.routing.quiet import says_none
from larouter.routing.limit_dates import Clock
from larouter.routing.limit_match import judge
from larouter.routing.limit_vocab import Limit
from larouter.routing.lookup_judged import (Reading, duration_unit, epoch_millis, field_label, judge_value,
                                            newest_verdict, record_unit, stated_verdict)
from larouter.routing.statustime import STAMP_RE
from larouter.routing.tokens import word_tokens
from larouter.routing.troubled import OPENABLE_RE
from larouter.routing.triggers import ITEM_LIST_KEY, TROUBLE_FLAG_KEY, attention_key, settings_key

# A battery's or an accumulator's charge in %, held to LOW_CHARGE (not its volts: "battery_v": 12.7).
_BATTERY_RE = re.compile(r"batter|akku|bateri|batterie|акумулятор|аккумулятор|заряд|charge_pct|soc", re.I)
_NOT_A_SHARE_RE = re.compile(r"(?:_v|volt\w*|_mv|_mah|_wh|_temp\w*|_c)$", re.I)
_TIME_KEY = re.compile(r"time|date|_at$|At$|since|until|checked|updated|stamp", re.I)
_FINE_FLAG_KEY = re.compile(r"^(?:ok|success|succeeded|exists|healthy|enabled|connected|valid|online|up|is_?last|last"
                            r"|done|complete|completed|synced|verified|paid|ready|active)$", re.I)
_MAX_DEPTH = 6


def quiet_json(data: Any, rules: Compiled, stated: Sequence[Limit] = (), now: Clock | None = None,
               call: str = "") -> bool:
    """(`triggers.holds_items`, read first by `found_items`: a list of records that do not report themselves fine, a
    list under an item key, a count or flag under a key of trouble are none of them quiet here either.) A reading
    a limit the check-in states names is judged by it (`stated_limits.judge`): past it is news, within it says all
    is well."""
    read = Reading(rules, stated, now, call=call)
    if not _quiet_node(data, "", read, 0, False):
        return False
    return any(read.marks)



def _quiet_node(value: Any, key: str, read: Reading, depth: int, limited: bool) -> bool:
    """Whether a JSON value says nothing to handle; appends to `marks` each field that says none or all is well.
    `limited`: the value's record reports itself fine (a fine status, or limits its readings lie within): its numbers
    are ids and readings, but for counts that need attention and shares past their limits."""
    if depth > _MAX_DEPTH:
        return False
    if key.lower() in _SPEC_KEYS:
        return True  # the limits or band a record's readings are judged by (`limits.within_own_limits`, above)
    if isinstance(value, Mapping):
        if not value:
            read.marks.append(key.lower() not in _NOT_ANSWERS)  # an empty answer ({"QueryResponse": {}})
            return True
        if settings_key(key):
            return True  # a setting the lookup echoes ("defaultReminders", "config"), not its answer
        judged = within_own_limits(value) if _judged(value) else None
        stated = stated_verdict(value, read) if read.stated else None
        if judged is False or stated is False or _troubled_record(value, key):
            return False
        fine = judged is True or stated is True or healthy(value) or _fine_state(value)
        if fine:
            read.marks.append(True)  # a record that reports itself fine: every other field is still read (review 17)
        if not read.stated:
            return all(_quiet_node(v, str(k), read, depth + 1, fine or limited) for k, v in value.items())
        (read.unit, read.millis), was = (record_unit(value) or read.unit, epoch_millis(value)), (read.unit, read.millis)
        try:  # ("state": "-2.4" in the record's °F; Jenkins' "duration" in ms)
            return all(_quiet_node(v, field_label(value, str(k)), read, depth + 1, fine or limited)
                       for k, v in value.items())
        finally:
            read.unit, read.millis = was
    if isinstance(value, list):
        if not value:
            read.marks.append(key.lower() not in _NOT_ANSWERS)  # ("media": [] beside a message says nothing)
            return True
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return not (attention_key(key) or _negated_key(key))  # readings, coordinates, a range
        if settings_key(key):
            return True  # a setting's list ("defaultReminders": [{"method": "popup", "minutes": 30}])
        if all(isinstance(v, Mapping) for v in value):  # records: each must report itself fine, and be quiet
            newest = newest_verdict(value, read) if read.stated else None
            if newest is False:
                return False
            if newest:  # (the newest snapshot is recent enough: the older ones' times are history)
                read.marks.append(True)
                read.newest_only, was = True, read.newest_only
                try:
                    return all(_quiet_node(v, key, read, depth + 1, True) for v in value)
                finally:
                    read.newest_only = was
            return all((healthy(v) or (bool(read.stated) and stated_verdict(v, read) is True))
                       and _quiet_node(v, key, read, depth + 1, limited) for v in value)
        if attention_key(key) or _negated_key(key) or ITEM_LIST_KEY.search(key) or TROUBLE_FLAG_KEY.search(key):
            return False  # items or names in trouble (`"alerts": ["CPU high"]`, `"expired": ["mail.acme.com"]`)
        return all(isinstance(v, str) and _name_value(v) for v in value)  # what was checked (["whatsapp", "gmail"])
    if value is None or value is False:
        if value is False and _SHOULD_BE_TRUE_RE.search(key) and not _negated_key(key):
            return False  # "online": false, "healthy": false
        read.marks.append(bool(attention_key(key) or TROUBLE_FLAG_KEY.search(key)))  # ("water_leak": false)
        return True
    if value is True:
        return bool(_FINE_FLAG_KEY.match(key))
    if isinstance(value, (int, float)):
        return _quiet_number(value, key, read, limited)
    if isinstance(value, str):
        return _quiet_string(value.strip(), key, read, limited)
    return False


def _troubled_record(record: Mapping[str, Any], key: str) -> bool:
    """A record that reports trouble by its context (review 18): anything but none under a key of trouble
    ({"intrusion": {"active": true}}, {"siren": {"active": true}}), or a state that is fine only for some things
    ("off", "locked") said of a power, an account, a pump ({"PowerState": "Off"}, {"account": {"status": "locked"}})
    rather than a door, a lock, an alarm or a light."""
    if (attention_key(key) or TROUBLE_FLAG_KEY.search(key) or _negated_key(key)) and not all(
            v in (None, False, 0, "") or v == [] or v == {} for v in record.values()):
        return True  # ("settings_changed_by_unknown": {"user": …}; "alerts": {"critical": 0} says none)
    subject = None
    for k, v in record.items():
        name = str(k)
        if not isinstance(v, str) or v.strip().lower() not in _CONTEXT_STATES:
            continue
        if not (name.lower() in STATUS_KEYS or _STATUS_KEY_RE.search(name)):
            continue
        if subject is None:
            subject = " ".join([key, *(f"{a} {b}" for a, b in record.items() if isinstance(b, str))]).lower()
        if _NOT_OPENABLE_RE.search(f"{key} {name}") or not (OPENABLE_RE.search(subject) or _OFF_FINE_RE.search(subject)):
            return True
    return False


_CONTEXT_STATES = frozenset({"off", "closed", "locked", "standby"})
# What "off", "closed" or "locked" is fine for besides what opens and closes (`troubled.OPENABLE_RE`): a lock, an
# alarm, a light, a heater, a sensor of them.
_OFF_FINE_RE = re.compile(r"lock|alarm|light|lamp|blind|binary_sensor|motion|contact|heater|heating|boiler|fan|climate"
                          r"|chauffe|calef")
_NOT_OPENABLE_RE = re.compile(r"power|account|user|pump|freezer|fridge|server|host|service|plug|ups", re.I)


def _counts_items(key: str) -> bool:
    """A key that counts items to handle by its first word ("orders_created_last_hour": 5), not their total
    ("messagesTotal")."""
    parts = [p.lower() for p in _KEY_PARTS_RE.findall(key)]
    return len(parts) > 1 and parts[-1] != "total" and ITEM_LIST_KEY.fullmatch(parts[0].rstrip("s")) is not None


def _fine_state(record: Mapping[str, Any]) -> bool:
    """A record whose state is a fine one or a mode ({"state": "off"} of a door sensor, {"state": "armed_away"})."""
    states = [str(v).strip().lower() for k, v in record.items()
              if isinstance(v, str) and (str(k).lower() in STATUS_KEYS or _STATUS_KEY_RE.search(str(k)))]
    return bool(states) and all(state in FINE_STATES or state in MODES for state in states)


def _quiet_number(value: float, key: str, read: Reading, limited: bool) -> bool:
    if (code := failed_code(key, value)) is not None:
        return not code  # a run's exit code, an HTTP status: 0 and 2xx/3xx are fine (review 19: a 503 beside 120 ms)
    if read.stated and (judged := judge(read.stated, key, value, duration_unit(key, read.millis))) is not None:
        read.marks.append(judged)  # a reading the check-in states a limit for: within it is its answer
        return judged
    if _DAYS_LEFT_RE.search(key):
        notice = max((lim.value / 86400 for lim in read.stated if lim.dimension == "left"), default=_NOTICE_DAYS)
        return value >= notice  # a certificate's or a domain's days left: soon (0 too) is news, far is quiet
    attention = attention_key(key) or _negated_key(key)  # "unresolved", "nodes_not_ready", "http_5xx_per_min"
    if value == 0:
        if not attention and _SHOULD_HOLD_RE.search(key):
            return False  # none of what should be there: "healthy_host_count": 0, "stock": 0, "backups_last_24h": 0
        read.marks.append(True)
        return True
    if _SCOPE_VERB_RE.search(key):
        return True  # what the lookup went through ("messages_scanned": 1204, "channels_checked": 12)
    if read.newest_only and TROUBLE_COUNT_RE.search(key) is None:
        return True  # a dated record's own figures (a backup's "files_new": 212), the newest fresh enough
    if attention or _counts_items(key):
        return False
    if (_BATTERY_RE.search(key) and not _NOT_A_SHARE_RE.search(key) and value <= 100) or _LOW_SHARE_RE.search(key):
        return value >= LOW_CHARGE  # a battery's charge, a share left ("disk_free_pct": 3): low is news
    if _SHARE_KEY_RE.search(key):
        return value < USE_LIMIT  # a usage share ("disk_pct": 97) is held to the limit the text reader uses
    if limited or key.lower() in LIMITS_KEYS | BAND_KEYS or (isinstance(value, float) and not value.is_integer()):
        return True  # a reading within its record's limits, a limit, a reading or an amount ("saldo": 4821.37)
    return _tally_key(key)


# Days left before something lapses ("days_remaining", "daysUntilExpiry", "expires_in_days", "valid_days").
_DAYS_LEFT_RE = re.compile(r"days?_?(?:remaining|left|until|to_?expir|valid)|(?:expir\w*|valid|remaining|left)_?(?:in_)?days?"
                           r"|days_?before", re.I)
_NOTICE_DAYS = 14  # where certificate and domain monitors warn (Let's Encrypt renews at 30 days left, warns at ~20)


# Keys whose value should be true or above zero: none of them, or false, is news ("online": false, "stock": 0).
_SHOULD_HOLD_RE = re.compile(r"healthy|available|ready|remaining|stock|backup|success|succeeded|passed|alive"
                             r"|reachable|capacity|free|left|life", re.I)  # (not "online": 0 players at night are none)
# False where true is expected: a device, a link or a check that is down ("online": false, "ok": false).
_SHOULD_BE_TRUE_RE = re.compile(r"healthy|online|available|ready|success|succeeded|passed|alive|connected|reachable"
                                r"|running|active|enabled|valid|paid|(?:^|_)up(?:$|_)|^ok$", re.I)
_NEGATIONS = frozenset({"not", "non", "no", "without", "un", "missing"})
_SCOPE_VERB_RE = re.compile(r"scanned|checked|polled|searched|processed|synced|seen|fetched|delivered|sent|read$"
                            r"|confirmed|confirmad|total_confirm", re.I)
_LOW_SHARE_RE = re.compile(r"(?:free|left|remain|avail|life)\w*?(?:pct|percent|%)", re.I)
# A share of something used up ("disk_pct": 97, "cpu%": 91): at USE_LIMIT or more it is news; a share where more is
# better (a battery, a signal) is not held to it.
_SHARE_KEY_RE = re.compile(r"(?:cpu|mem|disk|use|util|load|full|fill|swap|storage|quota|inode|heap)\w*?(?:pct"
                           r"|percent|%|_ratio)|^(?:usage|utili[sz]ation)$", re.I)
_NOT_ANSWERS = frozenset({"media", "files", "attachments", "images", "tags", "labels", "cc", "bcc", "reactions",
                          "links", "queries", "checked", "sources", "scopes", "filters"})


def _negated_key(key: str) -> bool:
    """A key that counts what is not as it should be ("nodes_not_ready", "unhealthy_hosts", "nonresponsive")."""
    parts = [p.lower() for p in _KEY_PARTS_RE.findall(key)]
    return not _NEGATIONS.isdisjoint(parts) or any(p.startswith(("un", "non")) and len(p) > 5 for p in parts)


_JUDGING_KEYS = STATUS_KEYS | LIMITS_KEYS | BAND_KEYS
_SPEC_KEYS = LIMITS_KEYS | BAND_KEYS


def _judged(record: Mapping[str, Any]) -> bool:
    return any(str(k).lower() in _JUDGING_KEYS or str(k).endswith(("_max", "_limit", "_min")) for k in record)


# What a positive whole number counts when it is no news: the lookup's scope ("channels_scanned": 12, "devices":
# 112), things in a fine state ("online": 112, "total_confirmadas": 14), a limit or interval ("next_poll_s": 900),
# a reading with its unit in the key ("soil_moisture_pct": 36). Any other count beside the lookup's answer is news:
# the twin of {"orders": [], "count": 0} is {"orders": [], "count": 3}, of {"sick_calls": 0} is {"sick_calls": 3}.
_TALLY_WORDS = frozenset("""
scanned checked polled searched watched tracked monitored sources source channels feeds servers hosts nodes devices
sensors members users subscribers followers capacity capienza limit max min threshold interval next poll page pages
per occupied available online ready running active healthy up confirmed confirmadas confirmados done completed
processed delivered sent synced ok passed succeeded seq version port year month day week hour minute time timestamp
epoch start update date cost rate quota credit credits throttle type kind format grace pings
""".split())
_UNIT_SUFFIXES = frozenset("s ms sec secs min mins h hrs pct percent c f kb mb gb tb ppm id no nr num idx index ts at "
                           "port version ver gwei kwh w kw v mm cm m km kg g".split())
_KEY_PARTS_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _tally_key(key: str) -> bool:
    """Whether a positive number under `key` is the lookup's own (see `_TALLY_WORDS`): by the key's last word, or
    its unit ("next_poll_s"); not by any word in it ("tickets_created_since_last_check", "rate_limit_hits": review
    18). A total of what the lookup holds ("messagesTotal", "total_confirmed") is one; a bare "total" or a
    "total_count" beside an empty answer counts items that must be somewhere ({"orders": [], "total": 3})."""
    parts = [p.lower() for p in _KEY_PARTS_RE.findall(key)]
    if not parts:
        return key.endswith("%")
    if len(parts) > 1 and parts[-1] == "total":
        return True
    if parts[0] == "total":
        return len(parts) > 1 and all(p in _TALLY_WORDS for p in parts[1:])
    last = parts[-2] if parts[-1] in _UNIT_SUFFIXES and len(parts) > 1 else parts[-1]
    return key.endswith("%") or parts[-1] in _UNIT_SUFFIXES or last in _TALLY_WORDS


def _quiet_string(text: str, key: str, read: Reading, limited: bool = False) -> bool:
    rules, marks = read.rules, read.marks
    if read.stated and (judged := judge_value(text, key, read)) is not None:
        marks.append(judged)
        return judged
    lower = text.lower()
    if lower in NOT_HOLDING and SHOULD_HOLD_RE.search(key):
        return False  # "Slave_IO_Running": "Connecting", "link": "down"
    if text and TROUBLE_COUNT_RE.search(key) and not says_none(text, rules.quiet) and lower not in ("0", "ok"):
        return False  # what went wrong, in words ("last_error": "connection refused")
    if not text or lower in ("[]", "{}"):
        marks.append(True)
        return True
    if key.lower() in STATUS_KEYS or _STATUS_KEY_RE.search(key):  # ("health_status", "estado", "状态")
        return lower in FINE_STATES or lower in MODES
    if (share := _SHARE_VALUE_RE.fullmatch(text)) is not None:  # "use%": "97%"
        return _quiet_number(float(share.group(1)), key if "%" in key or "pct" in key else key + "_pct", read, False)
    words = lower.replace(",", " ").split()
    if (not TROUBLE_WORDS.isdisjoint(words) or not rules.quiet.broken.isdisjoint(words)) and not says_none(
            text, rules.quiet):
        return False
    if limited and _DESCRIBING_KEY_RE.search(key):
        return True  # what a fine record's thing is ("desc": "pg_dump of ledger DB to B2"), trouble words aside
    if _MESSAGE_KEY_RE.search(key) and len(words) > 1 and not says_none(text, rules.quiet):
        return bool(rules.quiet.well.found(word_tokens(lower), text))  # a message's text is news unless it says
        # none or all is well ("call me back", "are you around?")
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


_STATUS_KEY_RE = re.compile(r"(?:status|state|result|outcome|phase|mode|estado|zustand|stato|statut|durum|状态|狀態|状態"
                            r"|상태)$", re.I)
_SHARE_VALUE_RE = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s?%")
_DESCRIBING_KEY_RE = re.compile(r"^(?:desc|description|title|name|friendly_name|display_?name|label|summary|tags|"
                                r"commit_message|commit_title)$", re.I)
_MESSAGE_KEY_RE = re.compile(r"^(?:text|body|message|msg|content|snippet|reply|question|request|preview"
                             r"|last_message)$", re.I)


def _name_value(text: str) -> bool:
    words = text.lower().split()
    return 0 < len(words) <= 3 and TROUBLE_WORDS.isdisjoint(words) and not attention_key(text)  # ("needs-triage")
