"""Which side of a bound is news when the checklist says neither "tell me if" nor "should": by what the reading is.

Checklists are written terse: "- pool usage under 75% → `ceph df`", "- lag < 10 s", "- battery above 20%". Whether the
writer stated what healthy is or what to alert on, the bad side is the same: a use, a lag, a queue is bad high; what
is free, left or charged, a speed, is bad low. So a bound whose sentence says neither takes its side from the words
that name its reading, where they say it plainly; where they do not ("disk space under 10 GB": the disk's use or its
free space?), or say both, or a temperature is bounded from below (a boiler is meant to be hot), it is not read.
"""

from __future__ import annotations

import re

from larouter.routing.limit_phrases import ABOVE_OPS, BELOW_OPS

# Words (as prefixes) naming a reading that is bad high, and one that is bad low, in the languages the limits are read in.
_HIGH = ("usage", "used", "use", "util", "load", "latenc", "lag", "delay", "behind", "queue", "depth", "backlog", "pending",
         "error", "fail", "failed", "failure", "5xx", "4xx", "p95", "p99", "p50", "response", "iowait", "steal", "restart", "drop", "dropped", "loss",
         "retrans", "inflight", "in-flight", "dlq", "auslastung", "belegt", "fehler", "latenz", "verzögerung",
         "warteschlange", "erreur", "retard", "file d'attente", "errore", "ritardo", "coda", "uso", "ocupa", "retraso",
         "cola", "atraso", "fila", "vertraging", "wachtrij", "fout", "opóźnienie", "kolejka", "błęd", "fördröjning",
         "kö", "fel", "zajęt", "wykorzyst", "gebruik", "bezet", "använd", "occupat", "nutzung", "belegung")
_LOW = ("free", "left", "remaining", "avail", "charge", "batter", "akku", "runtime", "spare", "throughput",
        "download", "upload", "bandwidth", "hit", "success", "frei", "verfügbar", "restlaufzeit", "ladung", "libre",
        "restant", "disponib", "autonomie", "livre", "restante", "vrij", "resterend", "wolne", "pozostał", "ledig", "idle",
        "kvar")
_FREE = ("free", "avail", "available", "remaining", "left", "idle", "spare", "frei", "verfügbar", "libre", "disponib",
         "restant", "restante", "vrij", "ledig", "kvar", "wolne")
_TEMP = ("temp", "température", "temperatur", "°c", "°f")
# What is bad high only as a share ("disk under 80%", not "disk space under 10 GB"; "memory 90%", not "memory 2 GB").
_SHARES = ("disk", "mem", "memory", "ram", "swap", "space", "storage", "pool", "cpu", "gpu", "fs", "filesystem", "volume",
           "speicher", "platte", "disque", "mémoire", "disco", "memoria", "schijf", "geheugen", "dysk", "pamięć")


def sideless_alert(clause: str, op: str, unit: str) -> bool | None:
    """Whether the bound's own side is the news (True: "- errors over 0"), how things should be (False: "- lag < 10
    s"), or None when the reading's name does not say which side is bad. The name is its head word, the last of the
    clause ("UPS battery temperature": a temperature, not a battery; "Akku-Temperatur" too); a generic measure
    ("speed", "rate", "count") takes the word before it ("download speed", "error rate"; "wind speed", "cycle count":
    no side, review 25)."""
    above, below = op in ABOVE_OPS, op in BELOW_OPS
    tokens = [t for t in clause.lower().split() if "/" not in t and not t.startswith("~")]  # (a path is where)
    words = [w.strip(",.;:()`'\"") for w in re.split(r"[\s_-]+", " ".join(tokens))]
    words = [w for w in words if w]
    cut = next((i for i, w in enumerate(words) if i and w in _PREPOSITIONS), len(words))
    words = words[:cut][-3:]  # ("free space on /srv": the space; "latency of the API": the latency)
    if above == below or not words:
        return None
    head = words[-1]
    if head in _MEASURES and len(words) > 1:
        head = words[-2]
    high, low = _names(head, _HIGH), _names(head, _LOW)
    if _names(head, _SHARES) and any(_names(w, _FREE) for w in words[:-1]):
        return None  # "free disk space", "available memory", "idle CPU": the share's free part, whose side the
        # share's word would turn (review 27); unread
    if not high and not low:
        if _names(head, _SHARES) and unit == "%":
            high = True
        elif _names(head, _TEMP) and below:
            high = True  # ("CPU temp under 80 °C"; "boiler temp over 60 °C" is said of what should be hot)
    if high == low:
        return None
    return above if high else below


# Words that measure something else, named before them ("download speed", "error rate", "battery cycle count").
_MEASURES = frozenset({"speed", "rate", "count", "level", "size", "ratio", "percent", "percentage", "number", "amount",
                       "value", "total", "space", "average", "avg", "%"})
_PREPOSITIONS = frozenset({"on", "in", "of", "for", "at", "from", "auf", "im", "am", "von", "für", "de", "du", "des", "en",
                           "di", "del", "della", "van", "op", "w", "na", "på", "i"})


def _names(word: str, stems: tuple[str, ...]) -> bool:
    """Whether a word is one of the stems, or its plural, or (a stem of five letters or more) begins with it: "errors",
    "latency"; not "users" for "use", "dropbox" for "drop", "hitachi" for "hit"."""
    word = word.strip(",.;:()`'\"")
    return word in stems or word.rstrip("s") in stems or word[:-2] in stems and word.endswith("es") or any(
        len(s) >= 5 and word.startswith(s) for s in stems)
