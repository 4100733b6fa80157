"""Routing: the tier classifier (`classify`) and, alongside it, the routing policies.

The names below are loaded on first use (PEP 562), not when a submodule is imported: `larouter.routing.rules` or
`.tiers` (the settings' types, which the CLI loads) must not compile the classifier (about 70 modules and their
patterns: review BF)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from larouter.routing.classifier import classify
    from larouter.routing.rules import DEFAULT, ClassifierConfig
    from larouter.routing.tiers import Decision, Tier

__all__ = ["DEFAULT", "ClassifierConfig", "Decision", "Tier", "classify"]
_WHERE = {"classify": "classifier", "DEFAULT": "rules", "ClassifierConfig": "rules", "Decision": "tiers",
          "Tier": "tiers"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value  # (once: later lookups do not come here)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
