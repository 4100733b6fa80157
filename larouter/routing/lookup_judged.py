"""A check-in's JSON records judged against the limits it states (`stated_limits.py`): the half of `lookup_json.py`
that reads a record's readings and dates by them.

A record is answered when a stated limit names one of its readings and each it names lies within (`{"p95_latency_ms":
412}` against "SLO: p95_latency_ms < 800"), Home Assistant's entity states by their `entity_id`; a list of dated
records (backup snapshots, job runs) by the newest finished run of each machine or job in it against the age the
check-in allows, when the age names what the list is of.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from larouter.routing.compiled import Compiled
from larouter.routing.limit_dates import Clock, judge_stamp, stamp
from larouter.routing.limit_match import judge, label_words, names_any, reading, related_word
from larouter.routing.limit_vocab import Limit
from larouter.routing.lookup_text import TROUBLE_COUNT_RE
from larouter.routing.payload import healthy


@attrs.define(slots=True)
class Reading:
    """What a JSON lookup is read with: the rules, the limits the check-in states and its clock
    (`stated_limits.py`), and one mark per field read so far that says none or all is well where an answer goes."""

    rules: Compiled
    stated: Sequence[Limit] = ()
    now: Clock | None = None
    marks: list[bool] = attrs.Factory(list)
    call: str = ""  # the tool call the lookup answers (what a dated listing is of: "restic snapshots --json")
    newest_only: bool = False  # inside a list of dated records: only the newest one's age is judged
    millis: bool = False  # the record being read stamps in epoch milliseconds (`epoch_millis`)
    unit: str = ""  # the unit the record being read gives its value in (Home Assistant's "unit_of_measurement")


def answered(data: Any, stated: Sequence[Limit], now: Clock | None, call: str = "") -> bool:
    """Whether a lookup's records are what the check-in's stated limits ask about and each lies within them (a
    queue's depth, the newest backup's time): then they are no items to handle (`triggers.found_items`), and
    `quiet_json` reads the rest of them."""
    read = Reading(None, stated, now, call=call)  # type: ignore[arg-type]  (the rules are not read here)
    if isinstance(data, Mapping) and stated_verdict(data, read) is True:
        return True  # ({"p95_latency_ms": 412, "error_rate_pct": 0.12} against "SLO: … error_rate_pct < 1")
    lists = [data] if isinstance(data, list) else [v for v in data.values() if isinstance(v, list)] if isinstance(
        data, Mapping) else []
    records = [v for v in lists if v and all(isinstance(r, Mapping) for r in v)]
    return bool(records) and all(newest_verdict(v, read) is True or _each_answered(v, read) for v in records)


def _each_answered(records: Sequence[Mapping[str, Any]], read: Reading) -> bool:
    """Records each judged within the stated limits or reporting itself fine, one judged at least (a freezer's
    sensor beside a lock that is locked)."""
    verdicts = [stated_verdict(r, read) for r in records]
    return True in verdicts and all(v is True or (v is None and healthy(r)) for v, r in zip(verdicts, records))


def stated_verdict(record: Mapping[str, Any], read: Reading) -> bool | None:
    """Whether a record's own readings lie within the limits the check-in states for them: True when one is judged
    and none is past, False when one is past, None when no stated limit names any of them."""
    verdict: bool | None = None
    unit = record_unit(record)
    name = next((v for k in _NAME_KEYS if isinstance(v := record.get(k), str)), "")
    if name and (TROUBLE_COUNT_RE.search(name) or _HELD_RE.search(name)) and any(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in record.values()):
        return False  # a count of what is in trouble, whatever limit its kind has ("jobs.dead-letter": 57 messages
        # beside "the jobs queue has more than 1000 messages", review 19)
    millis = epoch_millis(record)
    for k, v in record.items():
        judged = judge_value(v, field_label(record, str(k)), read, unit or duration_unit(str(k), millis))
        if judged is False:
            return False
        verdict = verdict or judged
    return verdict


def epoch_millis(record: Mapping[str, Any]) -> bool:
    """Whether a record stamps its events in epoch milliseconds (Jenkins' "timestamp": 1780016400512): then its bare
    durations are in milliseconds too (its "duration": 4211378 is 70 minutes, not 49 days)."""
    return any(isinstance(v, int) and not isinstance(v, bool) and 10 ** 12 <= v < 10 ** 14 and _TIME_KEY_RE.search(str(k))
               for k, v in record.items())


# Where a queue's failed messages are held ("jobs.dlq", "jobs.parking-lot", "orders.poison", review 22).
_HELD_RE = re.compile(r"(?:^|[._-])(?:dlq|dlx|dead|parking[._-]?lot|poison|quarantine|failed|error)(?:$|[._-])", re.I)
_TIME_KEY_RE = re.compile(r"timestamp|time$|_at$|^ts$", re.I)
_DURATION_KEY_RE = re.compile(r"duration|elapsed|took|runtime", re.I)


def duration_unit(key: str, millis: bool) -> str:
    """The unit of a bare duration under `key` in a record that stamps in epoch milliseconds (`epoch_millis`)."""
    return "ms" if millis and _DURATION_KEY_RE.search(key) else ""


def field_label(record: Mapping[str, Any], key: str) -> str:
    """What a field's reading is of: its key, or for a record's own value ("state", "value") the record's name too
    (Home Assistant's {"entity_id": "sensor.freezer_temp", "state": "-18.2"})."""
    if key.lower() not in _VALUE_KEYS:
        return key
    name = next((v for k in _NAME_KEYS if isinstance(v := record.get(k), str)), "")
    return f"{name} {key}" if name else key


def record_unit(record: Mapping[str, Any]) -> str:
    unit = record.get("unit") or record.get("unit_of_measurement")
    attributes = record.get("attributes")
    if unit is None and isinstance(attributes, Mapping):
        unit = attributes.get("unit_of_measurement")
    return unit if isinstance(unit, str) and len(unit) <= 12 else ""


_VALUE_KEYS = frozenset({"state", "value", "reading", "current", "last", "level"})
_NAME_KEYS = ("entity_id", "friendly_name", "name", "metric", "sensor", "key", "id")


def judge_value(value: Any, key: str, read: Reading, unit: str = "") -> bool | None:
    if isinstance(value, bool) or not read.stated:
        return None
    unit = unit or read.unit
    if isinstance(value, (int, float)):
        return judge(read.stated, key, value, unit)
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    if (r := reading(value)) is not None:
        return judge(read.stated, key, r[0], r[1] or unit)
    if read.now is not None and not read.newest_only and (at := stamp(value)) is not None:
        return judge_stamp(read.stated, key, at, read.now)
    return False if names_any(read.stated, key) else None  # a reading the check-in asks about, in a form not read


def newest_verdict(records: Sequence[Mapping[str, Any]], read: Reading) -> bool | None:
    """A list of dated records (backup snapshots, job runs) judged by the newest time of each machine or job in it
    against the age the check-in allows (`stated_limits.judge_stamp`), when the age names what the list is of (its
    call or its records: "restic snapshots", a "hostname"); None when the records carry no time of a finished event,
    no age is stated, or the age names something else (a calendar's events are no backups: review 19)."""
    ages = [limit for limit in read.stated if limit.dimension == "age"]
    if read.now is None or not ages:
        return None
    label = label_words(" ".join([read.call, *(str(v) for r in records[:3] for v in r.values() if isinstance(v, str))]))
    if not any(related_word(w, label) for limit in ages for w in limit.words):
        return None
    groups: dict[str, list[Any]] = {}
    for record in records:
        group = next((str(record[k]) for k in _GROUP_KEYS if isinstance(record.get(k), str)), "")
        times = [at for k, v in record.items()
                 if isinstance(v, str) and _EVENT_TIME_RE.search(str(k)) and (at := stamp(v)) is not None]
        groups.setdefault(group, []).extend(times)
    if not any(groups.values()):
        return None
    if not all(groups.values()):
        return False  # a machine or job with no finished run at all
    key = next(str(k) for k, v in records[0].items() if _EVENT_TIME_RE.search(str(k)))
    verdicts = [judge_stamp(read.stated, key, max(times), read.now, generic=True) for times in groups.values()]
    return False if False in verdicts else (True if True in verdicts else None)


_GROUP_KEYS = ("hostname", "host", "machine", "client", "job", "job_name", "server")  # (not "name": an archive's own)


# The time a record's event happened at (a snapshot's "time", a run's "finished_at"), not when the lookup ran.
# (Not when it started: a run still going says nothing of the last one that finished, review 19.)
_EVENT_TIME_RE = re.compile(r"^(?:time|date|end|ended|ended_at|end_time|finished|finished_at|completed|completed_at"
                            r"|last_run|last_success|lastSuccess|last_backup|timestamp)$", re.I)
