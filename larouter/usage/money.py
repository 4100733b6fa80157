"""USD amounts as the ledger keeps them and as output shows them. No imports of the settings or the daemon's
stack: the CLI uses these (review BF)."""

from __future__ import annotations

from typing import Iterable

MONEY_PLACES = 10  # USD decimal places the ledger keeps (DECIMAL(18, 10)); money in API output is rounded to them


def exact_places(values: Iterable[float | None], least: int = 4, most: int = 6) -> int:
    """The fewest decimals from `least` to `most` at which every amount shows as it is (so a table's rows add up to
    the total beside them, and a budget of $4.999 is not shown as $5.00), else `most`."""
    amounts = [v for v in values if v]
    for places in range(least, most):
        if all(abs(round(v, places) - v) < 1e-12 for v in amounts):
            return places
    return most


def round_usd(amount: float) -> float:
    """A USD amount for API output: to the ledger's places, so float noise (0.09100000000000001) never shows."""
    return round(amount, MONEY_PLACES)


def usd_text(amount: float) -> str:
    """A USD amount as plain decimal text (never an exponent) to the same places: `0.062`, `49.5`, `0`."""
    return f"{amount:.{MONEY_PLACES}f}".rstrip("0").rstrip(".")
