"""The words and units the stated limits are written and read in (`stated_limits.py` reads them out of a check-in,
`limit_match.py` and `limit_dates.py` judge a lookup's readings and dates by them): one stated limit (`Limit`), the
units of time, size, temperature and share with their size in the dimension's base unit, and the words the same
reading goes by."""

from __future__ import annotations

import re

import attrs

TIME_UNITS = {"ns": 1e-9, "nanoseconds": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "microseconds": 1e-6,
              "ms": 0.001, "msec": 0.001, "milliseconds": 0.001, "millisecond": 0.001, "s": 1, "sec": 1, "secs": 1,
               "second": 1, "seconds": 1, "sek": 1, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "minuten": 60,
               "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "stunden": 3600, "heures": 3600,
               "horas": 3600, "ore": 3600, "uur": 3600, "d": 86400, "day": 86400, "days": 86400, "tage": 86400,
               "tagen": 86400, "jours": 86400, "días": 86400, "dias": 86400, "giorni": 86400, "dagen": 86400,
               "week": 604800, "weeks": 604800, "wochen": 604800, "sekunden": 1, "sekunde": 1, "segundos": 1,
               "segundo": 1, "secondes": 1, "seconde": 1, "secondi": 1, "seconden": 1, "minuti": 60, "minutos": 60,
               "minuto": 60, "minut": 60, "minuty": 60, "godzin": 3600, "godziny": 3600, "dni": 86400,
               "settimana": 604800, "settimane": 604800, "semaine": 604800, "semaines": 604800, "semana": 604800,
               "semanas": 604800, "weken": 604800, "tygodnie": 604800, "tygodni": 604800, "veckor": 604800,
               "vecka": 604800, "timmar": 3600, "timme": 3600, "dagar": 86400, "dag": 86400, "minuter": 60,
               "sekunder": 1, "month": 2592000, "months": 2592000, "monate": 2592000, "mois": 2592000,
               "meses": 2592000, "mesi": 2592000, "maanden": 2592000}
TEMP_UNITS = frozenset({"°c", "° c", "c", "celsius", "degrees", "grad", "degrés"})
FAHRENHEIT = frozenset({"°f", "° f", "f", "fahrenheit"})  # (read in °C: a fridge "above 40 °F" is above 4.4 °C)
# (A tool's one-letter size is binary: `df -h`, `du -h`, `free -h`, systemd's "Memory: 2.7G", redis' "2.05G" are GiB.)
SIZE_UNITS = {"b": 1.0, "byte": 1.0, "bytes": 1.0, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
              **{f"{p}{s}": 1024.0 ** n for n, p in enumerate("kmgt", 1) for s in ("ib", "i", "")}}
UNIT_WORDS = frozenset({"pct", "percent", "c", "f", "kb", "mb", "gb", "tb", "gi", "mi", "ki", "bytes", "v", "w"})
# The verbs that ask to be told of something, in the languages the limits are read in ("tell", "ping", "melden",
# "avvisami"): what makes a condition the news, and an exemption no exemption.
ALERT_VERBS = ("alert|warn|notify|tell|ping|page|message|text|escalate|report|let me know|dm|shout|flag|post|mail|email"
               "|melden|melde|bescheid|warnen|avisar|avísame|avisa|avvisa|avvisami|segnala|signaler|préviens|prévenir"
               "|waarschuw|meld|powiadom")
ALERT_VERB_RE = re.compile(rf"\b(?:{ALERT_VERBS})\b", re.I)
EXPIRY_RE = re.compile(r"expir|renew|lapse|valid|runs? out|ablauf|läuft|expira|vence|scade|verloop|истека", re.I)

# Words the same reading goes by in the tools' labels (`df`'s "Filesystem" and "Use%" are a disk's use).
ALIASES = (
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
    frozenset({"backup", "backups", "snapshot", "snapshots", "archive", "archives", "dump", "dumps", "sicherung",
               "sauvegarde", "respaldo", "copia", "archiwum", "kopia", "archivio", "archief", "arkiv", "archiv"}),
)
# Names a reading shown goes by that are too loose to judge it by (a mains voltage and a battery's are both a
# "voltage": a limit on one judged the other, review 28), only to say a reading is shown ("mains above 220 V" beside
# apcupsd's LINEV or NUT's input.voltage, review 27: its bound has no side, and the model judges it).
SHOWN_ALIASES = (
    frozenset({"voltage", "volt", "volts", "linev", "mains", "spannung", "netzspannung", "tension", "tensión", "tensão",
               "tensione", "napięcie", "напряжение"}),
)
# Words of a label that names a bound, not a reading ("temp1_max", "crit", "threshold"): never judged as one.
BOUND_WORDS = frozenset({"max", "min", "crit", "critical", "limit", "threshold", "high", "low", "alarm", "warn",
                          "warning", "hyst", "target", "setpoint", "lowest", "highest", "cap", "quota", "emergency"})
# Words of a dated limit that name no one thing ("the last backup", "le dernier scrub date de …").
GENERIC_DATED = frozenset({"last", "latest", "newest", "recent", "date", "time", "dernier", "dernière", "letzte",
                            "letzten", "último", "última", "ultimo", "ultima", "laatste", "senaste", "ostatni",
                            "najnowsze", "najnowszy", "najnowsza", "ostatnie", "ostatnia", "neueste", "neuesten",
                            "nieuwste", "recente", "reciente", "nyaste"})

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
    offset: float = 0.0  # and where its zero lies (°F read in °C)
    closed: bool = False  # a reading at the bound is news too ("at or above 90%", "≥ 90", healthy "< 30 s")


def unit_dimension(unit: str, one_letter_sizes: bool = False) -> tuple[str, float, float]:
    """A unit's dimension, its size in the dimension's base unit (seconds, bytes, °C, %) and its zero's offset.
    `one_letter_sizes`: "812.34M" in a tool's value is a size (in a sentence "30 m" is no unit we read)."""
    if unit in ("%", "percent", "pct", "prozent", "pourcent", "por cento", "por ciento"):
        return "%", 1.0, 0.0
    if unit in TIME_UNITS:
        return "time", float(TIME_UNITS[unit]), 0.0
    if unit in FAHRENHEIT:
        return "temp", 5 / 9, -32 * 5 / 9
    if unit in TEMP_UNITS or unit.startswith("°"):
        return "temp", 1.0, 0.0
    if unit in SIZE_UNITS and (len(unit) > 1 or unit == "b" or one_letter_sizes):
        return "size", SIZE_UNITS[unit], 0.0
    return "", 1.0, 0.0


# What is left and what is taken of the same thing: a limit on one never judges a reading of the other ("free space
# below 10%" is not "disk_used_pct"; "memory usage above 90%" is not "mem_available_pct").
FREE = frozenset({"free", "avail", "available", "left", "remaining", "frei", "verfügbar", "libre", "disponible",
                   "livre", "libero", "vrij", "wolne"})
TAKEN = frozenset({"used", "use", "usage", "full", "util", "utilization", "utilisation", "belegt", "occupied",
                    "utilisé", "usado", "usato", "gebruikt", "zajęte", "zajętość", "zajęty", "zajęta", "wykorzystanie",
                    "gebruik", "bezetting", "användning", "använt", "occupato", "occupé", "ocupado", "ocupação",
                    "auslastung", "nutzung", "belegung", "uso", "utilizzo"})  # (limit_polarity's use words, review 28)
