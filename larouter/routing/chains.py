"""The built-in routing policies (tier -> ordered chain of models) and the configured chains laid over them. Apart
from `routing.policy` (which walks a chain, with the registry, the catalog and the local models): the settings check
and the CLI read these without loading the daemon's stack (review BF)."""

from __future__ import annotations

from typing import Mapping, Sequence

from larouter.routing.tiers import Tier

LOCAL = "local"  # placeholder in a chain: the local models, running ones first
_T = Tier
DEFAULT_POLICIES: dict[str, dict[Tier, tuple[str, ...]]] = {
    "cost-optimized": {
        _T.HEARTBEAT: (LOCAL, "gpt-4.1-nano", "gpt-4o-mini"),
        _T.SIMPLE: (LOCAL, "gpt-4.1-mini", "gpt-4o-mini"),
        _T.MEDIUM: ("gpt-4.1-mini", "gpt-4o-mini", "claude-haiku-4-5", LOCAL),
        _T.COMPLEX: ("gpt-4.1", "claude-sonnet-4-5", "gpt-4o"),
        _T.REASONING: ("o4-mini", "o3", "claude-sonnet-4-5"),
    },
    "balanced": {
        _T.HEARTBEAT: (LOCAL, "gpt-4.1-nano"),
        _T.SIMPLE: ("gpt-4.1-mini", LOCAL),
        _T.MEDIUM: ("gpt-4.1", "gpt-4o", "claude-sonnet-4-5"),
        _T.COMPLEX: ("claude-sonnet-4-5", "gpt-4.1", "gpt-5"),
        _T.REASONING: ("o3", "gpt-5", "claude-sonnet-4-5"),
    },
    "quality-first": {
        _T.HEARTBEAT: (LOCAL, "gpt-4.1-mini"),
        _T.SIMPLE: ("gpt-4.1", "claude-sonnet-4-5"),
        _T.MEDIUM: ("claude-sonnet-4-5", "gpt-5", "gpt-4.1"),
        _T.COMPLEX: ("claude-opus-4-1", "gpt-5", "claude-sonnet-4-5"),
        _T.REASONING: ("gpt-5", "o3", "claude-opus-4-1"),
    },
    "local-only": {tier: (LOCAL,) for tier in Tier},
}


def merged_policies(custom: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, dict[Tier, tuple[str, ...]]]:
    """The default policies with the configured chains laid over them (tier names checked by `configcheck`). A tier
    a policy does not configure keeps its built-in chain, or, in a policy of a new name, takes cost-optimized's as
    configured (whatever order the names come in: the built-in names are laid over first)."""
    out = {name: dict(chains) for name, chains in DEFAULT_POLICIES.items()}
    for name, chains in sorted(custom.items(), key=lambda item: item[0] not in DEFAULT_POLICIES):
        base = out.setdefault(name, dict(out["cost-optimized"]))
        for tier_name, models in chains.items():
            base[Tier[tier_name.upper()]] = tuple(models)
    return out
