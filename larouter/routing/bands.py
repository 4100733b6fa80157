"""An alert band a check-in states apart from its readings ("alert band: < 55,000 or > 70,000", "alarm below 4 °C"),
and a reading of the same kind past it ("BTC/USD 53,870"): news, whatever idle reply the check-in asks for.

A reading is a plain number of the band's magnitude (half to twice its bound: not a time, a count or a date) and
in its unit: a share for a band in percent, a plain number otherwise. Conservative by design: a day's low past
the band counts too ("24h low 53,410").
"""

from __future__ import annotations

import re

from larouter.routing.readings import number

_SIDE = r"(<=?|>=?|≤|≥|below|above|under|over)"
_BOUND = r"\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(\s?%)?"
_BAND_RE = re.compile(rf"\b(?:alert|alarm|warn|notify|page)\w*(?:\s+(?:band|range|zone|levels?|if|when|me|at|price))*"
                      rf"\s*[:=]?\s*{_SIDE}\s*{_BOUND}(?:\s*(?:or|/|,|;)\s*{_SIDE}\s*{_BOUND})?", re.I)
_NUMBER_RE = re.compile(r"(?<![\d.,:/#-])\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d:/]|[.,]\d)(\s?%)?")
_LOW = ("<", "<=", "≤", "below", "under")


def _in_brackets(text: str, at: int) -> bool:
    """Whether `at` is inside an open bracket on its line: "7 (alerta > 200)" is that reading's own condition
    (`readings.short_of_alert` reads it), no band for the other readings."""
    line_start = text.rfind("\n", 0, at) + 1
    opened = max(text.rfind("(", line_start, at), text.rfind("[", line_start, at))
    return opened >= 0 and max(text.rfind(")", opened, at), text.rfind("]", opened, at)) < 0


def band_crossed(text: str) -> bool:
    """Whether a reading in `text` lies past an alert band the text states (see the module's docstring)."""
    lower = text.lower()
    if not any(word in lower for word in ("alert", "alarm", "warn", "notify", "page")):
        return False
    bands = [m for m in _BAND_RE.finditer(text) if not _in_brackets(text, m.start())]
    if not bands:
        return False
    taken = [(m.start(), m.end()) for m in bands]
    readings = [(number(n.group(1)), bool(n.group(2))) for n in _NUMBER_RE.finditer(text)
                if not any(a <= n.start() < b for a, b in taken)]
    for m in bands:
        for side, bound, share in ((m.group(1), m.group(2), m.group(3)), (m.group(4), m.group(5), m.group(6))):
            if side is None:
                continue
            limit = number(bound)
            for value, is_share in readings:
                if is_share != bool(share) or not limit / 2 <= value <= limit * 2:
                    continue
                if (value < limit) if side.lower() in _LOW else (value > limit):
                    return True
    return False
