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
    """A tier, how sure the rules are (0..1), and the human-readable reasons behind it. `work`: in a check-in, the
    work the rules found (its tasks due, a lookup's items, a count that rose; "" for none): a learned heartbeat of the
    same turn must not overrule it, since a check-in's text stays the same as its items fall due and its tools find
    new things (`repeats.signature` keys the pattern on it). `due_day`: the check-in's date when that work is tasks due
    (ISO; "" otherwise): an item due "after 08:00, once a day" falls due again tomorrow in the same words, and the beats
    acked today after it was done are not tomorrow's (review 24). `continued`: the latest user turn continues an
    earlier one (a go-ahead, a framework's continuation event) and was classified by it: "yes" is the same words in
    every conversation, so it has no learned-heartbeat pattern of its own (review T)."""

    tier: Tier
    confidence: float
    reasons: tuple[str, ...]
    work: str = ""
    due_day: str = ""
    continued: bool = False
