"""Cooldowns: the candidates that failed recently, which `auto` tries after the others for a while."""

from __future__ import annotations

import time

import attrs

MAX_COOLDOWN = 3600.0  # seconds: the longest a provider's Retry-After cools its candidate


@attrs.define
class Cooldowns:
    """Targets that failed recently are tried last for a while."""

    seconds: float = 30.0
    until: dict[str, float] = attrs.Factory(dict)

    def fail(self, label: str, asked: float | None = None) -> None:
        """Put a target on cooldown: for `seconds`, or as long as its provider asked (`asked`: a 429's or 503's
        Retry-After), at most MAX_COOLDOWN."""
        wait = self.seconds if asked is None else max(self.seconds, min(asked, MAX_COOLDOWN))
        self.until[label] = time.monotonic() + wait

    def cooling(self, label: str) -> bool:
        """True while a target is cooling down; an expired cooldown is forgotten (usually nothing is cooling, and
        then this is one dictionary miss, no clock read)."""
        until = self.until.get(label)
        if until is None:
            return False
        if until > time.monotonic():
            return True
        del self.until[label]
        return False

    def left(self, label: str) -> float | None:
        """Seconds of cooldown this target has left, None when it is not cooling down (for explain)."""
        until = self.until.get(label)
        return None if until is None or until <= time.monotonic() else until - time.monotonic()
