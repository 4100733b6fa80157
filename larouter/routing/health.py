"""Each upstream's recent calls, for `/health`: when it last answered, when it last failed and how, and how many
calls in a row it has failed; and, under a provider, the same for each of its models that failed on its own.

An upstream is a configured provider, or a local model (its server's provider, `local:<id>`). A call's outcome is
noted in O(1) as it ends: a success resets the run of failures. A failure is the provider's own when it is about
reaching it or its account: a connection error, a timeout, a dropped connection, a 401 (its key refused), a 403 that
names no model (a region, a key), a 429, a 5xx, an answer that is not one, a stream that broke off. It is one model's
when it is about that model: a 403 or 404 naming it, another 4xx whose code or param is the model's
(`proxy/upstream.model_failure`), an empty (degraded) answer; it counts against that model, under its provider, and
neither for nor against the provider, whose other models may serve well. A local model is one model: every failure
of its is its upstream's, and its server's crashes and failed starts are noted by its supervisor as they happen,
whether or not a call waited for them (SUPERVISED). A refusal of the request itself (a 4xx of the provider's own
about the request, such as a 400 for a parameter it does not take), a request LARouter refused before any upstream
saw it, an exceeded budget or a client that left are no failure, and are not noted. The error kind kept is one of
LARouter's own codes, never the provider's words, which may quote a key.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

import attrs

from larouter.errors import LarouterError

if TYPE_CHECKING:
    from larouter.config import Provider, Settings
    from larouter.routing.cooldowns import Cooldowns

DEGRADED_AFTER = 3  # calls in a row an upstream fails, with no success since, before /health says "degraded"
LOCAL_PREFIX = "local:"  # the provider name of a local model's server (models.supervisor.provider_name)
# LARouter's codes for an upstream's failures (errors.py, proxy/upstream.py, proxy/sse.py, models/): the kinds kept
FAILURE_KINDS = frozenset({
    "upstream_error", "upstream_timeout", "upstream_unreachable", "upstream_disconnected", "upstream_bad_response",
    "upstream_auth_failed", "upstream_forbidden", "rate_limited", "provider_loop", "degraded", "model_start_failed",
    "model_crashed", "llama_server_missing", "model_forbidden", "model_not_found", "model_refused"})
# the kinds that are one model's, not its provider's (`proxy/upstream.model_failure`, and an empty answer)
MODEL_FAILURES = frozenset({"model_forbidden", "model_not_found", "model_refused", "degraded"})
MAX_MODELS = 64  # model records kept under one provider (a client may name `provider/<anything>`): the oldest go
# the kinds that are the provider's, not one model's: no connection, a connect or read timeout, a dropped connection.
# Under `auto` its other models would be waited out the same way, so they are tried after the other providers', and
# the provider cools down as a whole (`routing/cooldowns.py`).
PROVIDER_FAILURES = frozenset({"upstream_timeout", "upstream_unreachable", "upstream_disconnected"})
# the failures of a local model's server that its supervisor notes once, as they happen, whether or not a call waited
# for it (`models/supervisor.py`: a start that fails, the operator's, a request's or a restart's; a crash): the calls
# they fail do not note them again (`UpstreamHealth.failed`)
SUPERVISED = frozenset({"model_start_failed", "llama_server_missing", "model_crashed"})


def failure_kind(err: LarouterError) -> str | None:
    """The kind of upstream failure this error is, or None when it is not one (a refusal of the request, a budget,
    anything LARouter decided before an upstream was asked)."""
    if err.type == "budget_exceeded":
        return None
    if err.model_failure is not None:  # a refusal about the model asked for: that model's failure
        return err.model_failure
    if err.rejected:
        return None
    if err.status == 429 and err.type == "rate_limit_error":  # its code is the provider's: not kept
        return "rate_limited"
    # (a model's kind comes from `model_failure` only: LARouter's own 404 for a model it does not know has the code
    # `model_not_found`, and is nobody's failure)
    return err.code if err.code in FAILURE_KINDS and err.code not in MODEL_FAILURES else None


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
    models: dict[str, Record] = attrs.Factory(dict)  # a provider's models that failed on their own (MODEL_FAILURES)
    # a provider's models' last answers (time.time()), the latest MAX_MODELS: a model's record, made at its first
    # failure, starts with its last answer (`lastOkAt`), not with none
    answered: dict[str, float] = attrs.Factory(dict)

    def describe(self, cooldowns: Cooldowns, cooling: bool = False) -> dict[str, Any]:
        """Its `/health` entry: `failing` (its last DEGRADED_AFTER calls or more failed), else `cooling` (`cooling`
        says so, or a failure put one of its labels on cooldown: `auto` tries it after the others for now), else
        `ok`."""
        cooling = cooling or any(cooldowns.left(label) is not None for label in self.labels)
        state = "failing" if self.failures >= DEGRADED_AFTER else "cooling" if cooling else "ok"
        return {"state": state, "consecutiveFailures": self.failures, "lastError": self.last_error,
                "lastErrorAt": _iso(self.last_error_at), "lastOkAt": _iso(self.last_ok)}


@attrs.define
class UpstreamHealth:
    """The records of every upstream called since start (bounded: the configured providers and the local models)."""

    providers: dict[str, Provider] = attrs.Factory(dict)  # the settings' providers, to see which ones a PATCH changes
    records: dict[str, Record] = attrs.Factory(dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> UpstreamHealth:
        """An empty record book for these settings."""
        return cls(dict(settings.providers))

    def ok(self, name: str, model: str | None = None) -> None:
        """This upstream answered a call (for `model`, which is well again if it had failed on its own)."""
        rec = self.records.get(name)
        if rec is None:
            rec = self.records[name] = Record()
        rec.failures = 0
        rec.last_ok = time.time()
        if model is not None and not name.startswith(LOCAL_PREFIX):  # (a local model's record is its own)
            rec.answered.pop(model, None)  # (latest last: the oldest answer is the first to go)
            rec.answered[model] = rec.last_ok
            if len(rec.answered) > MAX_MODELS:
                del rec.answered[next(iter(rec.answered))]
        if rec.models and (own := rec.models.get(model or "")) is not None:
            own.failures = 0
            own.last_ok = rec.last_ok

    def failed(self, name: str, kind: str, label: str | None = None, model: str | None = None) -> None:
        """This upstream failed a call (`kind`: a FAILURE_KINDS code; anything else is kept as `upstream_error`), and
        `label`, when given, went on cooldown for it. A kind of MODEL_FAILURES counts against `model` (when given:
        the model the call asked the provider for), not the provider; a local model's counts against its upstream,
        but for a failure of its server (SUPERVISED), which its supervisor noted (`server_failed`)."""
        rec = self.records.get(name)
        if rec is None:
            rec = self.records[name] = Record()
        if kind in SUPERVISED and name.startswith(LOCAL_PREFIX):
            if label is not None:  # (`auto` cools it down: its state says so)
                rec.labels.add(label)
            return
        if model is not None and kind in MODEL_FAILURES and not name.startswith(LOCAL_PREFIX):
            if label is not None:
                rec.labels.discard(label)  # (its cooldown is the model's now: the provider is not cooling for it)
            rec = _model_record(rec, model)
        elif label is not None and model is not None and model in rec.models:
            rec.models[model].labels.discard(label)  # (and a provider's failure's cooldown is not the model's)
        _count(rec, kind)
        if label is not None:
            rec.labels.add(label)

    def server_failed(self, name: str, kind: str) -> None:
        """A local model's server (`name`: `local:<id>`) failed on its own (`kind`, one of SUPERVISED): a start
        failed, or it crashed. Noted by its supervisor, once, whether no call, one or many waited for it."""
        rec = self.records.get(name)
        if rec is None:
            rec = self.records[name] = Record()
        _count(rec, kind)

    def server_fresh(self, name: str) -> None:
        """A local model's crashes count from zero again (`larouter models start` got it ready, it was stopped while
        it ran, or it ran `local.restart_window` seconds): so does its run of failures. No answer: `lastOkAt` stays."""
        rec = self.records.get(name)
        if rec is not None:
            rec.failures = 0

    def reconfigure(self, settings: Settings) -> list[str]:
        """A provider a PATCH removed or changed (its key, its URL...) starts afresh: what the old one did says
        nothing of the new one. Local models keep their records. The names of those changed."""
        fresh = settings.providers
        changed = [n for n in {*fresh, *self.providers} if not n.startswith(LOCAL_PREFIX)
                   and fresh.get(n) != self.providers.get(n)]
        for name in changed:
            self.records.pop(name, None)
        self.providers = dict(fresh)
        return changed

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
        """`/health`'s `upstreams`: each upstream called since start, by name, with its state (`Record.describe`:
        `cooling` while it is on cooldown as a whole, too) and `models`: each of its models that a failure of its own
        (MODEL_FAILURES) has hit since start, likewise."""
        out = {}
        for name in sorted(self.records):
            rec = self.records[name]
            out[name] = {**rec.describe(cooldowns, cooldowns.provider_left(name) is not None),
                         "models": {model: rec.models[model].describe(cooldowns) for model in sorted(rec.models)}}
        return out


def _count(rec: Record, kind: str) -> None:
    """One more failure in the record's run (`kind`: a FAILURE_KINDS code; anything else is kept as `upstream_error`)."""
    rec.failures += 1
    rec.last_error = kind if kind in FAILURE_KINDS else "upstream_error"
    rec.last_error_at = time.time()


def _model_record(rec: Record, model: str) -> Record:
    """The record of one of a provider's models, made on its first failure (the oldest made goes past MAX_MODELS),
    with the model's last answer, if the provider gave one lately."""
    own = rec.models.get(model)
    if own is None:
        if len(rec.models) >= MAX_MODELS:
            del rec.models[next(iter(rec.models))]
        own = rec.models[model] = Record(last_ok=rec.answered.get(model))
    return own
