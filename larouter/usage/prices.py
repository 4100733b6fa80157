"""The shipped, versioned price table and cost arithmetic."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import attrs


@attrs.frozen
class PriceTable:
    """Provider -> model -> {input, output, cached_input} in USD per 1M tokens."""

    version: str
    prices: dict[str, dict[str, dict[str, float]]]


@cache
def shipped_price_table() -> PriceTable:
    """Load the price table shipped with the package (immutable, cached)."""
    text = resources.files("larouter.usage").joinpath("prices.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    version = str(data.pop("version"))
    return PriceTable(version=version, prices=data)


def default_provider_models() -> dict[str, list[str]]:
    """Model names per provider, in table order."""
    return {prov: list(models) for prov, models in shipped_price_table().prices.items()}
