"""Tool outputs that are no "key: value" dump, written as one for `lookup_dump.py` to read against the stated limits.

`smartctl -A` prints one attribute a row ("  5 Reallocated_Sector_Ct 0x0033 100 100 005 Pre-fail Always - 0"), read as
its name and raw value ("Reallocated_Sector_Ct: 0"; "when failed" other than "-" as a failed status). `uptime` prints
its load averages in a sentence ("12:30:04 up 6 days, 3:12, 1 user, load average: 1.84, 2.10,
1.97"; macOS' `sysctl vm.loadavg` in braces, /proc/loadavg bare) and `free -h` a matrix (a header of columns, then a "Mem:" and a "Swap:" row). A check-in's checklist bounds
them like any reading ("tell me if the 15-minute load average is above 10", "… if available memory is under 2 GiB"),
so each is rewritten as the pairs it holds ("load average (15-minute): 1.97", "Mem available: 17Gi"; each load average
is judged by a limit on any of them); any other line is left as it is.
"""

from __future__ import annotations

import re

from larouter.routing.lookup_text import TROUBLE_COUNT_RE


def as_pairs(text: str) -> str:
    """`text` with `uptime`'s load averages and `free`'s matrix written as "key: value" lines (the text itself when
    it holds neither)."""
    if ("load average" not in text and "buff/cache" not in text and "total" not in text and "RAW_VALUE" not in text
            and _LOADAVG_RE.search(text) is None):
        return text
    out: list[str] = []
    columns: list[str] = []
    for line in text.splitlines():
        if (a := _SMART_RE.match(line)) is not None:  # `smartctl -A`: an attribute's raw value, and its failure
            counted = (TROUBLE_COUNT_RE.search(a["name"]) is not None or "bad" in a["name"].lower()) and (
                a["name"].lower() not in _VENDOR_RAW)  # (a reallocated, pending, uncorrectable, bad-block
            out.append(f"{a['name']}{'' if counted else ' (raw value)'}: {a['raw']}")  # count: trouble above 0;
            # the rest are the drive's own figures: hours, cycles, rates)
            if a["failed"] != "-":
                out.append(f"{a['name']} status: failed ({a['failed']})")
            continue
        if _SMART_HEADER_RE.match(line):
            continue
        if (m := _UPTIME_RE.search(line) or _LOADAVG_RE.match(line)) is not None:
            values = [v for v in m.groups() if v is not None]
            out += [f"load average ({span}-minute): {value}" for span, value in zip((1, 5, 15), values)]
            continue
        if _FREE_HEADER_RE.match(line):
            columns = line.split()
            continue
        row = _FREE_ROW_RE.match(line)
        if row is not None and columns and len(cells := row[2].split()) <= len(columns):
            kept = _KEPT if "available" in columns[: len(cells)] else _KEPT | {"free"}
            out += [f"{row[1]} {name}: {cell}" for name, cell in zip(columns, cells) if name in kept]
            continue
        columns = [] if row is None else columns
        out.append(line)
    return "\n".join(out)


# free's columns read: what there is, what is used, what is available (the kernel's estimate, which its "free",
# "shared" and "buff/cache" columns are parts of; "free" where there is no "available": swap, an old procps).
_KEPT = frozenset({"total", "used", "available"})
_UPTIME_RE = re.compile(r"\bload averages?:\s*(\d+(?:[.,]\d+)?),?\s+(\d+(?:[.,]\d+)?),?\s+(\d+(?:[.,]\d+)?)\s*$")
# The load averages as macOS' `sysctl vm.loadavg` ("vm.loadavg: { 1.84 2.10 1.97 }", with -n only the braces) and
# Linux's /proc/loadavg ("1.84 2.10 1.97 2/517 88123") print them (review 24).
_LOADAVG_RE = re.compile(r"(?m)^\s*(?:(?:vm\.loadavg\s*[:=]\s*)?\{\s*(\d+[.,]\d+)\s+(\d+[.,]\d+)\s+(\d+[.,]\d+)\s*\}"
                         r"|(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+\d+/\d+\s+\d+)\s*$")
_FREE_HEADER_RE = re.compile(r"^\s*total\s+used\s+free\b")
_FREE_ROW_RE = re.compile(r"^(Mem|Swap|Total|Low|High):\s+(.*)$")
_SMART_HEADER_RE = re.compile(r"^ID#\s+ATTRIBUTE_NAME\s+FLAG\b")
_SMART_RE = re.compile(r"^\s*\d{1,3}\s+(?P<name>[A-Za-z][\w-]*)\s+0x[0-9a-fA-F]{4}\s+\d{3}\s+\d{3}\s+[\d-]{3}\s+\S+\s+\S+"
                       r"\s+(?P<failed>\S+)\s+(?P<raw>\S.*?)\s*$")
# Attributes whose raw value a vendor encodes (Seagate's error rates count operations too): no count of trouble.
_VENDOR_RAW = frozenset({"raw_read_error_rate", "seek_error_rate", "hardware_ecc_recovered", "ecc_error_rate"})
