"""Runtime configuration: the current settings, PATCHed live and persisted atomically."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import attrs

from larouter import configguard
from larouter.configcarry import carried_over
from larouter.configshipped import hidden_base_urls
from larouter.config import (CONVERTER, SECRET_FIELDS, ConfigError, Settings, env_settings, env_variables, holds,
                             load_settings, read_file_layer, redacted)
from larouter.routing.rules import DEFAULT as CLASSIFIER_DEFAULT
from larouter.configerr import FLAG_HELD, dropped_base_url
from larouter.apierror import bad_request
from larouter.fsutil import atomic_write, storage_error
from larouter.statefile import damaged, load_json_file

log = logging.getLogger("larouter.runtime")
# Read once, at start: a change applies at the next start (a PATCH lists it in `restartRequired`).
RESTART_KEYS = {("server", "host"), ("server", "port"), ("server", "max_body_bytes"), ("server", "trust_loopback"),
                ("server", "body_timeout"), ("server", "event_loop"), ("usage", "batch_rows"),
                ("usage", "flush_interval"), ("usage", "commit_interval"), ("usage", "queue_max")}


# Values set at runtime that a later version's checks refuse (a short admin token, a price over 10,000 accepted by an
# older release) stop the start, and `larouter config unset` needs a running daemon (review W): the way out by hand.
OVERRIDES_ADVICE = ("\nIt holds the settings changed at runtime (`larouter config set`, PATCH /api/config), perhaps "
                    "by another LARouter version that accepted these values: delete each key named from the JSON (the "
                    "config file's or the default value applies again) while larouterd is stopped.")


def runtime_file(home: Path) -> Path:
    """Where PATCHed settings are persisted (the top layer: above file and environment)."""
    return home / "runtime-config.json"


def read_overrides(home: Path) -> dict[str, Any]:
    """The persisted runtime overrides, or {} (ConfigError naming the file when it is damaged); a setting in the
    shape an older LARouter wrote is read in its new one, with a warning (`configcarry`), and written so at the next
    change."""
    path = runtime_file(home)
    if not path.exists():
        return {}
    overrides, notes = carried_over(load_json_file(path, dict, "settings"), toml=False)
    for note in notes:
        log.warning("%s: %s", path, note)
    return overrides  # type: ignore[no-any-return]


def merge(base: Any, patch: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a JSON merge patch (RFC 7396): null deletes a key, at any depth. An object merges into what is there,
    or into {} when that is no object, so no null is ever kept (`{"routing": {"policies": null}}` drops that
    override, whether or not `routing` had one)."""
    out = dict(base) if isinstance(base, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping):
            out[key] = merge(out.get(key), value)
        else:
            out[key] = value
    return out


def _paths(node: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for key, value in node.items():
        nested = _paths(value, (*prefix, key)) if isinstance(value, Mapping) else set()
        out |= nested or {(*prefix, key)}  # an empty object is a leaf too
    return out


def restart_required(started: Settings, new: Settings, touched: set[tuple[str, ...]]) -> list[str]:
    """The restart-only keys a patch touched (`{"server": null}` touches every `server.*`) whose new value differs
    from the one in force since the start."""
    def value(settings: Settings, key: tuple[str, ...]) -> Any:
        return getattr(getattr(settings, key[0]), key[1])

    return sorted(".".join(key) for key in RESTART_KEYS
                  if any(path[:len(key)] == key[:len(path)] for path in touched)
                  and value(new, key) != value(started, key))


@functools.lru_cache(maxsize=1)
def shipped_classifier() -> dict[str, Any]:
    """The shipped classifier settings as plain data (made once: the rule set is large)."""
    return CONVERTER.unstructure(CLASSIFIER_DEFAULT)


SHOWN_LISTS = frozenset({"known_prompts"})  # the classifier's lists shown as they are (the README's; short)


def classifier_shown(value: Any, base: Any) -> Any:
    """The classifier's settings as shown (plain data): every number, switch and file name and the lists of
    SHOWN_LISTS, and of its other word lists and regular expressions (the large part) only those that differ from
    `base`, the shipped ones; recursively."""
    if isinstance(value, dict) and isinstance(base, dict):
        out = {}
        for key, item in value.items():
            if key not in base:
                out[key] = item
            elif isinstance(item, dict):
                if inner := classifier_shown(item, base[key]):
                    out[key] = inner
            elif (item != base[key] or not isinstance(item, (list, str)) or str(key).endswith("_file")
                  or key in SHOWN_LISTS):
                out[key] = item
        return out
    return value


def mask(secret: str) -> str:
    """`sk-...abcd`: enough to recognise a key, never enough to use it."""
    if len(secret) < 12:
        return "***"
    return f"{secret[:3]}...{secret[-4:]}"


@attrs.define
class Runtime:
    """Holds the live Settings; `patch` validates with the same converter, persists, then applies."""

    settings: Settings
    config_path: Path | None
    env: Mapping[str, str]
    overrides: dict[str, Any]
    cli: Mapping[str, Any] = attrs.Factory(dict)  # command-line flags: applied on top, never persisted
    listeners: list[Callable[[Settings], None]] = attrs.Factory(list)
    # checks of new settings against the app's state before they are persisted (blocking; ConfigError -> 400)
    checks: list[Callable[[Settings], None]] = attrs.Factory(list)
    lock: asyncio.Lock = attrs.Factory(asyncio.Lock)
    started: Settings | None = None  # the settings in force since the start (restart-only keys keep these values)
    # The config file as read at the start: a PATCH builds on it, never on the file as it is now (an operator's edits
    # for the next start went live with any unrelated PATCH, guarded keys and restart-only ones included: review AJ)
    file_layer: tuple[bool, dict[str, Any]] | None = None

    def __attrs_post_init__(self) -> None:
        if self.started is None:
            self.started = self.settings

    def variables(self) -> dict[str, str]:
        """Dotted key -> the environment variable whose value the settings hold there, for messages."""
        return env_variables(self.env, self.overrides)

    def shadowed(self, file_settings: Mapping[str, Any]) -> list[str]:
        """The keys (dotted) a config file sets that a runtime change overrides (the file's value is not in force)."""
        return sorted(".".join(p) for p in _paths(self.overrides) & _paths(file_settings))

    def hidden_variables(self) -> list[str]:
        """The environment variables whose setting a runtime change overrides (`VAR (dotted.key)`; never a value):
        a `LAROUTER_*` setting, a provider's key variable (`api_key_env`) or base-URL one (`OPENAI_BASE_URL`), changed
        for a restart, was ignored without a word (the file's keys were said: reviews AJ, AU)."""
        found = {path: name for path, (name, _) in env_settings(self.env).items() if holds(self.overrides, path)}
        for path, name in hidden_base_urls(self.env, self.file_layer, self.overrides).items():
            found.setdefault(path, name)
        for name, prov in self.settings.providers.items():
            path = ("providers", name, "api_key")
            if prov.api_key_env and self.env.get(prov.api_key_env) and holds(self.overrides, path):
                found.setdefault(path, prov.api_key_env)
        return sorted(f"{var} ({'.'.join(path)})" for path, var in found.items())

    def view(self) -> dict[str, Any]:
        """Effective settings with every secret masked."""
        raw = redacted(self.settings)
        for name, prov in self.settings.providers.items():
            if prov.api_key:
                raw["providers"][name]["api_key"] = mask(prov.api_key)
        # (the admin token stays "***": its ends would tell a local user, who may read this without it, 7 of its
        # characters; a provider's key's ends only help to tell keys apart)
        # The classifier's rule set is large: its lists and patterns are shown where they differ from the shipped ones
        # (set in the config file, the environment or at runtime), its numbers, switches and file names always.
        raw["routing"]["classifier"] = classifier_shown(raw["routing"]["classifier"], shipped_classifier())
        return raw

    async def patch(self, patch: Any, by_token: bool = False, notes: list[str] | None = None) -> list[str]:
        """Apply a merge patch; on any error nothing changes. Returns keys that need a restart; `notes` gets what the
        caller should be told (the config file unreadable now). Without `by_token` (the caller presented the admin
        token) a change of a guarded key is a 403 (`configguard`)."""
        if not isinstance(patch, dict) or not patch:
            raise bad_request("PATCH body must be a non-empty JSON object of settings to change", None, "invalid_json")
        # Shielded: a client that hangs up (aiohttp then cancels its handler) must not leave the file written and the
        # live settings not, which the next patch would then silently undo.
        return await asyncio.shield(self._apply(patch, by_token, notes if notes is not None else []))

    async def _apply(self, patch: dict[str, Any], by_token: bool, notes: list[str]) -> list[str]:
        async with self.lock:  # (the overrides it thins against and merges into are the ones it replaces)
            view = self.view()
            if any(key in patch and patch[key] != view[key] for key in ("home", "config_path")):
                raise bad_request("'home' and 'config_path' cannot be changed at runtime", "home")
            now = await asyncio.to_thread(self._file_now)  # (once: what the next start reads)
            block = len(_paths(patch)) > 1  # (one setting is set as sent, `config set`: pinned even as it is in force)
            # A file edited since the start may not hold what is in force now: a block restoring a policy taken out of
            # it (equal to what is in force) is kept whole, or the next start would lack it (review AM)
            thin = block and now == self.file_layer
            patch = unchanged_dropped(unmasked(patch, view, block), view, self.overrides, thin)
            if not patch:  # (the whole view sent back as it was: nothing to change, nothing to pin)
                return []
            overrides = merge(self.overrides, patch)
            configguard.check(self.overrides, overrides, by_token, str(self.settings.home))
            try:
                new = await asyncio.to_thread(self._load, overrides, now, notes)
            except ConfigError as exc:
                detail = dropped_base_url(str(exc).split("\n", 1)[-1].strip(), patch)
                raise bad_request(detail, _param(detail, patch), "invalid_config") from None
            try:
                await asyncio.to_thread(atomic_write, runtime_file(new.home), json.dumps(overrides, indent=2).encode())
            except OSError as exc:
                raise storage_error(exc, "the settings change") from None
            self.overrides, self.settings = overrides, new
            for listener in self.listeners:
                listener(new)
            notes.extend(self._flag_held(_paths(patch)))
        return restart_required(self.started or new, new, _paths(patch))

    def _flag_held(self, touched: set[tuple[str, ...]]) -> list[str]:
        """A note per key the patch changed that a command-line flag holds (`larouterd --log-level debug`): the flag
        wins while this daemon runs, the change is saved for a start without it."""
        return [f"{'.'.join(key)} {FLAG_HELD} (--{key[-1].replace('_', '-')}), which wins while "
                "it runs: this change is saved, and applies at a start without that option"
                for key in sorted(_paths(self.cli)) if any(path[:len(key)] == key[:len(path)] for path in touched)]

    def _load(self, overrides: dict[str, Any], now: tuple[bool, dict[str, Any]] | None,
              notes: list[str]) -> Settings:
        """The settings these overrides give now (under the command-line flags) and at the next start without the
        flags: a value the next start would refuse is refused now, not persisted (blocking: reads files). `now`: the
        config file as it is now (`_file_now`)."""
        if self.cli:
            load_settings(self.config_path, self.env, overrides, self.file_layer)
        settings = load_settings(self.config_path, self.env, merge(overrides, self.cli), self.file_layer)
        for check in self.checks:
            check(settings)
        self._next_start(overrides, now, notes)
        return settings

    def _file_now(self) -> tuple[bool, dict[str, Any]] | None:
        """The config file's layer as it is now, None when it cannot be read (blocking)."""
        try:
            return read_file_layer(self.config_path, self.env, warn=False)  # (the start said it)
        except ConfigError:
            return None

    def _next_start(self, overrides: dict[str, Any], now: tuple[bool, dict[str, Any]] | None,
                    notes: list[str]) -> None:
        """Refuse overrides the config file as it is now (`now`: edited since the start) would refuse at the next
        start: a policy or provider taken out of the file and then named by a runtime change left a daemon that would
        not start again (review AK). A file that the next start refuses whatever the overrides (half-edited) is no
        reason to refuse a change: the start will say what is wrong with it; `notes` says the change could not be
        checked against it (review AM)."""
        if now is None:
            notes.append(f"the config file {self.settings.config_path} cannot be read now (edited since larouterd "
                         "started?): this change was checked against the file as it was read at the start; the next "
                         "start reads it as it is then, and refuses a configuration it cannot use, naming the key")
            return
        if now == self.file_layer:
            return
        try:
            load_settings(self.config_path, self.env, overrides, now)
        except ConfigError as exc:
            try:
                load_settings(self.config_path, self.env, None, now)
            except ConfigError:
                notes.append("the config file as it is now would not let larouterd start, whatever this change: the "
                             "start names what is wrong with it")
                return
            detail = str(exc).split("\n", 1)[-1].strip()
            raise ConfigError(f"invalid at the next start:\n{detail} (with the config file as it is now: it was edited "
                              "since larouterd started, and the next start reads it)") from None


def unmasked(patch: dict[str, Any], view: Mapping[str, Any], block: bool = True,
             path: tuple[str, ...] = ()) -> dict[str, Any]:
    """The patch without the secrets it sends back as `view` (GET /api/config) shows them, nor (a `block` of settings)
    the guarded settings (`configguard`) it sends back as they are: a client that edits the block it read and sends it
    whole leaves those keys as they are (without the admin token, a block holding `heartbeat.model_file` or
    `usage.prices_file` as shown was a 403). Any other masked value (`sk-...abcd`, `***`) is a 400: the mask is never
    a key, and storing it would break every call to the provider."""
    out: dict[str, Any] = {}
    for key, value in patch.items():
        shown = view.get(key) if isinstance(view, Mapping) else None
        if isinstance(value, dict):
            out[key] = unmasked(value, shown if isinstance(shown, Mapping) else {}, block, (*path, key))
        elif key in SECRET_FIELDS and isinstance(value, str) and _MASK_RE.fullmatch(value):
            if value != shown:
                raise bad_request(f"{'.'.join((*path, key))} is a masked value, as GET /api/config shows a secret; "
                                  "send the secret itself (or leave the key out to keep it)", ".".join((*path, key)),
                                  "masked_secret")
        elif value is None or value != shown or not block or not configguard.is_guarded((*path, key)):
            out[key] = value
    return out


def unchanged_dropped(patch: dict[str, Any], view: Mapping[str, Any], overrides: Mapping[str, Any],
                      block: bool = True, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """The patch without a `null` for a key no runtime override holds (there is nothing to drop), without `home` and
    `config_path` (`patch` checked them), and, in a `block` of several settings, without the values it sets to what
    is in force already (`view`: the same JSON value) where no runtime override (`overrides`) holds that key: a block
    read from GET /api/config and sent back whole pins nothing, so a later edit of the config file still applies
    (every value it held became a runtime override that hid the file's, review AG); one setting (`config set`) is
    saved as sent, pinned even as it is in force (review AK). An empty object is kept only where none is in force (a
    new policy or provider: merged into one, it changes nothing)."""
    out: dict[str, Any] = {}
    for key, value in patch.items():
        here = (*path, key)
        if not path and key in ("home", "config_path"):
            continue
        shown = view.get(key) if isinstance(view, Mapping) else None
        held = overrides.get(key, _NO_OVERRIDE) if isinstance(overrides, Mapping) else _NO_OVERRIDE
        if isinstance(value, Mapping):
            inner = unchanged_dropped(value, shown if isinstance(shown, Mapping) else {},
                                      held if isinstance(held, Mapping) else {}, block, here)
            if inner or not isinstance(shown, Mapping):
                out[key] = inner
        elif held is not _NO_OVERRIDE or (value is not None and (
                not block or json.dumps(value, sort_keys=True) != json.dumps(shown, sort_keys=True))):
            out[key] = value
    return out


_NO_OVERRIDE = object()
_MASK_RE = re.compile(r"\*\*\*|[\x21-\x7e]{3}\.\.\.[\x21-\x7e]{4}")  # `mask`'s two forms


def _param(detail: str, patch: Mapping[str, Any]) -> str:
    """The setting the first problem names (so `param` and the message agree: a price missing `input` is
    `...prices.m.input` however the patch spelled the rest), else the patch's first key path."""
    named = detail.split(":", 1)[0].split(" ", 1)[0]
    if named.split(".", 1)[0] in attrs.fields_dict(Settings):
        return named
    paths = sorted(".".join(p) for p in _paths(patch))
    return paths[0] if paths else ""


def secret_keys() -> frozenset[str]:
    """Field names treated as secrets."""
    return SECRET_FIELDS


def load_runtime(config_path: Path | None, env: Mapping[str, str] | None = None,
                 cli: Mapping[str, Any] | None = None, *, light: bool = False) -> Runtime:
    """Load settings with persisted runtime overrides on top (and CLI flags above those). `light`: for a caller that
    never classifies (the `larouter` CLI, which needs the home, the address and the token): the shipped classifier
    rules are not compiled (`load_settings`); the settings and every problem found are the same."""
    env = os.environ if env is None else env
    layer = read_file_layer(config_path, env)  # read once: a PATCH later builds on the file as it was at the start
    # the file and environment in full, even the keys a flag overrides
    first = load_settings(config_path, env, file_layer=layer, light=light)
    overrides = read_overrides(first.home)
    try:
        settings = load_settings(config_path, env, overrides, layer, light=light) if overrides else first
    except ConfigError as exc:  # the settings were valid without the overrides: the file is to blame
        detail = str(exc).split("\n", 1)[-1].strip()
        raise ConfigError(damaged(runtime_file(first.home), f"invalid settings: {detail}") + OVERRIDES_ADVICE) from None
    if cli:
        try:
            settings = load_settings(config_path, env, merge(overrides, cli), layer, light=light)
        except ConfigError as exc:
            detail = str(exc).split("\n", 1)[-1].strip()
            raise ConfigError(f"invalid command-line option: {detail}") from None
    return Runtime(settings, config_path, env, overrides, dict(cli or {}), file_layer=layer)
