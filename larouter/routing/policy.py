"""Routing policies: tier -> ordered candidate chain, filtered by what can serve this request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import attrs

from larouter.models.catalog import Catalog
from larouter.models.supervisor import provider_name
from larouter.proxy.registry import ModelRegistry, Target
from larouter.routing.chains import LOCAL, merged_policies
from larouter.routing.cooldowns import Cooldowns
from larouter.routing.health import LOCAL_PREFIX
from larouter.routing.tiers import Tier

if TYPE_CHECKING:
    from larouter.config import Local, Settings

NO_LOCAL_MODEL = "no local model is registered or downloaded: `larouter models download <id>`"
NOT_LOCAL = "a cloud model: the local-only policy never calls one (its chain names it)"


def apply_routing(policies: dict[str, dict[Tier, tuple[str, ...]]], cooldowns: Cooldowns, settings: Settings) -> None:
    """A PATCHed [routing] takes effect at once: the chains are replaced in place, the cooldown length updated (and
    running cooldowns shortened to it)."""
    fresh = merged_policies(settings.routing.policies)
    policies.clear()
    policies.update(fresh)
    cooldowns.set_seconds(settings.routing.cooldown)


@attrs.frozen
class Candidate:
    """One model in a chain, and why it was skipped (None when usable)."""

    name: str
    target: Target | None
    local_model: str | None = None  # catalog id to autostart when not running
    skipped: str | None = None
    sticky: bool = attrs.field(default=False, eq=False)  # moved to the front: it served this conversation last

    def as_sticky(self) -> Candidate:
        """This candidate, marked as moved to the front (cheaper than attrs.evolve on every sticky request)."""
        return Candidate(self.name, self.target, self.local_model, self.skipped, sticky=True)

    @property
    def label(self) -> str:
        """What cooldowns key it by: its target's `provider/model`, or, for a local model not running, the one its
        server will have (`local:<id>/<id>`), so that a model that fails to start cools down too."""
        if self.target is not None:
            return self.target.label
        return f"local:{self.local_model}/{self.local_model}" if self.local_model else self.name

    @property
    def upstream(self) -> str:
        """The upstream whose health its calls count for (`routing/health.py`): its target's provider, or, for a
        local model not running, the provider its server will be (`local:<id>`)."""
        if self.target is not None:
            return self.target.provider_name
        return provider_name(self.local_model) if self.local_model else self.name

    @property
    def is_local(self) -> bool:
        """Served by a local model (free)."""
        return bool(self.local_model) or bool(self.target and self.target.provider.local)

    def public(self) -> dict[str, Any]:
        """JSON for /api/route/explain."""
        return {"model": self.name, "provider": self.target.provider_name if self.target else None,
                "local": self.is_local, "usable": self.skipped is None, "skipped": self.skipped}


def _has_part(body: dict[str, Any], kind: str) -> bool:
    """Whether any message carries a content part of this type (`image_url`, `input_audio`): a screenshot many turns
    back is still sent to the model."""
    for msg in body.get("messages", ()):
        content = msg.get("content")
        if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == kind for p in content):
            return True
    return False


def _needs_vision(body: dict[str, Any]) -> bool:
    return _has_part(body, "image_url")


def _needs_audio(body: dict[str, Any]) -> bool:
    return _has_part(body, "input_audio")


def local_cannot(body: dict[str, Any], images: bool, audio: bool, llama: bool = True) -> str | None:
    """Why a local model cannot serve the request as it was asked, or None: an image or audio part it takes no such
    input for (llama-server answers 500, which cooled the model for every client: review AL); for one LARouter runs
    (`llama`: its llama-server), a tool named in `tool_choice` or the legacy `functions`, which llama-server ignores
    (the answer came as text, 200, and nothing failed over; `required` it honours)."""
    if not images and _needs_vision(body):
        return "request has images; model is text-only"
    if not audio and _needs_audio(body):
        return "request has audio; model takes no audio"
    legacy = body.get("functions") and body.get("function_call") != "none"  # ("none": a text answer was asked for)
    if llama and (legacy or (body.get("tools") and isinstance(body.get("tool_choice"), dict))):
        return "request names the tool to call (or uses legacy functions), which llama-server ignores"
    return None


def _forced_tools(body: dict[str, Any]) -> bool:
    """Whether the request forces a tool call: `tool_choice` required or naming one, or a legacy `function_call`
    naming a function."""
    choice = body.get("tool_choice")
    if body.get("tools") and (choice == "required" or isinstance(choice, dict)):
        return True
    return bool(body.get("functions")) and isinstance(body.get("function_call"), dict)


def unfit(target: Target, body: dict[str, Any], prompt_tokens: int) -> str | None:
    """Why this provider cannot serve the request (context, images, forced tools), or None."""
    prov = target.provider
    if prov.context_window is not None and prompt_tokens > prov.context_window:
        return f"prompt (~{prompt_tokens} tokens) exceeds its {prov.context_window}-token context"
    if prov.local:  # (one LARouter runs: its llama-server's limits too)
        if (cannot := local_cannot(body, prov.vision, prov.audio, target.provider_name.startswith(LOCAL_PREFIX))):
            return cannot
    elif not prov.vision and _needs_vision(body):
        return "request has images; model has no vision"
    elif not prov.audio and _needs_audio(body):
        return "request has audio; model takes no audio"
    if not prov.tools and _forced_tools(body):
        return "request forces a tool call; model cannot"
    return None


def _local_candidates(registry: ModelRegistry, catalog: Catalog, body: dict[str, Any], local: Local,
                      prompt_tokens: int, loading: frozenset[str]) -> Iterable[Candidate]:
    """The local models: running ones (providers), then the others on disk, each skipped when it cannot serve the
    request or (stopped) a start cannot fit in memory. One that is `loading` (its llama-server started, not ready
    yet) is judged as a running one is: the memory its load took is not free any more, and counting it against
    the model would skip it for its own load (review AF)."""
    running = set()
    for name, prov in registry.providers.items():
        if prov.local and prov.models:
            running.add(prov.models[0])
            target = Target(name, prov, prov.models[0])
            yield Candidate(prov.models[0], target, None, unfit(target, body, prompt_tokens))
    for model in catalog.all():
        if model.id in running or (have := catalog.downloaded(model)) is None:
            continue
        skipped = None if local.autostart else "local model stopped and autostart is off"
        if (cannot := local_cannot(body, "image" in model.modalities, "audio" in model.modalities)) is not None:
            skipped = cannot
        elif prompt_tokens > (ctx := catalog.start_context(model, local)):  # what a start gives it
            length = catalog.context_length(model)  # (capped by the context its GGUF was trained with)
            skipped = (f"prompt (~{prompt_tokens} tokens) exceeds the {ctx}-token context it starts with "
                       f"({local.ctx_key(model.id)})" if ctx < length else
                       f"prompt (~{prompt_tokens} tokens) exceeds its {length}-token context")
        elif (skipped is None and model.id not in loading
              and (need := catalog.ram_needed(model, have, ctx)) > (free := catalog.free_memory()) > 0):
            skipped = f"needs ~{need / 1e9:.1f} GB of RAM to start, {free / 1e9:.1f} GB available"  # (a start would
            # swap, or be killed by the kernel: named, or started by the operator, it is still started)
        yield Candidate(model.id, None, model.id, skipped)


def chain(policy: str, tier: Tier, body: dict[str, Any], registry: ModelRegistry, catalog: Catalog,
          policies: dict[str, dict[Tier, tuple[str, ...]]], local: Local, cooldowns: Cooldowns,
          fallback: str | None = None, prompt_tokens: int = 0, prefer: tuple[str, ...] = (),
          loading: frozenset[str] = frozenset()) -> list[Candidate]:
    """Ordered candidates for this tier under this policy (then `fallback`); usable first, cooled-down last: those of
    a provider cooling down as a whole, then those cooling down themselves (the one that failed so among them).

    `prefer` (the models that served this conversation last: a local one, a cloud one) goes first when the tier's own
    chain has it, usable and not cooling down, and it is local exactly when the first choice is: stickiness reorders
    models of one kind, never the policy's local-or-cloud decision (a heartbeat stays local, real work
    stays in the cloud). The catch-all `fallback` alone never makes a model sticky across tiers. (A local model whose
    server is stopped is never `prefer`red: `proxy.local.warm`.) `loading`: the local models whose llama-server is
    starting (`proxy.local.loading`), not judged by the memory a start needs.
    """
    out: list[Candidate] = []
    seen: set[str] = set()
    tier_names = policies.get(policy, policies["cost-optimized"])[tier]
    names = (*tier_names, fallback) if fallback and policy != "local-only" else tier_names
    own = 0  # out[:own] came from the tier's own chain
    for i, name in enumerate(names):
        found = (list(_local_candidates(registry, catalog, body, local, prompt_tokens, loading)) if name == LOCAL
                 else [_named(registry, catalog, name, body, local, prompt_tokens, loading)])
        if not found:  # the `local` placeholder with no local model: say so in the chain (route explain shows it)
            found = [Candidate(LOCAL, None, None, NO_LOCAL_MODEL)]
        if policy == "local-only":  # whatever its chains were configured to name
            found = [c if c.is_local or c.skipped else attrs.evolve(c, skipped=NOT_LOCAL) for c in found]
        for cand in found:
            if cand.name not in seen:
                seen.add(cand.name)
                out.append(cand)
        if i < len(tier_names):
            own = len(out)
    fresh: list[Candidate] = []
    behind: list[Candidate] = []  # their provider cools down as a whole (another of its models failed so)
    cooling: list[Candidate] = []  # they cool down themselves
    skipped: list[Candidate] = []
    busy = cooldowns.busy()  # (usually nothing cools down: then no candidate's label is even made)
    for c in out:  # one pass, by identity: comparing candidates field by field compares whole provider configs
        if c.skipped is not None:
            skipped.append(c)
        elif not busy or (c.target is None and not c.local_model):
            fresh.append(c)
        elif cooldowns.cooling(c.label):
            cooling.append(c)
        elif cooldowns.provider_cooling(c.upstream):
            behind.append(c)
        else:
            fresh.append(c)
    rest = behind + cooling + skipped
    if prefer:
        fresh = _promote(fresh, prefer, {c.name for c in out[:own]})
    return fresh + rest


def _promote(fresh: list[Candidate], names: tuple[str, ...], own: set[str]) -> list[Candidate]:
    for i, cand in enumerate(fresh):
        if cand.name in names and cand.name in own and cand.is_local == fresh[0].is_local:
            return [cand.as_sticky(), *fresh[:i], *fresh[i + 1:]]
    return fresh


def _named(registry: ModelRegistry, catalog: Catalog, name: str, body: dict[str, Any], local: Local,
           prompt_tokens: int, loading: frozenset[str]) -> Candidate:
    """A model a chain names: a provider's, else a local model by its id (running, or stopped and started by the
    request as the `local` placeholder's are), else skipped."""
    cand = _cloud(registry, name, body, prompt_tokens)
    if cand.target is None and (model := catalog.find(name)) is not None:
        return next((c for c in _local_candidates(registry, catalog, body, local, prompt_tokens, loading)
                     if c.name == model.id), Candidate(name, None, None, f"local model {model.id} is not downloaded"))
    return cand


def _cloud(registry: ModelRegistry, name: str, body: dict[str, Any], prompt_tokens: int) -> Candidate:
    target = registry.lookup(name)
    if target is None:
        return Candidate(name, None, None, "no configured provider serves it")
    if not target.provider.available:
        return Candidate(name, target, None, f"provider {target.provider_name} has no API key")
    return Candidate(name, target, None, unfit(target, body, prompt_tokens))
