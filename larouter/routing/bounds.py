"""The ranges of the classifier's numbers (`[routing.classifier.*]`), checked as the settings are read.

A value outside its range is refused at start (exit 78) and by `PATCH /api/config` (400), naming its key: each one
out of range broke routing without a word (review AT: `tuning.max_walk = -1` sent every request to MEDIUM as "no
user turn", `tuning.complex_min = -1` a trivial question to REASONING).
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

from larouter.configerr import FieldError
from larouter.configvalid import bounded


def at_least(low: float, *, above: bool = False, note: str = "") -> Callable[[Any, attrs.Attribute, Any], None]:
    """An attrs validator: a finite number >= `low` (> `low` when `above`); `note` says what the bound means."""
    sign = ">" if above else ">="
    why = f" ({note})" if note else ""

    def check(_inst: Any, attr: attrs.Attribute, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return  # (the type check, or cattrs, complains about a wrong type)
        bounded(attr, value)
        if value < low or (above and value == low):
            raise FieldError(attr.name, f"must be {sign} {low:g}{why}, got {value!r}")

    return check


def number(default: float, low: float, *, above: bool = False, note: str = "") -> Any:
    """A numeric field with its default and its range."""
    return attrs.field(default=default, validator=at_least(low, above=above, note=note))


def size(default: int, note: str = "") -> Any:
    """A size or count of at least 1 (0 would leave nothing to read)."""
    return number(default, 1, note=note)


def weight(default: float) -> Any:
    """A score a cue adds: >= 0 (0 turns the cue off)."""
    return number(default, 0)
