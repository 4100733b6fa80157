"""Whether a command's text output reads as quiet: the text half of `lookup_news.py`.

A check-in's tools answer in the formats of the commands they run: a markdown file (the checklist), a table with a
header row (`kubectl get pods`, `docker ps`, `df -h`, a job list), "key: value" state lines (Home Assistant's live
context), or one short verdict ("all pools are healthy"). Each is quiet only when every part of it says all is
well; a word of trouble anywhere, a row without a fine state, a usage at 80% or more, and it is news.
"""

from __future__ import annotations

import re

from larouter.routing.compiled import QuietVocabulary
from larouter.routing.payload import OK_VALUES
from larouter.routing.quiet_rules import TROUBLE_STATES
from larouter.routing.tokens import word_tokens
from larouter.routing.triggers import BAD_WORDS, SHARE_RE, attention_key

TROUBLE_WORDS = frozenset(TROUBLE_STATES) | BAD_WORDS | frozenset("""
on paper_jam jam jammed pending unknown unavailable inactive exited dead backoff crashloopbackoff disconnected unplugged
flooded overheating overheated tampered alarm alarming triggered detected timeout timed_out suspended throttled paused
cordoned outofsync fault faulted problem firing unsuccessful warnings replace refill recharge ob lb
""".split())  # ("OB", "LB": NUT's on battery, low battery)

_HEADING_RE = re.compile(r"#{1,6}[ \t]")  # not "#general  dana.kim  08:12  can someone …" (a channel)
_CHECK_ITEM_RE = re.compile(r"^[ \t]*[-*+][ \t]+\[[ xX✓✔]\]", re.M)


def checklist(text: str) -> bool:
    """A checklist read (a HEARTBEAT.md, a task file): checkbox items, or a markdown heading that names one (not any
    text opening with "#": a report's "## Disk", Prometheus' "# HELP …", review 17)."""
    if "[" in text and _CHECK_ITEM_RE.search(text) is not None:
        return True
    head = _HEADING_RE.match(text.lstrip())
    title = text.lstrip().split("\n", 1)[0]
    if head is None or _LIST_NAME_RE.search(title) is None:
        return False
    if _CHECK_ONLY_RE.fullmatch(_LIST_NAME_RE.search(title)[0]) is None:
        return True  # a heading that names a list ("# HEARTBEAT.md", "## Tasks", a to-do list's)
    lines = [line for line in text.lstrip().splitlines()[1:] if line.strip() and not _HEADING_RE.match(line.lstrip())]
    return not lines or any(INSTRUCTION_RE.search(line) for line in lines)


# A heading that names a check, not a list: a report's as well ("# Backup check — nas", "## Health check").
_CHECK_ONLY_RE = re.compile(r"check|prüf|contrôl|verific|controll|sprawdz|kontrol|control|チェック|检查|檢查|점검|перевір"
                            r"|провер", re.I)


# What a checklist's lines tell to do ("- UPS: alert if TIMELEFT drops below 15 minutes"); a report under a heading that
# names a check says how things are ("# Backup check — nas" then "- last backup: 3 days ago", review 20).
INSTRUCTION_RE = re.compile(r"\b(?:check|run|alert|tell|ping|remind|notify|if|when|send|make sure|verify|look|ask|reply"
                             r"|post|review|ignore|don't|do not|only|unless|wenn|falls|si|se|prüf|vérifi|revis|controll)\b",
                             re.I)


_LIST_NAME_RE = re.compile(r"heartbeat|task|todo|to-do|checklist|check|reminder|aufgabe|erinnerung|tâche|rappel|tarea"
                           r"|recordatorio|attività|compit|promemoria|tarefa|lembrete|taak|zadani|задач|напомин|タスク"
                           r"|任务|任務|할 일|перевір|провер|prüf|contrôl|verific|controll|sprawdz|kontrol|control|チェック"
                           r"|检查|檢查|점검", re.I)


_ROW_FINE = frozenset({"running", "completed", "succeeded", "active", "healthy", "ok", "passed", "success", "up",
                       "ready", "green", "enabled", "online", "clean", "bound", "deployed", "synced", "health_ok",
                       "pong", "accepting"})
_FINISHED = frozenset({"completed", "succeeded"})
_ROW_TROUBLE = TROUBLE_WORDS | frozenset({"unhealthy", "error", "errors", "fail", "failure", "evicted", "oomkilled",
                                          "crash", "restarting", "terminating", "notready", "warning", "critical",
                                          "schedulingdisabled"})


_PUNCT = "()[]{}<>,;:.!?'\"`*|"


def _tokens(lower: str) -> set[str]:
    """A table's words, lowercased, without the brackets and marks around them ("(healthy)": "healthy")."""
    return {w.strip(_PUNCT) for w in lower.replace(",", " ").split()}


_CAMEL_TROUBLE = ("crash", "backoff", "oomkill", "notready", "unhealthy", "evicted", "error", "fail")  # inside a
# CamelCase state too ("CrashLoopBackOff", "OOMKilled", "NotReady")
_TICKS = ("✓", "✔", "✅")


def fine_rows(text: str, limit: float | None) -> bool:
    """A table whose every row reports a fine state and none in trouble (`kubectl get pods` with every pod Running
    and ready, none restarted; `docker ps` all "Up … (healthy)"), or only its header (an empty listing). In every
    row a share (a use, a capacity) must be under `USE_LIMIT` (or the limit the check-in states) and a counter column
    ("RESTARTS", "ATTEMPT", "MISSED", "LAST_EXIT") must read 0 (review 17: one fine word hid "95%" and "152"). A row
    without a fine word is fine in a table of usage (`df -h`: a "Use%" column) with its shares under the limit; a line
    that only names a host ("== web-1") is no row."""
    head, rows = table(text)
    if not rows and not head or not head and len(rows) < 2:
        return False
    if not table_clear(head, rows, limit):
        return False
    body = "\n".join(rows)
    unready = "/" in body and any(a != b for a, b in _READY_RE.findall(body))  # ("0/1": a pod not ready)
    usage = limit is not None or (bool(head) and _USAGE_HEADER_RE.search(head) is not None)
    for row in rows:
        lower = row.lower()
        words = set(lower.split())  # (the fast reading; brackets and marks stripped only if it finds no fine word)
        if _ROW_FINE.isdisjoint(words):
            words = _tokens(lower)
        if not _ROW_FINE.isdisjoint(words) or any(map(row.__contains__, _TICKS)):
            if unready and _FINISHED.isdisjoint(words) and any(a != b for a, b in _READY_RE.findall(row)):
                return False  # "0/1 Running": a pod not ready (a finished job's "0/1 Completed" is)
            continue
        if usage and "%" in row or _NAME_LINE_RE.fullmatch(row) and not row.strip().isalpha():
            continue  # (a word alone is no host's name: `systemctl is-active`'s "activating", review 21)
        return False
    return True


def no_trouble(text: str) -> bool:
    """Whether a lookup's text holds no word of trouble (a state, an error, a CamelCase one: "CrashLoopBackOff")."""
    lower = text.lower()
    return _ROW_TROUBLE.isdisjoint(_tokens(lower)) and not any(map(lower.__contains__, _CAMEL_TROUBLE))


def table_clear(header: str, rows: list[str], limit: float | None) -> bool:
    """Whether a table's rows hold no word of trouble, no share at or past the limit (`USE_LIMIT`, or a lower one the
    check-in states) and, under a header, a 0 in every counter column (see `_counters_clear`)."""
    body = "\n".join(rows)
    lower = body.lower()
    if not _ROW_TROUBLE.isdisjoint(_tokens(lower)) or any(map(lower.__contains__, _CAMEL_TROUBLE)):
        return False
    if _RESTARTED_RE.search(body) or (header and not _counters_clear(header, rows)):
        return False
    bound = USE_LIMIT if limit is None else limit  # (the share the check-in says to warn at: the user's own limit)
    return "%" not in body or all(float(m) < bound for m in SHARE_RE.findall(body))


def _counters_clear(header: str, rows: list[str]) -> bool:
    """Whether each counter column of a table (restarts, attempts, misses, exit codes, pending jobs) reads 0 in every
    row; a row the header does not describe cell by cell cannot be read, so it is not clear."""
    names = [c.strip().lower().replace(" ", "_") for c in _CELL_SPLIT_RE.split(header.strip(" |"))]
    counters = [i for i, n in enumerate(names) if n in ZERO_COLUMNS or "lag" in n.split("_")]
    if not counters:
        return True
    for row in rows:
        cells = row.split()  # (one word a cell, as in most tables: the fast reading)
        if len(cells) != len(names):
            cells = [c.strip() for c in _CELL_SPLIT_RE.split(row.strip(" |"))]
        if len(cells) != len(names) or any(cells[i] not in ("0", "-", "") for i in counters):
            return False
    return True


_NAME_LINE_RE = re.compile(r"[^\w\n]*[\w.@-]+[^\w\n]*")  # "== web-1", "[worker-1]", "db-02:"
_RULE_RE = re.compile(r"[\s|+=:-]+")  # a table's ruled line ("|----|------|")
_READY_RE = re.compile(r" (\d+)/(\d+)(?=\s)")  # a column's "1/1" (a literal space first: 3x faster to scan)
_RESTARTED_RE = re.compile(r"(?:Running|Completed)[ \t]+[1-9]")  # kubectl's RESTARTS column after STATUS
_USAGE_HEADER_RE = re.compile(r"use%|used|usage|capacity|cpu%|mem%", re.I)
USE_LIMIT = 80.0  # with no limit stated, a usage at 80% or more is news (where monitoring tools warn by default)


def is_table(text: str) -> bool:
    """Whether a text is a table: a line naming columns (`_column_header`), then rows."""
    head, rows = table(text)
    return bool(head) and bool(rows)


_PREAMBLE = 3  # lines a command may print before its table ("Vercel CLI 44.2.7", "> Deployments for …")


def _lines(text: str) -> list[str]:
    """A table's lines without blank ones and ruled ones ("|----|------|")."""
    return [line for line in text.splitlines() if line.strip() and not _RULE_RE.fullmatch(line)]


def table(text: str) -> tuple[str, list[str]]:
    """A table's header line ("" when none is found) and its rows; the lines a command printed before the header are
    left out when they are banners (`_banner`), else they are rows, and nothing is fine."""
    lines = _lines(text)
    for i, line in enumerate(lines[:_PREAMBLE + 1]):
        if _column_header(line):
            if i and not all(banner(head) for head in lines[:i]):
                break
            return line, lines[i + 1:]
    return "", lines


_NOTICE_RE = re.compile(r"\d+\s+[^\W\d_]{3,}|=\s*true\b|\b(?:new|required|requires|must|should|please|action|notice"
                        r"|warning|renew\w*|manual\w*|expir\w*|pressure)\b|\*\*\*|!", re.I)


def banner(line: str) -> bool:
    """A line a command prints before its table that says nothing: its name and version ("Vercel CLI 44.2.7"), what
    it lists ("> Deployments for leo/recipe-box [341ms]"); not a notice ("*** System restart required ***", "3 updates
    can be applied", "You have new mail", "DiskPressure=True": review 18)."""
    return _ROW_TROUBLE.isdisjoint(_tokens(line.lower())) and _NOTICE_RE.search(line) is None


def _column_header(line: str) -> bool:
    """A table's first line naming its columns: no digit, and in capitals or set apart by runs of spaces or bars
    ("NAME  READY  STATUS", "Filesystem      Size  Used Avail Use% Mounted on", "| ID | FLAGS | SUBJECT |")."""
    words = line.split()
    if len(words) < 2 or _DIGIT_RE.search(line) is not None:
        return False
    return all(w.isupper() or not any(c.isalpha() for c in w) for w in words) or len(_GAP_RE.findall(line)) >= 2


def cells(line: str) -> list[str]:
    """A table row's cells (bar-, tab- or space-aligned)."""
    if "|" in line:
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return [c.strip() for c in _CELL_SPLIT_RE.split(line.strip())]


_DIGIT_RE = re.compile(r"\d")
_GAP_RE = re.compile(r"\S(?: {2,}|\t| ?\| ?)(?=\S)")


# A column whose every value must say all is well: an exit code, a count of errors (0), a state (a fine word).
ZERO_COLUMNS = frozenset({"exit", "exit_code", "exitcode", "last_exit", "rc", "errors", "error", "failed", "failures",
                           "fail", "warnings", "crashes", "restarts", "attempt", "attempts", "retries", "missed",
                           "pending", "pending_jobs", "backlog", "queued", "unacked", "dead", "dropped", "lag",
                           "lag_in_mb", "lag_mb", "lag_s", "replication_lag"})
_STATE_COLUMNS = frozenset({"status", "state", "health", "result", "conclusion", "last_result", "last_status"})
FINE_STATES = frozenset(OK_VALUES) | _ROW_FINE | {"off", "closed", "locked", "armed", "armed_away", "armed_home",
                                                   "armed_night", "standby", "home", "ol", "quiet"}  # ("OL": NUT's on line)
_CELL_SPLIT_RE = re.compile(r"\t| {2,}| ?\| ?")


def fine_columns(text: str, limit: float | None) -> bool:
    """A table (tab-, bar- or space-aligned, a header row first) with a verdict column in which every row says all
    is well ("exit" 0 in every job's row, "state" ok), and clear otherwise (`table_clear`)."""
    head, rows = table(text)
    if not head:
        lines = _lines(text)
        if len(lines) < 2 or "\t" not in lines[0]:
            return False
        head, rows = lines[0], lines[1:]  # (a tab-separated header may hold digits)
    if not rows or not table_clear(head, rows, limit):
        return False
    names = [c.strip().lower() for c in _CELL_SPLIT_RE.split(head.strip(" |"))]
    judged = [(i, n in ZERO_COLUMNS) for i, n in enumerate(names) if n in ZERO_COLUMNS or n in _STATE_COLUMNS]
    if not judged:
        return False
    for row in rows:
        cells = [c.strip().lower() for c in _CELL_SPLIT_RE.split(row.strip(" |"))]
        if len(cells) != len(names):
            return False  # a row the header does not describe
        for i, zero in judged:
            fine = cells[i] == "0" if zero else cells[i].strip("'\"") in FINE_STATES
            if not fine:
                return False
    return True


_STATE_LINE_RE = re.compile(r"^[ \t]*(?:-[ \t]+)?(?:[\w-]+[._])*(?:state|status|health|result)[ \t]*:[ \t]*(.*?)[ \t]*$",
                            re.M | re.I)  # (a dotted key's too: NUT's "ups.status: OL")


def fine_states(text: str) -> bool:
    """State lines ("state: closed", YAML as Home Assistant's live context lists its devices) that each say all is
    well or name a mode, no word of trouble anywhere (so not "state: open", "state: 'on'", "state: empty") and no
    battery low; a reading ("state: '-18.6'") is no fine state."""
    states = [s.strip("'\"").lower() for s in _STATE_LINE_RE.findall(text)]
    return (bool(states) and all(s in FINE_STATES or s in MODES for s in states)
            and _ROW_TROUBLE.isdisjoint(_tokens(text.lower()))
            and all(fine_reading(key, value) for key, value in _NUMBER_LINE_RE.findall(text)))


# A "key: number" line beside the state lines (review 18: one fine state line passed "battery.charge: 12",
# "ups.load: 97", "New messages: 3"): a charge must be 20 or more, a load or use under USE_LIMIT, a count of things
# that need attention 0.
_NUMBER_LINE_RE = re.compile(r"^[ \t]*(?:-[ \t]+)?([^\d\n:=][^:=\n]{0,40}?)[ \t]*[:=][ \t]*['\"]?(\d+(?:[.,]\d+)?)['\"]?"
                             r"[ \t]*%?[ \t]*$", re.M)
# What a count is of when it is trouble whatever else the record or dump says ("errors": 3, "Last_IO_Errno: 1045",
# "files_failed": 1), where the tool's own figures beside it ("files_new", "ALARMDEL : 30 Seconds") are not.
TROUBLE_COUNT_RE = re.compile(r"err|fail|warn|crit|reject|drop|skip|corrupt|miss|unread|pending|evict|timeout|dead"
                              r"|lost|overdue|stale|retries|realloc|uncorrect|crc", re.I)
# A flag or state that should hold, and the values that say it does not ("Slave_IO_Running: No", "link: down").
SHOULD_HOLD_RE = re.compile(r"running|connected|online|healthy|reachable|(?:^|_)up$|^ok$|link_status|valid|active$",
                            re.I)
NOT_HOLDING = frozenset({"no", "false", "off", "down", "0", "stopped", "not running", "connecting", "n", "f",
                         "inactive", "disconnected"})
_CODE_KEY_RE = re.compile(r"(?:^|[_.\s-])(?:exit|exit[_ ]?code|exitcode|exit[_ ]?status|rc|return[_ ]?code|returncode)$"
                          r"|^(?:exit|rc)$", re.I)
_HTTP_KEY_RE = re.compile(r"(?:^|[_.\s-])(?:status[_ ]?code|http[_ ]?code|http[_ ]?status|response[_ ]?code)$", re.I)
_STATUS_RE = re.compile(r"(?:^|[_.\s-])status$", re.I)


def failed_code(key: str, value: float) -> bool | None:
    """Whether a number is an exit code other than 0 or an HTTP status of 400 or more ("HTTP status: 503", a bare
    "status": 503); None for any other number (an API's "status": 2 is its own code)."""
    if _CODE_KEY_RE.search(key):
        return value != 0
    if _HTTP_KEY_RE.search(key) or (_STATUS_RE.search(key) and 100 <= value <= 599 and value == int(value)):
        return value >= 400
    return None


_CHARGE_KEY_RE = re.compile(r"batter|charge|akku", re.I)
_LOAD_KEY_RE = re.compile(r"(?<![a-z])load|usage|util|used|cpu|mem|disk|swap", re.I)  # (not speedtest's "Upload")


_NOT_A_SHARE_RE = re.compile(r"volt|runtime|time|avg|average", re.I)  # (a battery's volts, a load average)


def fine_reading(key: str, value: str) -> bool:
    number = float(value.replace(",", "."))
    share = fine_share(key, number)
    if share is not None:
        return share
    return number == 0 or not attention_key(key)


def fine_share(key: str, number: float) -> bool | None:
    """A charge at LOW_CHARGE or more, a load or use under USE_LIMIT; None for a number that is neither."""
    if _NOT_A_SHARE_RE.search(key):
        return None
    if _CHARGE_KEY_RE.search(key):
        return number >= LOW_CHARGE
    if _LOAD_KEY_RE.search(key):
        return number < USE_LIMIT
    return None


MODES = frozenset("""
away home night vacation eco auto manual heat cool normal standby abwesend anwesend zuhause urlaub nacht absent présent
absence ausente presente casa vacances vacaciones
""".split())  # a mode a state may name (an alarm panel's, a thermostat's)
LOW_CHARGE = 20  # % of charge where devices and Home Assistant's blueprints warn


_VERDICT_CHARS = 80  # a one-line verdict ("all pools are healthy"); a longer text is a report to read


def says_well(text: str, vocab: QuietVocabulary) -> bool:
    """A short one-line verdict that all is well ("all pools are healthy", "backup completed OK"), with no word
    of trouble and no count in it."""
    if len(text) > _VERDICT_CHARS or "\n" in text or any(c.isdigit() for c in text):
        return False
    lower = text.lower()
    words = _tokens(lower)
    if len(words) == 1 and words <= _ROW_FINE:
        return True  # "PONG", "OK", "healthy"
    return vocab.well.found(word_tokens(lower), text) and _ROW_TROUBLE.isdisjoint(words) and _CONTRAST.isdisjoint(words)


# Words that take something out of an all-is-well verdict ("All systems operational except Payments API").
_CONTRAST = frozenset("except but however although apart besides excluding außer aber sauf mais excepto pero salvo "
                      "tranne exceto mas behalve maar oprócz кроме но".split())
