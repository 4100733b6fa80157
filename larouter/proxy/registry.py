"""Which upstream serves which model name."""

from __future__ import annotations

import difflib
from typing import Any, Iterable

import attrs

from larouter.config import Provider, Settings
from larouter.errors import LarouterError, not_found

AUTO = "auto"
MAX_LISTED = 12  # models an unknown-model error names; GET /v1/models lists them all


@attrs.frozen
class Target:
    """A concrete place to send a request: provider plus the model name it knows."""

    provider_name: str
    provider: Provider
    model: str

    @property
    def label(self) -> str:
        """`provider/model`, for headers and logs."""
        return f"{self.provider_name}/{self.model}"


@attrs.define
class ModelRegistry:
    """Model name -> Target; built from settings, extended at runtime by local model servers."""

    providers: dict[str, Provider]
    default_model: str
    _by_model: dict[str, Target] = attrs.Factory(dict)  # built once per provider change: lookups allocate nothing

    @classmethod
    def from_settings(cls, settings: Settings) -> "ModelRegistry":
        """Index every provider's models; earlier providers win on duplicate names."""
        reg = cls(dict(settings.providers), settings.routing.default_model)
        for name, prov in settings.providers.items():
            for model in prov.models:
                reg._by_model.setdefault(model, Target(name, prov, model))
        return reg

    def reconfigure(self, settings: Settings) -> None:
        """Adopt new settings' providers and default model, keeping live local model servers."""
        live = {n: p for n, p in self.providers.items() if n.startswith("local:")}
        fresh = ModelRegistry.from_settings(settings)
        self.providers, self._by_model, self.default_model = fresh.providers, fresh._by_model, fresh.default_model
        for name, prov in live.items():
            self.add_provider(name, prov)

    def add_provider(self, name: str, provider: Provider) -> None:
        """Register (or replace) a provider and claim its models."""
        self.providers[name] = provider
        for model in provider.models:
            self._by_model[model] = Target(name, provider, model)

    def remove_provider(self, name: str) -> None:
        """Forget a provider and its model names."""
        self.providers.pop(name, None)
        self._by_model = {m: t for m, t in self._by_model.items() if t.provider_name != name}

    def lookup(self, model: str) -> Target | None:
        """Find a target for `model` or `provider/model`; None when nobody serves it."""
        target = self._by_model.get(model)
        if target is not None:
            return target
        prefix, sep, rest = model.partition("/")
        if sep and prefix in self.providers and rest:
            return Target(prefix, self.providers[prefix], rest)
        return None

    def resolve(self, model: str) -> Target:
        """Like lookup, but raise 404 for unknown models and 503 for providers without a key."""
        name = self.default_model if model == AUTO else model
        target = self.lookup(name)
        if target is None:
            if model == AUTO:
                raise not_found(f"model {name!r} (the configured default for \"auto\") is not served by any configured "
                                "provider", "model_not_found", "model")
            raise self.unknown_model(name)
        if not target.provider.available:
            raise provider_unavailable(target)
        return target

    def unknown_model(self, name: str, more: Iterable[str] = ()) -> LarouterError:
        """404 for a model nobody serves: the closest name this registry or `more` (the catalog's) knows, the models
        served here that have what they need (a key, a running server), and where to see them all."""
        known = {m.casefold(): m for m in (*more, *self._by_model)}
        close = difflib.get_close_matches(name.casefold(), sorted(known), n=1, cutoff=0.6)
        usable = [m for m, t in self._by_model.items() if t.provider.available]
        shown = ", ".join(["auto", *usable[:MAX_LISTED]]) + (
            f" and {len(usable) - MAX_LISTED} more" if len(usable) > MAX_LISTED else "")
        lists = "GET /v1/models lists every model, stopped local ones included"
        message = f"model {name!r} is not served by any configured provider"
        message += f"; did you mean {known[close[0]]!r}?" if close else "."
        message += f" Available now: {shown}; {lists}." if usable else f" None is available now; {lists}."
        named = next((p for p, prov in self.providers.items() if prov.available and not prov.local), None)
        if named and not close and "/" not in name:  # a model the provider has that LARouter does not list
            message += f" A model of provider {named!r} that is not listed is named with the provider: " \
                       f"'{named}/{name}'."
        return not_found(message, "model_not_found", "model")

    def listing(self) -> list[dict[str, Any]]:
        """OpenAI `/v1/models` entries, `auto` first, with availability."""
        data = [{"id": AUTO, "object": "model", "created": 0, "owned_by": "larouter", "available": True, "local": False}]
        data.extend(model_entry(model, target) for model, target in self._by_model.items())
        return data


def model_entry(model: str, target: Target) -> dict[str, Any]:
    """The OpenAI model object of a model a provider serves (`available`: it has its key; `local`: llama-server)."""
    return {"id": model, "object": "model", "created": 0, "owned_by": target.provider_name,
            "available": target.provider.available, "local": target.provider.local}


def provider_unavailable(target: Target) -> LarouterError:
    """503 explaining how to give the provider a key."""
    hint = f"set {target.provider.api_key_env}" if target.provider.api_key_env else "set an api_key"
    return LarouterError(
        f"provider {target.provider_name!r} (model {target.model!r}) has no API key; {hint} "
        f"or providers.{target.provider_name}.api_key in the config file",
        503,
        "provider_unavailable",
        "provider_unavailable",
        "model",
    )
