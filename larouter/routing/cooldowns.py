"""Cooldowns: the candidates that failed recently, and the providers that failed as a whole (no connection, a timeout,
a dropped connection), which `auto` tries after the others for a while."""

from __future__ import annotations

import time

import attrs

MAX_COOLDOWN = 3600.0  # seconds: the longest a provider's Retry-After cools its candidate
# how explain names what put a whole provider on cooldown (health.PROVIDER_FAILURES)
PROVIDER_WHY = {"upstream_timeout": "a timeout", "upstream_unreachable": "a failed connection",
                "upstream_disconnected": "a dropped connection"}


@attrs.define
class Cooldowns:
    """Targets that failed recently are tried last for a while; so are all the models of a provider that failed as a
    whole, which would be waited out the same way."""

    seconds: float = 30.0
    until: dict[str, tuple[float, str | None]] = attrs.Factory(dict)  # label -> (monotonic end, the failure's kind)
    providers: dict[str, tuple[float, str | None]] = attrs.Factory(dict)  # provider name -> (monotonic end, kind)
    asked: set[str] = attrs.Factory(set)  # labels cooling as long as their provider asked (Retry-After)

    def fail(self, label: str, asked: float | None = None, kind: str | None = None) -> None:
        """Put a target on cooldown: for `seconds`, or as long as its provider asked (`asked`: a 429's or 503's
        Retry-After), at most MAX_COOLDOWN. `kind`: the failure's (health.FAILURE_KINDS), for explain."""
        wait = self.seconds if asked is None else max(self.seconds, min(asked, MAX_COOLDOWN))
        self.until[label] = (time.monotonic() + wait, kind)
        if wait > self.seconds:
            self.asked.add(label)
        else:
            self.asked.discard(label)

    def set_seconds(self, seconds: float) -> None:
        """A new `routing.cooldown` (a PATCH): running cooldowns longer than it end when it would (a provider
        lowered from 60 s to 5 s is tried again within 5 s), except those a provider asked for (Retry-After)."""
        if seconds < self.seconds:
            end = time.monotonic() + seconds
            for table, skip in ((self.until, self.asked), (self.providers, set())):
                for key, (ends, kind) in list(table.items()):
                    if ends > end and key not in skip:
                        table[key] = (end, kind)
        self.seconds = seconds

    def fail_provider(self, provider: str, label: str, kind: str) -> None:
        """Put every target of this provider on cooldown for `seconds`: it failed as a whole (`kind`, one of
        health.PROVIDER_FAILURES) on the target `label`, which cools down itself too (it is tried after the others)."""
        self.providers[provider] = (time.monotonic() + self.seconds, kind)
        self.fail(label, None, kind)

    def succeeded(self, label: str, provider: str) -> None:
        """A target answered (a named call to it, or `auto` trying it last): its cooldown ends, and its provider's, a
        Retry-After's too (no need to keep it at the back of every chain for up to an hour)."""
        if self.until or self.providers:
            if self.until.pop(label, None) is not None:
                self.asked.discard(label)
            self.providers.pop(provider, None)

    def forget_provider(self, provider: str) -> None:
        """A provider whose settings changed (a PATCH fixed its URL, say) starts afresh: its cooldown and its models'
        end."""
        self.providers.pop(provider, None)
        for label in [label for label in self.until if label.startswith(provider + "/")]:
            del self.until[label]
            self.asked.discard(label)

    def busy(self) -> bool:
        """Whether anything may be cooling down (usually not: then no candidate needs a look)."""
        return bool(self.until or self.providers)

    def cooling(self, label: str) -> bool:
        """True while a target is cooling down; an expired cooldown is forgotten (when nothing is cooling, this is a
        dictionary miss, no clock read)."""
        return self._ends(self.until, label) is not None

    def provider_cooling(self, provider: str) -> bool:
        """True while a provider is cooling down as a whole (likewise)."""
        return bool(self.providers) and self._ends(self.providers, provider) is not None

    @staticmethod
    def _ends(table: dict[str, tuple[float, str | None]], key: str) -> float | None:
        entry = table.get(key)
        if entry is None:
            return None
        if entry[0] > time.monotonic():
            return entry[0]
        del table[key]
        return None

    def left(self, label: str) -> float | None:
        """Seconds of cooldown this target has left, None when it is not cooling down."""
        entry = self.until.get(label)
        return None if entry is None or entry[0] <= time.monotonic() else entry[0] - time.monotonic()

    def provider_left(self, provider: str) -> float | None:
        """Seconds of cooldown this provider as a whole has left, None when it is not cooling down."""
        entry = self.providers.get(provider)
        return None if entry is None or entry[0] <= time.monotonic() else entry[0] - time.monotonic()

    def why(self, label: str, provider: str) -> tuple[float, str] | None:
        """For explain: the seconds a target has left before it is no longer tried last, and why in words (its
        provider's cooldown or its own, whichever ends last); None when neither runs."""
        now = time.monotonic()
        own, whole = self.until.get(label), self.providers.get(provider)
        out = None
        if own is not None and own[0] > now:
            failed = f"it failed ({own[1]})" if own[1] else "it failed"
            out = (own[0] - now, f"cooling down after {failed}, {_seconds(own[0] - now)} s left")
        if whole is not None and whole[0] > now and (out is None or whole[0] - now >= out[0]):
            what = PROVIDER_WHY.get(whole[1] or "", whole[1] or "a failure")
            out = (whole[0] - now, f"provider {provider} cooling down after {what}, {_seconds(whole[0] - now)} s left")
        return out


def _seconds(left: float) -> str:
    """Seconds left as explain's `coolingDown` gives them (one decimal: "23.5", "2"), so the two never disagree (they
    read 1.0 beside "2 s left")."""
    return f"{round(left, 1):g}"
