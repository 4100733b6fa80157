"""The shipped, versioned price table, optional price files in the same format, and their validation.

Format (TOML, USD per million tokens)::

    version = "2026-11-01"            # the table's date; recorded with every priced call
    [openai]
    "gpt-4o" = { input = 2.50, output = 10.00, cached_input = 1.25, max_output = 16384 }

`max_output` (optional) is the most output tokens the model gives one answer: a budget's worst case for a request
that sets no `max_tokens` (`proxy/billing.py`).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from larouter.configerr import ConfigError
from larouter.fsutil import toml_of

RATE_KEYS = frozenset({"input", "output", "cached_input", "max_output"})
MAX_OUTPUT = 10_000_000  # the largest `max_output` accepted, in tokens (the largest model limits today are ~10^5)
# The highest price accepted, in USD per million tokens (input, output and cached_input alike; the dearest list
# price today is $75). The ledger stores a call's cost as DECIMAL(18, 10), so below 10^8 USD, and clamps each token
# count at 2^31 - 1 (`records.MAX_TOKENS`; cached tokens are part of the input tokens). At this price the dearest
# call it can record, 2^31 - 1 input and 2^31 - 1 output tokens, costs 2 * (2^31 - 1) * 10,000 / 10^6 =
# 42,949,672.94 USD: it fits. Every price goes through `price_problem`: config, `usage.prices_file`, shipped table.
MAX_PRICE = 10_000.0


def price_problem(value: Any) -> str | None:
    """What is wrong with a price (USD per million tokens), or None: a finite number from 0 to MAX_PRICE."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_PRICE:
        return f"must be a price in USD per million tokens from 0 to {MAX_PRICE:,.0f}, got {value!r}"
    return None


def max_output_problem(value: Any) -> str | None:
    """What is wrong with a model's `max_output`, or None: a whole number of tokens from 1 to MAX_OUTPUT."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OUTPUT:
        return f"must be a whole number of tokens from 1 to {MAX_OUTPUT:,}, got {value!r}"
    return None


@attrs.frozen
class PriceTable:
    """Provider -> model -> {input, output, cached_input} in USD per 1M tokens (and `max_output` in tokens)."""

    version: str
    prices: dict[str, dict[str, dict[str, float]]]


@cache
def shipped_price_table() -> PriceTable:
    """Load the price table shipped with the package (immutable, cached)."""
    text = resources.files("larouter.usage").joinpath("prices.toml").read_text("utf-8")
    return parse_price_table(tomllib.loads(text), "larouter/usage/prices.toml")


def default_provider_models() -> dict[str, list[str]]:
    """Model names per provider, in table order."""
    return {prov: list(models) for prov, models in shipped_price_table().prices.items()}


def load_price_file(path: Path) -> PriceTable:
    """Read `usage.prices_file`; raise ConfigError naming the file and the bad key."""
    try:
        data = toml_of(path.read_bytes())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"usage.prices_file {path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # (a traceback and exit 1 at start, a 500 from PATCH: review Z2)
        raise ConfigError(f"usage.prices_file {path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                          f"{exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"usage.prices_file {path}: cannot read: {exc.strerror}") from None
    return parse_price_table(data, f"usage.prices_file {path}")


def parse_price_table(data: dict[str, Any], source: str) -> PriceTable:
    """Validate a decoded price table: a string `version` and provider tables of model rates."""
    data = dict(data)
    version = data.pop("version", None)
    if not isinstance(version, str) or not version.strip():
        raise ConfigError(f"{source}: 'version' is required and must be a string (the table's date)")
    prices: dict[str, dict[str, dict[str, float]]] = {}
    for prov, models in data.items():
        if not isinstance(models, dict):
            raise ConfigError(f"{source}: {prov}: expected a table of models, got {models!r}")
        prices[prov] = {model: _rate(rate, f"{source}: {prov}.{model}") for model, rate in models.items()}
    return PriceTable(version=version, prices=prices)


def _rate(rate: Any, where: str) -> dict[str, float]:
    if not isinstance(rate, dict):
        raise ConfigError(f"{where}: expected {{input, output, cached_input, max_output}}, got {rate!r}")
    unknown = set(rate) - RATE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    for key in ("input", "output"):
        if key not in rate:
            raise ConfigError(f"{where}.{key}: required")
    out: dict[str, float] = {}
    for key, value in rate.items():
        problem = max_output_problem(value) if key == "max_output" else price_problem(value)
        if problem:
            raise ConfigError(f"{where}.{key}: {problem}")
        out[key] = value if key == "max_output" else float(value)
    return out
