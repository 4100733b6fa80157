"""Checks of a structured Settings tree that types alone cannot express.

`load_settings` runs them on every load: at start-up, and for every `PATCH /api/config` before anything is
persisted, so a value the daemon would refuse at its next start is refused at once (400) instead.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import attrs

from larouter.configerr import ConfigError
from larouter.routing.tiers import Tier

if TYPE_CHECKING:
    from larouter.config import Settings

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_MODEL_NAME = re.compile(r"[^\s\x00-\x1f\x7f]{1,256}")


def valid_host(host: str) -> bool:
    """An IP address or a DNS name (letters, digits, hyphens; dot-separated labels)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in name.split("."))


def problems(settings: Settings, light: bool = False) -> Iterator[str]:
    """Each problem as `key.path: what is wrong (got value)`. `light`: a load that never classifies (the CLI's)
    does not compile the classifier's rules when they are the shipped ones, which compile (tests/test_classifier)."""
    if not valid_host(settings.server.host):
        yield f"server.host: must be an IP address or a host name, got {settings.server.host!r}"
    routing = settings.routing
    if not _MODEL_NAME.fullmatch(routing.default_model):
        yield f"routing.default_model: must be a model name (no spaces, at most 256 characters), got {routing.default_model!r}"
    yield from _policies(settings)
    yield from _classifier(settings, light)
    yield from _prices(settings)  # ([local]'s values are checked by its validators, all at once: configconv)
    for name in settings.providers:  # (`provider/model` labels its models; `local:<id>` are the running local models)
        if not name.strip() or "/" in name or not name.isprintable() or name.strip().lower().startswith("local:"):
            yield (f"providers.{name}: a provider's name is not empty and has no '/' and no control character, and "
                   f"does not start with 'local:' (the running local models' names), got {name[:64]!r}")


def _prices(settings: Settings) -> Iterator[str]:
    """A readable `usage.prices_file`, and a `usage.baseline_model` with a price (savings are measured in it)."""
    from larouter.usage.pricing import Pricer
    from larouter.usage.prices import load_price_file, shipped_price_table

    table = None
    if settings.usage.prices_file:
        try:
            table = load_price_file(Path(settings.usage.prices_file).expanduser())
        except ConfigError as exc:
            yield str(exc)
            return
    baseline = settings.usage.baseline_model
    if Pricer.build(settings, shipped_price_table(), table).baseline is None:
        yield (f"usage.baseline_model: no price is known for {baseline[:256]!r}, so no savings could be measured "
               "against it: name a model of the shipped price table (such as 'gpt-4o'), of usage.prices_file or of "
               "a providers.<name>.prices table")


MAX_CHAIN = 64  # models a policy's tier may list (review AH: a PATCH of 100,000 held the event loop for 34 s)
MAX_POLICIES = 256  # policies a config may define


def _policies(settings: Settings) -> Iterator[str]:
    from larouter.routing.chains import DEFAULT_POLICIES

    if len(settings.routing.policies) > MAX_POLICIES:
        yield f"routing.policies: {len(settings.routing.policies):,} policies; at most {MAX_POLICIES}"
        return
    for name, chains in settings.routing.policies.items():
        seen: dict[str, str] = {}
        for tier_name, models in chains.items():
            if tier_name.upper() not in Tier.__members__:
                yield f"routing.policies.{name}.{tier_name}: not a tier (use one of {', '.join(Tier.__members__)})"
            elif (other := seen.setdefault(tier_name.upper(), tier_name)) != tier_name:
                yield (f"routing.policies.{name}.{tier_name}: {other!r} sets the {tier_name.upper()} tier already (tier "
                       f"names are read in any case); keep one: set routing.policies.{name}.{other}, or unset it first")
            if not models:  # (review AT: it sent every request of the tier to the paid default_model, silently)
                whose = f"{name}'s built-in" if name in DEFAULT_POLICIES else "cost-optimized's"
                yield (f"routing.policies.{name}.{tier_name}: an empty chain; leave the tier out (unset it) to use "
                       f"{whose} chain, or list the models to try (routing.default_model is tried after them)")
                continue
            if len(models) > MAX_CHAIN:  # (every `auto` request walks its chain: 100,000 entries held the loop 34 s)
                yield (f"routing.policies.{name}.{tier_name}: {len(models):,} models in the chain; at most "
                       f"{MAX_CHAIN} (each `auto` request of the tier tries them in turn)")
                continue
            bad = [m for m in models if not _MODEL_NAME.fullmatch(m)]
            if bad:
                yield f"routing.policies.{name}.{tier_name}: not a model name: {bad[0]!r}"
    known = {*DEFAULT_POLICIES, *settings.routing.policies}
    if settings.routing.policy not in known:
        yield f"routing.policy: unknown policy {settings.routing.policy!r} (known: {', '.join(sorted(known))})"


def _classifier(settings: Settings, light: bool = False) -> Iterator[str]:
    """Compile the classifier's rules (patterns, the learned check-in model) now, not on the first request; a `light`
    load skips the shipped rules (about 170 patterns: 60 ms of each CLI command, review BF)."""
    from larouter.routing.rules import DEFAULT

    classifier = settings.routing.classifier
    threshold = classifier.heartbeat.model_threshold
    if not 0.0 < threshold < 1.0:
        yield f"routing.classifier.heartbeat.model_threshold: must be between 0 and 1 (exclusive), got {threshold!r}"
        return
    if light and classifier == DEFAULT:
        return
    from larouter.routing.compiled import RuleError, compile_rules

    try:
        compile_rules(classifier)
    except RuleError as exc:  # named by its key (review AT: `param` was `routing.classifier` for any of them)
        keys = [exc.key] if exc.key else list(_holding(classifier, DEFAULT, exc.pattern or ""))
        for key in keys or [""]:
            yield f"routing.classifier{'.' + key if key else ''}: {exc}"
    except ValueError as exc:
        yield f"routing.classifier: {exc}"


def _holding(node: Any, shipped: Any, text: str, path: str = "") -> Iterator[str]:
    """The key paths under `node` (an attrs tree of strings and tuples) whose value is `text` and differs from the
    shipped value there (`shipped`; a shipped pattern compiles): `heartbeat.acks[2].before`."""
    if isinstance(node, str):
        if node == text and node != shipped:
            yield path
    elif isinstance(node, tuple):
        for i, item in enumerate(node):
            yield from _holding(item, shipped[i] if isinstance(shipped, tuple) and i < len(shipped) else None, text,
                                f"{path}[{i}]")
    elif attrs.has(type(node)):
        for field in attrs.fields(type(node)):
            yield from _holding(getattr(node, field.name), getattr(shipped, field.name, None), text,
                                f"{path}.{field.name}" if path else field.name)
