"""The limits a check-in states for what its lookups read, and how a reading stands against them.

A HEARTBEAT.md says what to watch and where it turns into news: "alert me if any disk is over 90%", "tell me if
replication lag exceeds 30 s", "only if the CPU temp goes above 80 °C", "warn if the cert expires within 14 days",
"ping me if the last backup is older than 26 hours". The lookups answer in their tools' formats (`df -h`,
`{"replication_lag_s": 0.4}`, `Seconds_Behind_Master: 0`, `notAfter=May 19 03:12:08 2026 GMT`). Without a limit a
reading is news (`lookup_news`: whether it crosses the user's bound is for the model to judge); with one, the
classifier judges it: past the limit is news, within it is the answer to what the check-in asked.

A limit names its reading by the words before its operator ("replication lag") and by its unit. A reading is judged
by a limit only when the two name the same thing: the limit's last word or its unit's noun is in the reading's label
(or one the same thing goes by: "lag" and "Seconds_Behind_Master", "disk" and `df`'s "Filesystem"), or, for a share
or a temperature, any word of the limit is; and their units agree. Ages and times left are read against the check-in's
clock, with the widest offset when its time zone is unknown (a backup 20 hours old by a clock of unknown zone may be
34 hours old: not within 26).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import attrs

from larouter.routing.due import checkin
from larouter.routing.readings import number

# The operators in words and signs, in the languages the readers know (`readings._ABOVE`, `_BELOW` read a report's
# own brackets; these read an instruction's clause).
_ABOVE_OPS = ("over", "above", "exceeds", "exceed", "exceeding", "more than", "greater than", "higher than", "beyond",
              "past", ">", ">=", "≥", "über", "ueber", "mehr als", "plus de", "au-dessus de", "más de", "por encima de",
              "acima de", "mais de", "sopra", "oltre", "boven", "meer dan", "powyżej", "выше", "более", "больше")
_BELOW_OPS = ("below", "under", "less than", "lower than", "fewer than", "<", "<=", "≤", "unter", "weniger als",
              "moins de", "en dessous de", "sous", "menos de", "por debajo de", "abaixo de", "sotto", "onder",
              "minder dan", "poniżej", "ниже", "менее", "меньше")
_AGE_OPS = ("older than", "älter als", "plus vieux que", "más antiguo que", "mais antigo que")
_WITHIN_OPS = ("within", "innerhalb von", "dans moins de", "en menos de")
_OP_RE = re.compile(r"(?<![\w<>=])(" + "|".join(sorted(map(re.escape, _ABOVE_OPS + _BELOW_OPS + _AGE_OPS + _WITHIN_OPS),
                                                        key=len, reverse=True))
                    + r")\s*(?:of\s+)?([+−-]?\d+(?:[.,]\d+)?)\s*(%|°\s?[cf]\b|[^\W\d_]{1,12})?", re.I)
_GATE = re.compile(r"[0-9]")

# Where a clause starts: the words of a condition, the marks between clauses.
_CLAUSE_RE = re.compile(r"(?:^|[,;:(\[—–•*]|\s-\s|\b(?:if|when|whenever|once|unless|and|or|wenn|sobald|si|quand"
                        r"|lorsque|cuando|se|quando|als|jeśli|если|ou|oder|o)\b)(?![^,;:(\[]*\b(?:if|when|whenever|wenn"
                        r"|si|quand|cuando|se|quando)\b)", re.I)
_WORD_RE = re.compile(r"[^\W_]+%?|%")
_STOP = frozenset("""
a an the any my our your its their is are was be been gets get goes go rises rise climbs climb drops drop falls fall
stays stay reaches reach hits hit becomes grows grow it me us alert alerts warn warns tell notify ping page flag let
know message text only just also of on for in at to than with not no current currently total value level reading
reads there each every all some if when whenever once please send report ever still check whether die der das
or and und oder ou o y et e i must should be
den dem des le la les el los las il lo gli de del du von van het een ein eine un une uno una
""".split())

_TIME_UNITS = {"ms": 0.001, "msec": 0.001, "milliseconds": 0.001, "millisecond": 0.001, "s": 1, "sec": 1, "secs": 1,
               "second": 1, "seconds": 1, "sek": 1, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "minuten": 60,
               "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "stunden": 3600, "heures": 3600,
               "horas": 3600, "ore": 3600, "uur": 3600, "d": 86400, "day": 86400, "days": 86400, "tage": 86400,
               "tagen": 86400, "jours": 86400, "días": 86400, "dias": 86400, "giorni": 86400, "dagen": 86400,
               "week": 604800, "weeks": 604800, "wochen": 604800}
_TEMP_UNITS = frozenset({"°c", "°f", "° c", "° f", "c", "f", "celsius", "fahrenheit", "degrees", "grad", "degrés"})
_SIZE_UNITS = {"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 1024.0, "mib": 1024.0 ** 2, "gib": 1024.0 ** 3,
               "tib": 1024.0 ** 4, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}
_UNIT_WORDS = frozenset({"pct", "percent", "c", "f", "kb", "mb", "gb", "tb", "gi", "mi", "ki", "bytes", "v", "w"})
_LEFT = ("left", "remaining", "to go", "away", "from now", "ahead", "restants", "übrig", "restantes", "rimasti")
_AGO_WORDS = ("ago", "old", "alt", "her")
_EXPIRY_RE = re.compile(r"expir|renew|lapse|valid|runs? out|ablauf|läuft|expira|vence|scade|verloop|истека", re.I)

# Words the same reading goes by in the tools' labels (`df`'s "Filesystem" and "Use%" are a disk's use).
_ALIASES = (
    frozenset({"disk", "disks", "storage", "space", "filesystem", "filesystems", "fs", "mount", "mounts", "mounted",
               "volume", "volumes", "partition", "partitions", "drive", "drives", "use", "used", "usage", "pool",
               "zpool", "datenträger", "disque", "disco", "festplatte", "speicher"}),
    frozenset({"temp", "temperature", "temperatures", "thermal", "celsius", "température", "temperatur",
               "temperatura", "темп"}),
    frozenset({"mem", "memory", "ram", "speicher", "mémoire", "memoria"}),
    frozenset({"lag", "behind", "delay", "replication", "replica", "verzögerung", "retard", "retraso", "atraso"}),
    frozenset({"latency", "latenz", "latence", "latencia", "response", "p95", "p99", "rtt", "ping"}),
    frozenset({"cpu", "load", "processor", "prozessor", "core", "package", "coretemp", "k10temp", "tctl", "tdie"}),
    frozenset({"queue", "queued", "depth", "backlog", "messages", "ready", "waiting"}),
    frozenset({"battery", "charge", "akku", "batterie", "batería", "bateria", "soc"}),
    frozenset({"runtime", "timeleft", "autonomy", "autonomie", "laufzeit"}),
)
# Words of a label that names a bound, not a reading ("temp1_max", "crit", "threshold"): never judged as one.
_BOUND_WORDS = frozenset({"max", "min", "crit", "critical", "limit", "threshold", "high", "low", "alarm", "warn",
                          "warning", "hyst", "target", "setpoint", "lowest", "highest", "cap", "quota", "emergency"})
# Words of a dated limit that name no one thing ("the last backup", "le dernier scrub date de …").
_GENERIC_DATED = frozenset({"last", "latest", "newest", "recent", "date", "time", "dernier", "dernière", "letzte",
                            "letzten", "último", "última", "ultimo", "ultima", "laatste", "senaste", "ostatni"})
# What a reading "falls behind" by: "more than 60 seconds behind" is a lag.
_AFTER_UNIT = frozenset({"behind", "late", "delayed", "verzögert", "retard", "atrasado"})


@attrs.frozen(slots=True)
class Limit:
    """One stated limit: what it names (`words`, the last one first), the side that is news, the bound in its
    dimension's base unit (seconds, bytes, %), and its dimension ("%", "time", "temp", "size", "" for a count; "age"
    for how old something may be, "left" for how soon something may lapse)."""

    words: tuple[str, ...]
    above: bool
    value: float
    dimension: str
    scale: float = 1.0  # the written unit's size in the base unit ("500 ms": 0.001): a bare reading is read in it


def stated_limits(text: str) -> tuple[Limit, ...]:
    """Every limit the check-in's instructions state (its turn, its checklist), in the order written. (A number is
    read for an operator only when the word or sign right before it can end one: the full pattern costs ~30 us on a
    check-in's clock line, the gates ~2.)"""
    if not text or _GATE.search(text) is None:
        return ()
    found: list[Limit] = []
    for line in text.splitlines():
        if _GATE.search(line) is None:
            continue
        if _OP_LAST_WORDS.isdisjoint(line.lower().split()) and not any(map(line.__contains__, "<>≥≤")):
            continue  # (no word or sign an operator ends in: a clock line, a date)
        for n in _NUMBER_RE.finditer(line):
            if not _may_close_operator(line, n.start()):
                continue
            m = next((m for m in _OP_RE.finditer(line, max(0, n.start() - 24), n.start() + 32)
                      if m.start(2) == n.start()), None)
            if m is not None and (limit := _limit(line, m)) is not None:
                found.append(limit)
    return tuple(found)


_NUMBER_RE = re.compile(r"(?<![\d.,])[+−-]?\d")
# The words an operator ends in ("more than", "plus de", "über"), and its signs.
_OP_LAST_WORDS = frozenset(op.split()[-1] for op in _ABOVE_OPS + _BELOW_OPS + _AGE_OPS + _WITHIN_OPS) | {"of"}


def _may_close_operator(line: str, at: int) -> bool:
    before = line[max(0, at - 20): at].rstrip()
    if not before:
        return False
    if before[-1] in "<>=≥≤":
        return True
    word = before.rsplit(None, 1)[-1].lower()
    return word in _OP_LAST_WORDS


def _limit(line: str, m: re.Match[str]) -> Limit | None:
    """The limit one operator states, or None when what it names, its unit or which side is news is unclear."""
    alert = _side(line[: m.start()])
    if alert is None:
        return None  # neither an alert ("tell me if …") nor what healthy is ("must be …", "SLO: …"): which side is news?
    op = m[1].lower()
    value = number(m[2])
    unit = (m[3] or "").lower().replace(" ", "")
    after = line[m.end(): m.end() + 16].lower()
    tail = after.split()
    clause = _clause(line[: m.start()])
    words = tuple(w for w in reversed(_WORD_RE.findall(clause.lower())) if w not in _STOP and not w.isdigit())[:4]
    if len(words) > 1 and (words[0] in _TIME_UNITS or words[0] in _UNIT_WORDS):
        words = words[1:]  # a key's unit is not what it names ("p95_latency_ms < 800": latency)
    dimension, scale = _dimension(unit)
    if dimension == "" and unit and unit not in _STOP:
        words = (*words, unit) if words else (unit,)  # "depth above 1000 messages", "fan2 under 300 RPM": the unit
        # names it too, after what the clause names
    if tail and tail[0].strip(",.;") in _AFTER_UNIT:
        words = (tail[0].strip(",.;"), *words)  # "more than 60 seconds behind": a lag
    above = op in _ABOVE_OPS or op in _AGE_OPS
    last = dimension == "time" and above and any(w in _GENERIC_DATED - {"date", "time"} for w in words)
    if dimension == "time" and (op in _AGE_OPS or last or any(after.lstrip().startswith(w) for w in _AGO_WORDS)
                                or (op in _WITHIN_OPS and not alert and _EXPIRY_RE.search(clause) is None)):
        if alert == above or (op in _WITHIN_OPS and not alert):  # "older than 26 hours"; "must have run within 26 h"
            return Limit(words, True, value * scale, "age", scale)
        return None
    if dimension == "time" and (op in _WITHIN_OPS or _EXPIRY_RE.search(clause) or any(map(after.__contains__, _LEFT))):
        if (alert and (op in _WITHIN_OPS or not above)) or (not alert and above):  # "expires within 14 days"; "must
            return Limit(words, False, value * scale, "left", scale)  # be more than 21 days away": news when less left
        return None
    if op in _WITHIN_OPS or op in _AGE_OPS:
        return None
    if not words and dimension not in ("%", "temp"):
        return None  # "over 3" names nothing a lookup could be read for
    return Limit(words, above if alert else not above, value * scale, dimension, scale)


# What says the condition is news ("tell me if", "alert when", "problem if"), and what says it is how things
# should be ("must be", "SLO:", "bound:", "healthy if"): a limit is read only where one of them says which side is bad.
_ALERT_RE = re.compile(r"\b(?:alert|alerts|warn|warning|notify|tell|ping|page|flag|problem|report|escalate|message me"
                       r"|let me know|text me|wake|if|when|whenever|unless|alarm|melde|warne|benachrichtig|wenn|falls"
                       r"|avísame|avisa|alerta|si|préviens|alerte|signale|quand|avvisa|segnala|se|se\s|waarschuw|als"
                       r"|сообщи|если|powiadom|jeśli|jeżeli|meld)\b", re.I)
_HEALTHY_RE = re.compile(r"\b(?:must|should|slo|sla|bound|healthy|fine|expected|expect|target|keep|stay|stays|normal"
                         r"|acceptable|needs? to|as long as|ok if|ok when|okay if|good if|is ok|muss|soll|sollte|debe"
                         r"|doit|deve|moet|должен|powinien|norm)\b", re.I)


def _side(before: str) -> bool | None:
    """True when the words before an operator say its condition is news, False when they say it is how things
    should be, None when they say neither or both."""
    alert = _ALERT_RE.search(before) is not None
    healthy = _HEALTHY_RE.search(before) is not None
    return None if alert == healthy else alert


def _clause(before: str) -> str:
    """The clause an operator closes: the words after the last clause mark or condition word before it."""
    start = 0
    for m in _CLAUSE_RE.finditer(before):
        start = m.end()
    return before[start:][-60:]


def _dimension(unit: str) -> tuple[str, float]:
    if unit in ("%", "percent", "pct", "prozent", "pourcent", "por cento", "por ciento"):
        return "%", 1.0
    if unit in _TIME_UNITS:
        return "time", float(_TIME_UNITS[unit])
    if unit in _TEMP_UNITS or unit.startswith("°"):
        return "temp", 1.0
    if unit in _SIZE_UNITS and len(unit) > 1:
        return "size", _SIZE_UNITS[unit]
    return "", 1.0


# --- matching a reading -------------------------------------------------------------------------------------------

_LABEL_PARTS_RE = re.compile(r"[A-Z]?[a-z]+\d*|[A-Z]+\d*(?![a-z])|[^\W\d_A-Za-z]+|%")


def label_words(label: str) -> frozenset[str]:
    """A reading's label in words ("Seconds_Behind_Master": seconds, behind, master; "Use%": use, %)."""
    return frozenset(p.lower() for p in _LABEL_PARTS_RE.findall(label))


def _related(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) >= 4 and len(b) >= 4 and a[:4] == b[:4]:
        return a.startswith(b[:5]) or b.startswith(a[:5]) or min(len(a), len(b)) == 4
    return any(a in group and b in group for group in _ALIASES)


def related_word(word: str, label: frozenset[str]) -> bool:
    """Whether a limit's word names a part of a label (the same word, a shared stem, or one the same thing goes by)."""
    return word not in _GENERIC_DATED and any(_related(word, part) for part in label)


def _names(limit: Limit, label: frozenset[str], dimension: str) -> bool:
    if not limit.words:
        return dimension == limit.dimension
    if dimension in ("%", "temp") and dimension == limit.dimension:
        return any(_related(w, part) for w in limit.words for part in label)
    return any(_related(limit.words[0], part) for part in label)


def reading_unit(label: str, unit: str = "") -> tuple[str, float]:
    """A reading's dimension and scale, from the unit printed after it or the one its label ends in ("lag_s",
    "temp_c", "disk_pct", "Seconds_Behind_Master", "Use%")."""
    if unit:
        dimension, scale = _dimension(unit.lower().strip().replace(" ", ""))
        if dimension:
            return dimension, scale
    lower = label.lower()
    if "%" in lower or re.search(r"(?:pct|percent|percentage|ratio)$", lower):
        return "%", 1.0
    words = [p.lower() for p in _LABEL_PARTS_RE.findall(label)]
    for word in reversed(words[-2:] if len(words) > 1 else words):
        if word in _TIME_UNITS and word not in ("m", "d"):
            return "time", float(_TIME_UNITS[word])
        if word in ("c", "f", "celsius", "fahrenheit"):
            return "temp", 1.0
        if word in _SIZE_UNITS and len(word) > 1:
            return "size", _SIZE_UNITS[word]
    return "", 1.0


_READING_RE = re.compile(r"([+−-]?\d+(?:[.,]\d+)?)\s?(%|°\s?[CF]|[^\W\d_]{1,12})?", re.I)


def reading(text: str) -> tuple[float, str] | None:
    """A value written with its unit ("45 s", "97%", "61.2 °C", "0.4s", "12"), or None for any other text."""
    m = _READING_RE.fullmatch(text.strip())
    if m is None or (m[2] and not (_dimension(m[2].lower().replace(" ", ""))[0] or m[2] == "%")):
        return None
    return number(m[1]), m[2] or ""


def judge(limits: Iterable[Limit], label: str, value: float, unit: str = "") -> bool | None:
    """Whether a reading lies within every stated limit that names it (False: past one), None when none names it.
    A reading without a unit is read in its limit's unit ("lag=0" against "lag over 30 s")."""
    words = label_words(label)
    if not words.isdisjoint(_BOUND_WORDS):
        return None
    dimension, scale = reading_unit(label, unit)
    verdict: bool | None = None
    for limit in limits:
        if limit.dimension in ("age", "left"):
            continue
        if dimension and limit.dimension and dimension != limit.dimension:
            continue
        if not _names(limit, words, dimension or limit.dimension):
            continue
        # (a limit written without a unit is in the unit its reading's label names: "p95_latency_ms < 800")
        reading = value if not limit.dimension else value * (scale if dimension else limit.scale)
        past = reading > limit.value if limit.above else reading < limit.value
        if past:
            return False
        verdict = True
    return verdict


# --- dates against the check-in's clock ----------------------------------------------------------------------------

@attrs.frozen(slots=True)
class Clock:
    """The check-in's time as UTC, and how far off it may be (hours) when its zone is unknown."""

    utc: dt.datetime
    slack: float


_UTC_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2})?\s*(?:UTC|GMT|Z)\b")
WIDEST_OFFSET = 14.0  # hours between UTC and the farthest time zone


def clock(text: str, day: dt.date | None, minutes: int | None) -> Clock | None:
    """The check-in's clock: its UTC stamp when it gives one (OpenClaw's "… / 2026-04-30 08:00 UTC"), else its local
    date and time with the widest offset as slack; None without a date."""
    m = _UTC_RE.search(text)
    if m is not None:
        return Clock(dt.datetime.fromisoformat(f"{m[1]}T{m[2]}"), 0.25)
    if day is None:
        return None
    at = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes if minutes is not None else 12 * 60)
    return Clock(at, WIDEST_OFFSET + (0 if minutes is not None else 12))


_ISO_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?")
_OPENSSL_RE = re.compile(r"([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4}) GMT")
_CTIME_RE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4})(?! GMT)")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def stamp(text: str) -> tuple[dt.datetime, bool] | None:
    """The first date and time in `text` as naive UTC, and whether its zone was given ("2026-03-12T02:00:14-06:00",
    "2026-03-30 01:07:44+00", openssl's "May 19 03:12:08 2026 GMT"); None when it holds none."""
    m = _ISO_RE.search(text)
    if m is not None:
        try:
            at = dt.datetime.fromisoformat(f"{m[1]}T{m[2]}")
        except ValueError:
            return None
        zone = m[3]
        if zone is None:
            return at, False
        if zone.upper() in ("Z", "UTC", "GMT"):
            return at, True
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        return at - sign * offset, True
    m = _CTIME_RE.search(text)
    if m is not None and m[1] in _MONTHS:  # `zpool status`' "on Sun Apr 12 05:41:18 2026" (the host's zone)
        hh, mm, ss = map(int, m[3].split(":"))
        try:
            return dt.datetime(int(m[4]), _MONTHS[m[1]], int(m[2]), hh, mm, ss), False
        except ValueError:
            return None
    m = _OPENSSL_RE.search(text)
    if m is not None and m[1] in _MONTHS:
        hh, mm, ss = map(int, m[3].split(":"))
        try:
            return dt.datetime(int(m[4]), _MONTHS[m[1]], int(m[2]), hh, mm, ss), True
        except ValueError:
            return None
    return None


def judge_stamp(limits: Iterable[Limit], label: str, at: tuple[dt.datetime, bool], now: Clock,
                generic: bool = False) -> bool | None:
    """Whether a stamp is within every age or time-left limit that names it: a last backup no older than the limit
    by any reading of the clock, an expiry no sooner. `generic`: the stamp is a record's own time (restic's "time",
    a job's "finished_at"), judged by the one age limit the check-in states whatever it names."""
    words = label_words(label)
    when, zoned = at
    # (a stamp without its zone: any offset from UTC; a clock and a stamp both without one are off by as much at most)
    slack = dt.timedelta(hours=max(now.slack, 0 if zoned else WIDEST_OFFSET))
    verdict: bool | None = None
    dated = [limit for limit in limits if limit.dimension in ("age", "left")]
    for limit in dated:
        named = any(_related(w, part) for w in limit.words if w not in _GENERIC_DATED for part in words) or (
            limit.dimension == "left" and any(_EXPIRY_RE.search(w) or w in ("after", "end", "until") for w in words))
        if not named and not (generic and limit.dimension == "age" and len(dated) == 1):
            continue
        bound = dt.timedelta(seconds=limit.value)
        if limit.dimension == "age":
            fine = now.utc - when + slack <= bound
        else:
            fine = when - now.utc - slack >= bound
        if not fine:
            return False
        verdict = True
    return verdict


@attrs.frozen(slots=True)
class Stated:
    """The limits a check-in states (its turn and its checklist) and its clock, read once for all its lookups."""

    limits: tuple[Limit, ...] = ()
    now: Clock | None = None

    def disk_share(self) -> float | None:
        """The use of a disk the check-in says to warn above ("alert me if any filesystem is over 90%"), or None."""
        shares = [limit.value for limit in self.limits if limit.dimension == "%" and limit.above
                  and (not limit.words or any(w in _ALIASES[0] for w in limit.words))]
        return min(shares) if shares else None

    @classmethod
    def of(cls, instructions: str, turn: str) -> Stated:
        limits = stated_limits(instructions)
        if not any(limit.dimension in ("age", "left") for limit in limits):
            return cls(limits)
        day, minutes, _ = checkin(turn)
        return cls(limits, clock(turn, day, minutes))
