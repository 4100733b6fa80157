"""Which rate prices a call, what the call cost, and what the same tokens would have cost on the baseline model.

Lookup for a call served by provider P as model M, first match wins:

1. P is local (`providers.P.local = true`): $0 by definition, source "local".
2. `providers.P.prices."M"` in the config: source "config".
3. `usage.prices_file` [P]."M", then the shipped table [P]."M": source is that table's version (its date).
4. The same model name priced for any other provider: in the config (`providers.*.prices`), then in the price file,
   then in the shipped table (a reseller or gateway that keeps the vendor's model names and prices).
5. A dated snapshot without a price of its own (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`): steps 2-4 for
   the name without its date, source "<that source> as <name>". A snapshot priced differently from its alias is
   listed under its own name in the shipped table (`gpt-4o-2024-05-13`), so step 3 finds it first.

No match: the cost is unknown (NULL, `price_known = false`), never a silent $0. A call that used no tokens
costs exactly $0 whatever its model.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

import attrs

from larouter.config import Price, Provider, Settings
from larouter.usage.prices import PriceTable

PER_TOKENS = 1_000_000.0
RATE_CACHE_MAX = 4096  # (provider, model) lookups a Pricer remembers; model names can come from clients
SNAPSHOT_RE = re.compile(r"(.+?)-(?:20\d\d-[01]\d-[0-3]\d|20\d\d[01]\d[0-3]\d)")  # name-2024-08-06, name-20250929
@attrs.define
class Tokens:
    """Token counts of one call; `estimated` when the upstream did not report them. (Not frozen: a frozen attrs
    class costs twice as much to build, 0.53 vs 0.25 us, and one is built per call on the event loop.)"""

    input: int = 0
    output: int = 0
    cached: int = 0
    estimated: bool = False

    @property
    def empty(self) -> bool:
        """True when the call used no tokens at all."""
        return not (self.input or self.output)


@attrs.frozen
class Rate:
    """USD per million tokens and where that price came from; `max_output`, when known, bounds one answer's tokens."""

    input: float
    output: float
    cached_input: float | None
    source: str
    max_output: int | None = None

    def cost(self, tokens: Tokens) -> float:
        """Cost in USD; cached prompt tokens are part of `input` and billed at the cached rate."""
        cached = min(tokens.cached, tokens.input)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        total = (tokens.input - cached) * self.input + cached * cached_rate + tokens.output * self.output
        return total / PER_TOKENS


LOCAL = Rate(0.0, 0.0, 0.0, "local")


@attrs.frozen
class Quote:
    """The priced outcome of one call."""

    cost: float | None
    baseline_cost: float | None
    source: str | None

    @property
    def price_known(self) -> bool:
        """False when no price applied, so the cost is unknown rather than zero."""
        return self.cost is not None


def rate_from_price(price: Price, source: str) -> Rate:
    """A config `Price` as a Rate."""
    return Rate(price.input, price.output, price.cached_input, source, price.max_output)


def _table_rates(table: PriceTable) -> dict[str, dict[str, Rate]]:
    return {
        prov: {m: Rate(r["input"], r["output"], r.get("cached_input"), table.version,
                    None if r.get("max_output") is None else int(r["max_output"])) for m, r in models.items()}
        for prov, models in table.prices.items()
    }


def _by_model(tables: Iterable[dict[str, dict[str, Rate]]]) -> dict[str, Rate]:
    """Model name -> first rate seen, earlier tables first."""
    out: dict[str, Rate] = {}
    for table in tables:
        for models in table.values():
            for model, rate in models.items():
                out.setdefault(model, rate)
    return out


@attrs.frozen
class Pricer:
    """Prices calls; immutable but for a bounded memo of rate lookups, safe to share between threads. Built again
    whenever the settings change (`Ledger.reconfigure`), so the memo never outlives the prices it read."""

    by_provider: dict[str, dict[str, Rate]]
    by_model: dict[str, Rate]
    baseline_model: str
    baseline: Rate | None
    # the providers' settings these prices were built with: only their rates are memoised (see `rate`)
    providers: Mapping[str, Provider] = attrs.field(factory=dict, eq=False, repr=False)
    _rates: dict[tuple[str, str], Rate | None] = attrs.field(factory=dict, eq=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, shipped: PriceTable, file_table: PriceTable | None = None) -> "Pricer":
        """Merge config prices, the optional price file and the shipped table."""
        shipped_rates = _table_rates(shipped)
        file_rates = _table_rates(file_table) if file_table else {}
        by_provider = {p: dict(m) for p, m in shipped_rates.items()}
        for prov, models in file_rates.items():
            by_provider.setdefault(prov, {}).update(models)
        config_rates = {
            name: {m: rate_from_price(p, "config") for m, p in prov.prices.items()} for name, prov in settings.providers.items()
        }
        by_model = _by_model([config_rates, file_rates, shipped_rates])
        baseline_name = settings.usage.baseline_model
        return cls(by_provider, by_model, baseline_name, by_model.get(baseline_name), settings.providers)

    def rate(self, provider_name: str, provider: Provider, model: str) -> Rate | None:
        """The rate for `model` served by this provider, or None when no price is known."""
        if provider.local:
            return LOCAL
        key = (provider_name, model)
        try:
            return self._rates[key]
        except KeyError:
            pass
        rate = self._lookup(provider_name, provider, model)
        snapshot = SNAPSHOT_RE.fullmatch(model) if rate is None else None
        if snapshot is not None and (alias := self._lookup(provider_name, provider, snapshot[1])) is not None:
            rate = attrs.evolve(alias, source=f"{alias.source} as {snapshot[1]}")
        # Memoised only for the provider's current settings: a call admitted before a price PATCH is priced with the
        # settings it was sent under, and memoising that old rate under the provider's name gave every later call
        # (and budget check) the old price until the next change (review V).
        if len(self._rates) < RATE_CACHE_MAX and self.providers.get(provider_name) is provider:
            self._rates[key] = rate
        return rate

    def _lookup(self, provider_name: str, provider: Provider, model: str) -> Rate | None:
        """Steps 2-4 of the module's lookup for this exact model name."""
        price = provider.prices.get(model)
        if price is not None:
            return rate_from_price(price, "config")
        return self.by_provider.get(provider_name, {}).get(model) or self.by_model.get(model)

    def price(self, rate: Rate | None, tokens: Tokens) -> tuple[float | None, float | None, str | None]:
        """(cost, baseline cost, price source) of these tokens at this rate; cost None when unknown."""
        baseline = None if self.baseline is None else self.baseline.cost(tokens)
        if not (tokens.input or tokens.output):
            return 0.0, baseline, rate.source if rate else None
        if rate is None:
            return None, baseline, None
        return rate.cost(tokens), baseline, rate.source

    def quote(self, rate: Rate | None, tokens: Tokens) -> Quote:
        """Cost and baseline cost of these tokens at this rate."""
        return Quote(*self.price(rate, tokens))
