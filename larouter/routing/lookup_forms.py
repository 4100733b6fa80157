"""Tool outputs that are no "key: value" dump, written as one for `lookup_dump.py` to read against the stated limits.

`uptime` prints its load averages in a sentence ("12:30:04 up 6 days, 3:12, 1 user, load average: 1.84, 2.10,
1.97") and `free -h` a matrix (a header of columns, then a "Mem:" and a "Swap:" row). A check-in's checklist bounds
them like any reading ("tell me if the 15-minute load average is above 10", "… if available memory is under 2 GiB"),
so each is rewritten as the pairs it holds ("load average (15-minute): 1.97", "Mem available: 17Gi"; each load average
is judged by a limit on any of them); any other line is left as it is.
"""

from __future__ import annotations

import re


def as_pairs(text: str) -> str:
    """`text` with `uptime`'s load averages and `free`'s matrix written as "key: value" lines (the text itself when
    it holds neither)."""
    if "load average" not in text and "buff/cache" not in text and "total" not in text:
        return text
    out: list[str] = []
    columns: list[str] = []
    for line in text.splitlines():
        if (m := _UPTIME_RE.search(line)) is not None:
            out += [f"load average ({span}-minute): {value}" for span, value in zip((1, 5, 15), m.groups())]
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
_FREE_HEADER_RE = re.compile(r"^\s*total\s+used\s+free\b")
_FREE_ROW_RE = re.compile(r"^(Mem|Swap|Total|Low|High):\s+(.*)$")
