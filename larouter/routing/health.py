"""Each upstream's recent calls, for `/health`: when it last answered, when it last failed and how, and how many
calls in a row it has failed.

An upstream is a configured provider, or a local model (its server's provider, `local:<id>`). A call's outcome is
noted in O(1) as it ends: a success resets the run of failures. A failure is the upstream's own: a connection error,
a timeout, a 429, a 5xx, a 401 or 403 (its key refused), a degraded 200, a stream that broke off, a local model
that did not start. A refusal of the request itself (a 4xx of the provider's own, such as a 400 for a parameter it
does not take), a request LARouter refused before any upstream saw it, an exceeded budget or a client that left are
no failure of the upstream, and are not noted. The error kind kept is one of LARouter's own codes, never the
provider's words, which may quote a key.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

import attrs

from larouter.errors import LarouterError

if TYPE_CHECKING:
    from larouter.config import Provider, Settings
    from larouter.routing.policy import Cooldowns

DEGRADED_AFTER = 3  # calls in a row an upstream fails, with no success since, before /health says "degraded"
LOCAL_PREFIX = "local:"  # the provider name of a local model's server (models.supervisor.provider_name)
# LARouter's codes for an upstream's failures (errors.py, proxy/upstream.py, proxy/sse.py, models/): the kinds kept
FAILURE_KINDS = frozenset({
    "upstream_error", "upstream_timeout", "upstream_unreachable", "upstream_disconnected", "upstream_bad_response",
    "upstream_auth_failed", "upstream_forbidden", "rate_limited", "provider_loop", "degraded", "model_start_failed",
    "llama_server_missing"})
# the kinds that are the provider's, not one model's: no connection, a connect or read timeout, a dropped connection.
# Under `auto` its other models would be waited out the same way, so they are tried after the other providers'.
PROVIDER_FAILURES = frozenset({"upstream_timeout", "upstream_unreachable", "upstream_disconnected"})


def failure_kind(err: LarouterError) -> str | None:
    """The kind of upstream failure this error is, or None when it is not one (a refusal of the request, a budget,
    anything LARouter decided before an upstream was asked)."""
    if err.rejected or err.type == "budget_exceeded":
        return None
    if err.status == 429 and err.type == "rate_limit_error":  # its code is the provider's: not kept
        return "rate_limited"
    return err.code if err.code in FAILURE_KINDS else None


def _iso(when: float | None) -> str | None:
    """A wall-clock time as the ledger's `lastErrorAt` writes it (UTC)."""
    return None if when is None else datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@attrs.define
class Record:
    """One upstream's recent outcomes."""

    failures: int = 0  # calls failed in a row, since the last success
    last_ok: float | None = None  # wall-clock time (time.time())
    last_error: str | None = None  # a FAILURE_KINDS code
    last_error_at: float | None = None
    labels: set[str] = attrs.Factory(set)  # its cooldown keys (`provider/model`) that failures have put on cooldown


@attrs.define
class UpstreamHealth:
    """The records of every upstream called since start (bounded: the configured providers and the local models)."""

    providers: dict[str, Provider] = attrs.Factory(dict)  # the settings' providers, to see which ones a PATCH changes
    records: dict[str, Record] = attrs.Factory(dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> UpstreamHealth:
        """An empty record book for these settings."""
        return cls(dict(settings.providers))

    def ok(self, name: str) -> None:
        """This upstream answered a call."""
        rec = self.records.get(name)
        if rec is None:
            rec = self.records[name] = Record()
        rec.failures = 0
        rec.last_ok = time.time()

    def failed(self, name: str, kind: str, label: str | None = None) -> None:
        """This upstream failed a call (`kind`: a FAILURE_KINDS code; anything else is kept as `upstream_error`), and
        `label`, when given, went on cooldown for it."""
        rec = self.records.get(name)
        if rec is None:
            rec = self.records[name] = Record()
        rec.failures += 1
        rec.last_error = kind if kind in FAILURE_KINDS else "upstream_error"
        rec.last_error_at = time.time()
        if label is not None:
            rec.labels.add(label)

    def reconfigure(self, settings: Settings) -> None:
        """A provider a PATCH removed or changed (its key, its URL...) starts afresh: what the old one did says
        nothing of the new one. Local models keep their records."""
        fresh = settings.providers
        for name in [n for n in self.records if not n.startswith(LOCAL_PREFIX)]:
            if fresh.get(name) != self.providers.get(name):
                del self.records[name]
        self.providers = dict(fresh)

    def forget(self, name: str) -> None:
        """An upstream that is no more (a local model removed): its record goes with it."""
        self.records.pop(name, None)

    def keep_local(self, present: Callable[[str], bool]) -> None:
        """Forget each local model for which `present(model id)` is false (its file deleted, say): a model that can
        no longer be called cannot recover, and would keep /health degraded for good."""
        for name in [n for n in self.records if n.startswith(LOCAL_PREFIX)]:
            if not present(name.removeprefix(LOCAL_PREFIX)):
                del self.records[name]

    def degraded(self) -> list[str]:
        """The upstreams that failed their last DEGRADED_AFTER calls or more, with no success since."""
        return sorted(name for name, rec in self.records.items() if rec.failures >= DEGRADED_AFTER)

    def describe(self, cooldowns: Cooldowns) -> dict[str, dict[str, Any]]:
        """`/health`'s `upstreams`: each upstream called since start, by name, with its state: `failing` (its last
        DEGRADED_AFTER calls or more failed), else `cooling` (`auto` tries it after the others for now), else `ok`."""
        out = {}
        for name in sorted(self.records):
            rec = self.records[name]
            cooling = any(cooldowns.left(label) is not None for label in rec.labels)
            state = "failing" if rec.failures >= DEGRADED_AFTER else "cooling" if cooling else "ok"
            out[name] = {"state": state, "consecutiveFailures": rec.failures, "lastError": rec.last_error,
                         "lastErrorAt": _iso(rec.last_error_at), "lastOkAt": _iso(rec.last_ok)}
        return out
