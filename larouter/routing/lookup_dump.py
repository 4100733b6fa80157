"""A command's "key: value" dump read against the limits its check-in states: the third reader of `lookup_news.py`.

Many tools answer a check-in with a dump of fields, one a line: `redis-cli INFO replication` ("lag=0"), MySQL's
`SHOW REPLICA STATUS\\G` ("Seconds_Behind_Master: 0"), `apcaccess` ("BCHARGE  : 100.0 Percent"), `smartctl -H`,
`zfs get`, `sensors`. Most of their numbers are the tool's own (offsets, ids, sizes); which one the user cares about,
and where it turns into news, the check-in's checklist says ("tell me if replication lag exceeds 30 s"). So a dump
is quiet when the limits the check-in states judge at least one of its readings, each within its limit; every other
line says nothing wrong: no word of trouble anywhere, a state line in a fine state, a flag that should hold holding
("Slave_IO_Running: Yes"), a count of what needs attention at 0, a use under 80% and a charge at 20% or more
(`lookup_text.fine_reading`), a heading or a banner. A dump no stated limit judges is left to the other readers.
"""

from __future__ import annotations

import datetime as dt
import re

from larouter.routing.lookup_forms import as_pairs
from larouter.routing.lookup_text import (FINE_STATES, INSTRUCTION_RE, MODES, NOT_HOLDING, SHOULD_HOLD_RE, TROUBLE_COUNT_RE,
                                          TROUBLE_WORDS, USE_LIMIT, ZERO_COLUMNS, banner, cells, failed_code, fine_share,
                                          no_trouble, table)
from larouter.routing.limit_vocab import BOUND_WORDS
from larouter.routing.limit_dates import WIDEST_OFFSET, judge_stamp, stamp
from larouter.routing.limit_match import (judge, label_words, names_any, reading, reading_unit,
                                          related_word as _related_word)
from larouter.routing.readings import number
from larouter.routing.stated_limits import Stated
from larouter.routing.triggers import BAD_WORDS, SHARE_RE, Lookup, attention_key

_PAIR_RE = re.compile(r"^[ \t]*(?:[-*][ \t]+)?([^\W\d][^:=\n]{0,60}?)[ \t]*[:=][ \t]*(.*?)[ \t]*$")
# psql's expanded display (`-x`, `\\x`): "-[ RECORD 1 ]----+-----" then "replay_lag       | 00:00:00.410278".
_EXPANDED_RE = re.compile(r"^[ \t]*([^\W\d][\w .-]{0,60}?)[ \t]+\|[ \t]?(.*?)[ \t]*$")


def _pairs_of(text: str) -> re.Pattern[str]:
    """How a dump writes its "key: value" pairs: psql's expanded records with "|", a key and its value a line with one
    tab between (`mysql -N`'s "wsrep_cluster_size\t3", `sysctl`-like tools), any other with ":" or "="."""
    if "-[ RECORD " in text:
        return _EXPANDED_RE
    if "\t" in text:
        lines = [line for line in text.splitlines() if line.strip()]
        if sum(line.strip().count("\t") == 1 for line in lines) * 3 >= len(lines) * 2:
            return _TAB_RE
    return _PAIR_RE


_TAB_RE = re.compile(r"^[ \t]*([^\W\d][^\t\n:=]{0,60}?)\t+(.*?)[ \t]*$")


_SUBPAIR_RE = re.compile(r"([^\W\d][\w.-]{0,40})=([^,]*)")  # redis' "slave0:ip=10.0.4.12,port=6379,state=online,lag=0"
_NUMBER_UNIT_RE = re.compile(r"([+−-]?\d+(?:[.,]\d+)?)[ \t]?(%|°[ \t]?[CF]|[^\W\d_]{1,12}(?:/[^\W\d_]{1,4})?)?")
_STATE_KEY_RE = re.compile(r"(?:^|[\s._-])(?:state|status|health|result|verdict)$", re.I)
_HEADING_RE = re.compile(r"[#=*\[<-]")
_BEHIND_RE = re.compile(r"(?<=\w)\s+(?:behind|late|delayed)$", re.I)


def fine_dump(text: str, stated: Stated) -> bool:
    """Whether a "key: value" dump reads as quiet against the check-in's stated limits (see the module)."""
    if not stated.limits:
        return False
    judged = False
    text = as_pairs(text)
    pairs = _pairs_of(text)
    for line in text.splitlines():
        if not line.strip():
            continue
        m = pairs.match(line)
        if m is None:
            if (_HEADING_RE.match(line.lstrip()) or banner(line) or _zero_row(line)) and TROUBLE.isdisjoint(
                    label_words(NONE_OF_RE.sub(" ", line))):  # (not "[WARN] replica db-3 stopped", review 20)
                continue  # "# Replication", "=== START OF READ SMART DATA SECTION ===", a tool's name and version,
            return False  # a row of a device table in no trouble (`zpool status`: "tank  ONLINE  0  0  0")
        for key, value in _pairs(m[1], m[2]):
            verdict = _judge(key, value, stated)
            if verdict is False:
                return False
            judged = judged or verdict is True
    return judged


def fine_table(text: str, stated: Stated) -> bool:
    """A table with a column the stated limits name (psql's "replay_lag_s", a listing's "Time" against the age the
    check-in allows), every row's cell in it within them (a listing's newest time), and clear otherwise: no word of
    trouble, its other counter columns at 0, no share at 80% or more."""
    if not stated.limits or not no_trouble(text):
        return False
    head, rows = table(text)
    if not head:  # (a plain header: "Archive    Time")
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2 or any(c.isdigit() for c in lines[0]):
            return False
        head, rows = lines[0], lines[1:]
    rows = [row for row in rows if not _FOOTER_RE.fullmatch(row.strip())]
    names = cells(head)
    grid = [cells(row) for row in rows]
    if len(names) < 2 or not grid or any(len(row) != len(names) for row in grid):
        return False
    judged = False
    for i, name in enumerate(names):
        column = [row[i] for row in grid]
        verdict = _judge_column(name, column, stated)
        if verdict is False:
            return False
        judged = judged or verdict is True
    return judged


def _judge_column(name: str, column: list[str], stated: Stated) -> bool | None:
    """True: every cell within the limit that names the column (a listing's newest time within the age allowed);
    False: one past it, or a column that must read 0 (`lookup_text.ZERO_COLUMNS`) or a share at 80% or more;
    None: a column no stated limit names."""
    verdicts = [_judge_cell(name, cell, stated) for cell in column if cell not in ("", "-")]
    if any(v is False for v in verdicts):
        return False
    if verdicts and all(v is True for v in verdicts):
        return True  # (an empty cell is no reading: patroni's leader has no lag, review 21)
    if name.lower().strip() in ("state", "status") and any(c and c.lower() not in _FINE_FLAGS for c in column):
        return False  # a member's state ("starting", "stopped", "crashed")
    if name.lower().strip() in _SHOULD_HOLD_COLUMNS and any(c.lower() in NOT_HOLDING for c in column):
        return False  # (`pg_replication_slots`' "active" f)
    if name.lower().replace(" ", "_") in ZERO_COLUMNS and any(cell not in ("0", "-", "") for cell in column):
        return False
    return False if any(float(m) >= USE_LIMIT for cell in column for m in SHARE_RE.findall(cell)) else None


def _judge_cell(name: str, cell: str, stated: Stated) -> bool | None:
    if " / " in name and " / " in cell:  # `docker stats`' "MEM USAGE / LIMIT": "1.87GiB / 7.66GiB" (review 22)
        name, cell = name.split(" / ")[0], cell.split(" / ")[0]
    m = _NUMBER_UNIT_RE.fullmatch(cell)
    if m is None and (r := reading(cell)) is not None:
        return judge(stated.limits, name, *r)  # a duration: psql's interval "00:00:07.412903", "4m12s"
    return judge(stated.limits, name, number(m[1]), m[2] or "") if m is not None else None


_SHOULD_HOLD_COLUMNS = frozenset({"active", "running", "enabled", "online", "connected", "ok", "healthy", "up"})
_BOUNDS_RE = re.compile(r"\s*\([^()]*\)")
_FOOTER_RE = re.compile(r"\(\d+ rows?\)")  # psql's "(2 rows)"


def fine_listing(result: Lookup, stated: Stated) -> bool:
    """A dated listing (`restic snapshots`, `borg list`, a job history): the newest time of each machine or job in it
    within the one age the check-in allows for what the listing is of (the call or the listing names it: "restic
    snapshots --host hermes" against "ping me if the last restic backup of hermes is older than 26 hours"), the
    newest run's state no other than the earlier ones' (Bacula's "E" after "T"), no line in trouble, no question, no
    time after the check-in's."""
    ages = [limit for limit in stated.limits if limit.dimension == "age"]
    if stated.now is None or len(ages) != 1:
        return False
    if not any(_related_word(w, label_words(f"{result.call} {result.text[:200]}")) for w in ages[0].words):
        return False
    if any(float(m) >= USE_LIMIT for m in SHARE_RE.findall(result.text)):
        return False
    head, _ = table(result.text)
    names = [n.lower() for n in cells(head)] if head else []
    runs: dict[str, list[tuple[tuple[dt.datetime, bool], str]]] = {}
    for line in result.text.splitlines():
        if "?" in line or not _LISTING_TROUBLE.isdisjoint(label_words(NONE_OF_RE.sub(" ", line))):
            return False
        if (at := stamp(line)) is not None:
            row = cells(line)
            aligned = len(row) == len(names)
            group = next((row[i] for i, n in enumerate(names) if aligned and n in _GROUP_COLUMNS), None)
            state = next((row[i] for i, n in enumerate(names) if aligned and _STATE_KEY_RE.search(n)), "")
            if group is None:  # an archive named for its machine and time ("laptop-2026-04-23T02:00:07"), else one
                group = _GROUP_RE.sub("", row[0]).strip("-_. ") if stamp(row[0]) is not None else ""
            runs.setdefault(group, []).append((at, state))
    if not runs:
        return False
    limit = dt.timedelta(hours=stated.now.slack + WIDEST_OFFSET)
    for group in runs.values():
        newest, state = max(group)
        if newest[0] > stated.now.utc + limit:
            return False  # a time to come: an expiry, a schedule, not what was done
        if state and state.lower() not in FINE_STATES and any(s != state for _, s in group):
            return False
        if judge_stamp(ages, " ".join(ages[0].words), newest, stated.now) is not True:
            return False
    return True


_GROUP_COLUMNS = frozenset({"host", "hostname", "machine", "client", "server", "job", "name"})
# What names a row's machine once its stamp is out ("laptop-2026-04-23T02:00:07"; "web01" and "web02" stay apart).
_GROUP_RE = re.compile(r"\d{4}-?\d{2}-?\d{2}(?:[T_ .-]?\d{2}[:.-]?\d{2}(?:[:.-]?\d{2})?)?")


def past_in_table(text: str, stated: Stated) -> bool:
    """Whether a table holds a cell past a limit the check-in states for its column (`df -h`'s "Avail" 7.2G against
    "alert me if free space drops below 10 GB", whatever its "Use%" says)."""
    head, rows = table(text)
    if not head or not rows:
        return False
    names = cells(head)
    grid = [cells(row) for row in rows]
    if any(len(row) != len(names) for row in grid):  # (`df`'s single-spaced header: "Used Avail Use% Mounted on")
        names = head.split()
        grid = [row.split() for row in rows]
        if names[-2:] == ["Mounted", "on"]:
            names[-2:] = ["Mounted on"]
    return any(len(row) == len(names) and _judge_cell(name, cell, stated) is False
               for row in grid for name, cell in zip(names, row))


def past_in_dump(text: str, stated: Stated, checklist: bool = False) -> bool:
    """Whether a line of a command's output holds a reading past a limit the check-in states ("lag=45" against
    "lag over 30 s"), or anything else a dump's reader calls news (a state in words, a code, a line in trouble:
    "[WARN] replica db-3 stopped replicating"), whatever the rest of it says. In a checklist read, only its report
    lines are read ("last backup: 3 days ago" after the list, review 20), not what it tells to do."""
    text = as_pairs(text)
    pairs = _pairs_of(text)
    for line in text.splitlines():
        if checklist and INSTRUCTION_RE.search(line):
            continue
        m = pairs.match(line)
        if m is not None and any(_judge(key, value, stated) is False for key, value in _pairs(m[1], m[2])):
            return True
        if m is None and not checklist and not _LISTING_TROUBLE.isdisjoint(label_words(NONE_OF_RE.sub(" ", line))):
            return True
    return False


def _zero_row(line: str) -> bool:
    """A line that names things and counts none of anything: every number in it 0, no word of trouble, no question."""
    return "?" not in line and all(n == "0" for n in _COUNT_RE.findall(line)) and TROUBLE.isdisjoint(
        label_words(line))


_COUNT_RE = re.compile(r"(?<![\w.-])\d+(?:[.,]\d+)?(?![\w.-])")


def _pairs(key: str, value: str) -> list[tuple[str, str]]:
    if value[:1].isdigit() or value[:1] in "+-−":  # a reading and the tool's own bounds after it: `sensors`'
        value = _BOUNDS_RE.sub("", value)  # "+54.0°C  (high = +80.0°C, crit = +100.0°C)"; the check-in's limits judge
    if "=" in value and "," in value:
        subpairs = _SUBPAIR_RE.findall(value)
        if subpairs:
            return subpairs
    return [(key.strip(), value.strip().strip("'\""))]


def _judge(key: str, value: str, stated: Stated) -> bool | None:
    """True: a reading within a stated limit; False: news; None: a line that says nothing wrong."""
    if not value or value.lower() in ("n/a", "-", "none", "null"):
        named = value and (names_any(stated.limits, key) or any(
            limit.words[:1] and limit.words[0] in label_words(key) for limit in stated.limits))  # (by its own word:
        # "Seconds_Behind_Master" for "more than 60 seconds behind"; not "SQL_Remaining_Delay" for a lag)
        return False if named else None  # the reading asked about is not there
        # (MySQL's "Seconds_Behind_Master: NULL": replication stopped, review 22)
    value = _BEHIND_RE.sub("", value)  # a lag in words: "6 minutes behind" (review 21)
    m = _NUMBER_UNIT_RE.fullmatch(value)
    if m is not None and (code := failed_code(key, number(m[1]))) is not None:
        return False if code else None  # "exit_code=23", "http_code: 503", "HTTP status: 503"
    if (r := reading(value)) is not None and (m is None or r[1] == "s"):  # a duration: "4m12s", "00:12:41"
        verdict = judge(stated.limits, key, *r)
        if verdict is not None:
            return verdict
    if m is not None:
        verdict = judge(stated.limits, key, number(m[1]), m[2] or "")
        if verdict is not None:
            return verdict
        if names_any(stated.limits, key):
            return False  # a reading the check-in asks about, in a unit not read ("lag: 5m", a size for a time)
        return None if _fine_number(key, m[1], m[2] or "") else False
    lower = value.lower()
    if lower.startswith(("no ", "none", "keine ", "aucun")):
        return None  # what there is none of ("ALARMDEL : No alarm", "Last_Error: none")
    if lower == "on":  # a state left on ("heater: on"; not an outlet's, NUT's "outlet.1.status: on")
        return None if _ON_FINE_RE.search(key) else False
    if not TROUBLE.isdisjoint(label_words(NONE_OF_RE.sub(" ", value))) and not _DESCRIBES_RE.search(key):
        return False  # ("Last_IO_Error: error connecting to master", "state=CrashLoopBackOff"; not "with 0 errors",
        # nor what a device is: NUT's "ups.type: offline / line interactive")
    if stated.now is not None and (at := stamp(value)) is not None:  # (its line names it: "scan: scrub … on <date>")
        return judge_stamp(stated.limits, f"{key} {value}", at, stated.now)
    if _dated(key, stated):
        return False  # the date the check-in asks about, in a form not read: the model's to judge (review 19)
    if _FLAGS_RE.fullmatch(value) and (_STATE_KEY_RE.search(key) or "test" in key.lower()):
        return None if all(f.lower() in _FINE_FLAGS for f in value.split()) else False  # NUT's "OL RB", "NG"
    if _STATE_KEY_RE.search(key) and " " not in lower:  # (what did not happen is no trouble: "no-failover")
        return None if lower in _FINE_FLAGS or lower.startswith(("no-", "none")) else False
    if _STATE_KEY_RE.search(key) and not lower.startswith(_FINE_PHRASES) and lower.split()[0] not in _FINE_FLAGS:
        return False  # a state in words ("connection refused", "0 of 2 replicas streaming", review 20)
    if SHOULD_HOLD_RE.search(key) and lower in NOT_HOLDING:
        return False  # "Slave_IO_Running: No", "master_link_status:down"
    if key.strip().lower() in ("lock", "locks", "stale lock", "stale locks") and lower not in NOT_HOLDING:
        return False  # a repository lock held ("lock: held by PID 8812 on nas since 2026-04-28", review 20)
    return False if names_any(stated.limits, key) else None  # a reading the check-in asks about, in a form not read


# Words of trouble in a tool's free-text value or line (not "on", "no": a preposition, an answer; `lookup_units.py`
# reads `systemctl status` with these and a few of its own).
TROUBLE = (TROUBLE_WORDS | BAD_WORDS) - {"no", "on"} | frozenset({"error", "errors", "fail", "failed", "failure", "crash",
                                                           "unhealthy", "critical", "fatal", "degraded", "faulted",
                                                           "offline", "down", "warn", "warning", "stopped"})
_LISTING_TROUBLE = TROUBLE - {"open", "opened"}  # (restic's "repository 7c2f1e0a opened")
# None of a kind of trouble ("0 errors", "No known data errors"; not "0 of 2 replicas streaming", review 20).
NONE_OF_RE = re.compile(r"\b(?:0|no|zero)\s+(?:known\s+|data\s+|new\s+)*(?:errors?|failures?|failed|warnings?|problems?"
                         r"|issues?|alerts?|alarms?|faults?)\b", re.I)
# A key's last word that makes its number a measure of the tool's own ("repl_backlog_size", "repl_backlog_active"),
# not a count of what needs attention ("Last_IO_Errno", "rejected_connections").
_MEASURE_WORDS = frozenset({"size", "active", "enabled", "limit", "max", "min", "ts", "time", "id", "offset", "pos",
                            "position", "len", "length", "bytes", "capacity", "first", "histlen", "port", "version",
                            "retry", "value"})


_UNDER_WAY = frozenset({"progress", "loading", "resync", "resyncing", "syncing", "rebuilding", "resilvering",
                        "recovering", "degraded"})


def _fine_number(key: str, value: str, unit: str) -> bool:
    """A number no stated limit names: fine unless it counts trouble or what needs attention above 0 (a duration is
    no count: apcupsd's "ALARMDEL : 30 Seconds"), or is a charge under 20% or a use at 80% or more."""
    words = [p.lower() for p in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", key)]
    if (words and words[-1] in _MEASURE_WORDS or words[-2:] == ["retry", "count"] or not BOUND_WORDS.isdisjoint(words)
            or "delay" in words):  # (NUT's "ups.delay.shutdown: 20": a setting)
        return True  # a setting or a tool's own bound, no reading (MySQL's "Connect_Retry: 60", "Source_Retry_Count:
        # 86400": retries are counted; NUT's "input.transfer.high: 264", "battery.charge.low: 20")
    read = number(value)
    if read > 0 and not _UNDER_WAY.isdisjoint(words):
        return False  # a resync, a load, a rebuild under way: what the readings beside it say may not hold yet
        # (redis' "master_sync_in_progress:1" beside "slave_lag:0", review 21)
    if read > 0 and (TROUBLE_COUNT_RE.search(key) or attention_key(key)) and reading_unit(key, unit)[0] != "time":
        return False
    return unit.lower() not in ("", "%", "percent", "pct") or fine_share(key, read) is not False  # ("Swap used: 256Ki")


def _dated(key: str, stated: Stated) -> bool:
    """Whether an age or a time left the check-in states names this key, and the key is of a date ("last_backup",
    "Expiry Date"; not "Certificate Name")."""
    if _DATE_KEY_RE.search(key) is None:
        return False
    words = label_words(key)
    return any(limit.dimension in ("age", "left") and any(_related_word(w, words) for w in limit.words)
               for limit in stated.limits)


_DESCRIBES_RE = re.compile(r"(?:^|[._\s-])(?:type|model|mfr|vendor|serial|firmware|description|driver|name|lastxfer"
                           r"|last[._ ]transfer)$", re.I)  # (apcupsd's "LASTXFER : Low line voltage": its history)
_DATE_KEY_RE = re.compile(r"date|time|expir|until|after|before|last|since|when|_at$|valid|renew|seen|datum|fecha", re.I)
_ON_FINE_RE = re.compile(r"outlet|socket|beeper|power|supply|online|enabled|ready|running|connected|healthy", re.I)
# A status of flags in capitals (apcupsd's "ONLINE REPLACEBATT", NUT's "OL CHRG", a self-test's "NG"): each must be
# one that says all is well.
_FLAGS_RE = re.compile(r"[A-Z][A-Z0-9_]{0,15}(?: [A-Z][A-Z0-9_]{0,15}){0,3}")
_FINE_FLAGS = FINE_STATES | MODES | {"ol", "chrg", "online", "ok", "passed", "pass", "yes", "no", "none", "ip", "true",
                                     "streaming", "waiting", "async", "sync", "quorum", "potential"}  # (Postgres'
# replication's "sync_state")
# States in words a dump's healthy line reads ("Waiting for source to send event", MySQL's "Replica has read all relay
# log; waiting for more updates").
_FINE_PHRASES = ("waiting for", "replica has read all relay log", "slave has read all relay log", "active (running)")

