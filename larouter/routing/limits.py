"""A record that carries its own limits: whether its readings lie within them.

Monitoring lookups return readings beside the limits to judge them by: `{"gust": 23.4, "limits": {"gust": {"warn":
18, "stop": 20}}}` (a weather station), `{"last": 70912.5, "band": [52000, 88000]}` (a price feed), `{"disk_pct": 71,
"disk_max": 90}`, `{"value": 0, "limit": 50000}`. Such a record is fine when every limited reading is inside its
limits, and news when one is past them, whatever the record's other fields (its name, time, unlimited readings) say.
Which side of a warn/stop pair is bad follows from their order: a stop below its warn bounds from below (a battery, a
freezer's temperature), above it from above. A record with no limits is not judged here (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LIMITS_KEYS = frozenset({"limits", "limit", "thresholds", "threshold", "bounds", "alert", "alerts_at", "warn_at"})
BAND_KEYS = frozenset({"band", "range", "bounds", "normal_range", "expected_range", "alert_band"})
_UPPER = ("max", "high", "upper", "hi", "ceiling", "alert_above", "warn_above")
_LOWER = ("min", "low", "lower", "lo", "floor", "alert_below", "warn_below")
_PAIR_WARN = ("warn", "warning", "alert", "soft")
_PAIR_STOP = ("stop", "critical", "crit", "hard", "alarm", "danger")
_MAIN_VALUES = ("value", "last", "current", "reading", "price", "level", "now")


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _spec_verdict(reading: float, spec: Any) -> bool | None:
    """Whether `reading` lies within `spec` ({"warn": 18, "stop": 20}, {"min": 1, "max": 9}, [lo, hi], or one
    number taken as a maximum); None when the spec says nothing readable."""
    if isinstance(spec, list) and len(spec) == 2 and all(_num(v) is not None for v in spec):
        low, high = sorted(map(float, spec))
        return low <= reading <= high
    if _num(spec) is not None:
        return reading <= float(spec)
    if not isinstance(spec, Mapping):
        return None
    keys = {str(k).lower(): v for k, v in spec.items()}
    upper = next((_num(keys[k]) for k in _UPPER if _num(keys.get(k)) is not None), None)
    lower = next((_num(keys[k]) for k in _LOWER if _num(keys.get(k)) is not None), None)
    if upper is not None or lower is not None:
        return (upper is None or reading <= upper) and (lower is None or reading >= lower)
    warn = next((_num(keys[k]) for k in _PAIR_WARN if _num(keys.get(k)) is not None), None)
    stop = next((_num(keys[k]) for k in _PAIR_STOP if _num(keys.get(k)) is not None), None)
    if warn is None and stop is None:
        return None
    if warn is not None and stop is not None and stop < warn:
        return reading > warn  # bounded from below: a battery's volts, a freezer's temperature
    return reading < (warn if warn is not None else stop)


def within_own_limits(record: Mapping[str, Any]) -> bool | None:
    """True when the record states limits and each limited reading is within them, False when one is past them,
    None when it states none (see the module)."""
    verdicts: list[bool] = []
    keys = {str(k).lower(): k for k in record}
    for name, key in keys.items():
        spec = record[key]
        if name in LIMITS_KEYS and isinstance(spec, Mapping):  # {"limits": {"gust": {...}, "wind": {...}}}
            for field, field_spec in spec.items():
                reading = _num(record.get(field, record.get(str(field).lower())))
                if reading is not None and (verdict := _spec_verdict(reading, field_spec)) is not None:
                    verdicts.append(verdict)
        elif name in BAND_KEYS or (name in LIMITS_KEYS and _num(spec) is not None):  # "band": [lo, hi]; "limit": 9
            main = next((_num(record[keys[v]]) for v in _MAIN_VALUES if v in keys and _num(record[keys[v]]) is not None),
                        None)
            if main is not None and (verdict := _spec_verdict(main, spec)) is not None:
                verdicts.append(verdict)
        elif name.endswith(("_max", "_limit", "_min")) and _num(spec) is not None:  # "disk_pct": 71, "disk_pct_max": 90
            reading = _num(record.get(key.rsplit("_", 1)[0]))
            if reading is not None:
                verdicts.append(reading >= spec if name.endswith("_min") else reading <= spec)
    if not verdicts:
        return None
    return all(verdicts)
