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
    """A tier, how sure the rules are (0..1), and the human-readable reasons behind it."""

    tier: Tier
    confidence: float
    reasons: tuple[str, ...]
