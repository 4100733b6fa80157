"""Tiers and the classifier's decision value."""

from __future__ import annotations

import enum

import attrs


class Tier(str, enum.Enum):
    """Routing tiers, declared cheapest first."""

    HEARTBEAT = "HEARTBEAT"
    SIMPLE = "SIMPLE"
    MEDIUM = "MEDIUM"
    COMPLEX = "COMPLEX"
    REASONING = "REASONING"

    @property
    def rank(self) -> int:
        """Position from cheapest (0, HEARTBEAT) to dearest (4, REASONING)."""
        return _RANK[self]


_RANK = {tier: i for i, tier in enumerate(Tier)}


@attrs.frozen
class Decision:
    """A tier, how sure the rules are (0..1), and the human-readable reasons behind it. `work_found`: a check-in in
    which the rules found work (a task due, a lookup that found items, a count that rose): what a learned heartbeat
    of the same text must not overrule (the text of a check-in stays the same as its items fall due)."""

    tier: Tier
    confidence: float
    reasons: tuple[str, ...]
    work_found: bool = False
