"""The providers LARouter ships (OpenAI, Anthropic's OpenAI-compatible endpoint) and the SDKs' variables they read:
`OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL` for the base URL, each provider's `api_key_env` for its key. A value one of
them set is named by its variable when the settings refuse it, as a `LAROUTER_*` variable is (`configerr.blame`)."""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

# provider -> the variable its base URL comes from (the one the vendor's SDK reads too)
BASE_URL_ENV = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}


def default_providers(env: Mapping[str, str]) -> dict[str, Any]:
    """OpenAI and Anthropic (OpenAI-compatible endpoint) with the SDKs' usual variables."""
    from larouter.usage.prices import default_provider_models

    models = default_provider_models()
    return {
        "openai": {
            "base_url": env.get(BASE_URL_ENV["openai"]) or "https://api.openai.com/v1",
            "api_key_env": "OPENAI_API_KEY",
            "models": models.get("openai", []),
        },
        "anthropic": {
            "base_url": anthropic_base_url(env.get(BASE_URL_ENV["anthropic"])) or "https://api.anthropic.com/v1",
            "api_key_env": "ANTHROPIC_API_KEY",
            "models": models.get("anthropic", []),
        },
    }


def anthropic_base_url(value: str | None) -> str | None:
    """`ANTHROPIC_BASE_URL` as an OpenAI-compatible base. The Anthropic SDK's convention leaves `/v1` out
    (`https://api.anthropic.com`, `https://anthropic.helicone.ai`) and adds it per request; the OpenAI-compatible
    endpoint is under `/v1`, so a path without a `/v1` segment gets one. (`OPENAI_BASE_URL` includes `/v1` by the
    OpenAI SDK's convention and is used as it is.) A value that is no URL at all is kept as it is, for the settings'
    check to refuse with the variable named."""
    if not value or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # (a malformed host such as `http://[::1`)
        return value.strip()
    if "v1" in parts.path.split("/"):
        return value.strip()
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/v1"))


def shipped_variables(env: Mapping[str, str], layers: tuple[Mapping[str, Any], ...],
                      keys_from: Mapping[str, str]) -> dict[str, str]:
    """Dotted key -> the variable whose value the settings hold there, for the variables that are not `LAROUTER_*`
    ones: a shipped provider's base URL from its SDK variable, unless a later layer (`layers`: the config file, the
    `LAROUTER_*` variables, the runtime overrides) set that key or a table above it; and each provider's key from its
    `api_key_env` (`keys_from`: provider -> variable, the keys filled from one)."""
    found = {f"providers.{name}.api_key": variable for name, variable in keys_from.items()}
    for name, variable in BASE_URL_ENV.items():
        path = ("providers", name, "base_url")
        if env.get(variable) and not any(_sets(layer, path) for layer in layers):
            found[".".join(path)] = variable
    return found


def hidden_base_urls(env: Mapping[str, str], file_layer: tuple[bool, Mapping[str, Any]] | None,
                     overrides: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """Key path -> the SDK base-URL variable (`OPENAI_BASE_URL`) a runtime change of that key hides: set, and not
    already hidden by the config file (then `config unset` puts the file's value back, which the start names)."""
    file = file_layer[1] if file_layer else {}
    found = shipped_variables(env, (file,), {})
    return {tuple(key.split(".")): name for key, name in found.items() if _sets(overrides, tuple(key.split(".")))}


def _sets(layer: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    """Whether this layer of settings sets the key at `path`, or replaces a table above it with a value."""
    node: Any = layer
    for part in path:
        if not isinstance(node, Mapping):
            return True
        if part not in node:
            return False
        node = node[part]
    return True
