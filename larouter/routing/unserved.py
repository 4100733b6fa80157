"""Models the routing settings name that nothing serves (a typo such as `gpt-4o-mni`): warned of, never refused,
since the provider or local model that serves one may be added later."""

from __future__ import annotations

import difflib
import logging
from typing import TYPE_CHECKING, Mapping

from larouter.models.binary import LlamaServerNotFound, find_llama_server
from larouter.models.catalog import Catalog
from larouter.proxy.registry import ModelRegistry
from larouter.routing.chains import DEFAULT_POLICIES, LOCAL, merged_policies

if TYPE_CHECKING:
    from larouter.config import Settings

log = logging.getLogger("larouter.routing")


def _places(settings: Settings) -> dict[str, list[str]]:
    """Model name -> the keys that name it (`routing.default_model`, `routing.policies.balanced.SIMPLE`)."""
    places: dict[str, list[str]] = {settings.routing.default_model: ["routing.default_model"]}
    for policy, chains in merged_policies(settings.routing.policies).items():
        for tier, names in chains.items():
            built_in = DEFAULT_POLICIES.get(policy, {}).get(tier) == names
            where = f"routing.policies.{policy}.{tier.value}" + (" (built-in chain)" if built_in else "")
            for name in names:
                places.setdefault(name, []).append(where)
    return places


def _set_by(where: str, variables: Mapping[str, str]) -> str:
    """The key, and the environment variable that set it or a table above it, if one did."""
    for dotted, name in variables.items():
        if where == dotted or where.startswith(dotted + "."):
            return f"{where}, set by {name}"
    return where


def unserved(settings: Settings, catalog: Catalog, variables: Mapping[str, str] | None = None) -> list[str]:
    """One warning per model name the default model or a policy chain gives that no provider, catalog model or
    `local` serves, with the closest known name when one is close. `variables`: dotted key -> the environment
    variable that set it (`routing.default_model` -> `LAROUTER_DEFAULT_MODEL`), to name it."""
    registry = ModelRegistry.from_settings(settings)
    known = {LOCAL, *(m for p in settings.providers.values() for m in p.models)}
    known.update(name for m in catalog.all() for name in (m.id, *m.aliases))
    out = []
    for name, where in _places(settings).items():
        if name == LOCAL or registry.lookup(name) is not None or catalog.find(name) is not None:
            continue
        shown = [_set_by(w, variables or {}) for w in where]
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        out.append(f"model {name!r} ({'; '.join(shown)}) is served by no provider, catalog model or 'local': "
                   f"routing skips it{hint}")
    return out


def nothing_serves(settings: Settings, catalog: Catalog) -> str | None:
    """What to do when no model can answer at all (no provider has its key, no local model is on disk): a first run
    was silent until its first request got a 503 (review W). None when something can answer. (Stats the catalog's
    files: at start, before the loop runs.)"""
    if any(p.available or p.local for p in settings.providers.values()):
        return None
    keys = ", ".join(f"{p.api_key_env} for {name}" for name, p in sorted(settings.providers.items()) if p.api_key_env)
    nothing = f"no model can answer a request yet: no provider has its API key ({keys or 'none configured'}) and "
    if any(catalog.downloaded(m) is not None for m in catalog.all()):
        try:
            find_llama_server(settings.local.llama_server)
        except LlamaServerNotFound as exc:  # (models on disk, no server to run them: review Z2)
            return f"{nothing}the local models downloaded cannot start: {exc}"
        return None
    return (f"{nothing}no local model is downloaded (`larouter models download gemma-4-e2b`, then `larouter models "
            "list`); every chat gets a 503 until one is")


def warn_unserved(settings: Settings, catalog: Catalog, variables: Mapping[str, str] | None = None,
                  at_start: bool = False) -> list[str]:
    """`unserved` (and, `at_start`, `nothing_serves`), each line logged as a warning; returns them."""
    lines = unserved(settings, catalog, variables)
    if at_start and (idle := nothing_serves(settings, catalog)) is not None:
        lines.append(idle)
    for line in lines:
        log.warning("%s", line)
    return lines
