"""Which upstream serves which model name."""

from __future__ import annotations

from typing import Any

import attrs

from larouter.config import Provider, Settings
from larouter.errors import LarouterError, not_found

AUTO = "auto"


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
            where = " (the configured default for \"auto\")" if model == AUTO else ""
            raise not_found(f"model {name!r}{where} is not served by any configured provider", "model_not_found", "model")
        if not target.provider.available:
            raise provider_unavailable(target)
        return target

    def listing(self) -> list[dict[str, Any]]:
        """OpenAI `/v1/models` entries, `auto` first, with availability."""
        data = [{"id": AUTO, "object": "model", "created": 0, "owned_by": "larouter", "available": True, "local": False}]
        for model, target in self._by_model.items():
            prov = target.provider
            data.append(
                {"id": model, "object": "model", "created": 0, "owned_by": target.provider_name,
                 "available": prov.available, "local": prov.local}
            )
        return data


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
