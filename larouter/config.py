"""Settings: frozen attrs tree, one cattrs converter, layered load (defaults < TOML < env)."""

from __future__ import annotations

import copy
import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

import attrs
import platformdirs

from larouter import fsutil
from larouter.routing.rules import DEFAULT as CLASSIFIER_DEFAULT, ClassifierConfig
from larouter.configcarry import carried_over
from larouter.configcheck import problems as settings_problems
from larouter.configconv import make_converter
from larouter.configshipped import default_providers, shipped_variables
from larouter.configerr import SECRET_FIELDS, ConfigError, blame, invalid, structure_problems
from larouter.configvalid import (admin_token as _admin_token, env_name as _env_name, event_loop as _event_loop,
                                  gpu_layers as _gpu_layers, hang_timeout as _hang_timeout,
                                  header_safe_secret as _header_safe_secret,
                                  http_url as _http_url, log_level as _log_level, log_level_name as _log_level_name,
                                  max_output as _max_output, non_negative as _non_negative,
                                  port as _port, positive as _positive, price as _price, threads as _threads,
                                  tokens as _tokens)

log = logging.getLogger("larouter.config")
APP = "larouter"
ENV_PREFIX = "LAROUTER_"
SHORT_ENV = {  # convenient aliases for the most common settings
    "LAROUTER_HOST": ("server", "host"),
    "LAROUTER_PORT": ("server", "port"),
    "LAROUTER_ADMIN_TOKEN": ("server", "admin_token"),
    "LAROUTER_DEFAULT_MODEL": ("routing", "default_model"),
    "LAROUTER_LLAMA_SERVER": ("local", "llama_server"),
    "LAROUTER_LOG_LEVEL": ("server", "log_level"),
}


@attrs.frozen
class Price:
    """USD per million tokens, each at most `prices.MAX_PRICE` (so any call's cost fits the ledger)."""

    input: float = attrs.field(validator=_price)
    output: float = attrs.field(validator=_price)
    cached_input: float | None = attrs.field(default=None, validator=_price)
    max_output: int | None = attrs.field(default=None, validator=_max_output)  # tokens: a budget's worst case


@attrs.frozen
class Provider:
    """One OpenAI-compatible upstream."""

    base_url: str = attrs.field(validator=_http_url)
    api_key: str | None = attrs.field(default=None, repr=False, validator=_header_safe_secret)
    api_key_env: str | None = attrs.field(default=None, validator=_env_name)
    models: tuple[str, ...] = ()
    prices: dict[str, Price] = attrs.Factory(dict)
    local: bool = False
    context_window: int | None = None  # tokens; requests that cannot fit skip this provider in "auto"
    vision: bool = True  # accepts image parts
    audio: bool = True  # accepts input_audio parts (a local model: as its llama-server's /props says)
    tools: bool = True  # honours a forced tool_choice
    connect_timeout: float = attrs.field(default=10.0, validator=_positive)
    read_timeout: float = attrs.field(default=120.0, validator=_positive)
    # ask for usage on streams (`stream_options.include_usage`); off for a server that refuses `stream_options`: its
    # streams' tokens are then estimated (and marked so)
    stream_usage: bool = True
    # OpenAI's reasoning models (o1, o3, o4-mini, gpt-5...) may think for minutes before they send a byte: their
    # calls wait this long when it is longer than read_timeout (under the OpenAI SDK's own 600 s)
    reasoning_read_timeout: float = attrs.field(default=540.0, validator=_positive)
    # where `api_key` came from, for messages ("FAKE_KEY", "providers.fake.api_key (set at runtime)"); set by
    # load_settings, never read from or shown in the settings
    key_source: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @property
    def available(self) -> bool:
        """A provider is usable when it has a key or needs none (local servers)."""
        return self.local or bool(self.api_key)


@attrs.frozen
class Server:
    """Where and how the daemon listens."""

    host: str = "127.0.0.1"
    port: int = attrs.field(default=18790, validator=_port)
    max_body_bytes: int = attrs.field(default=32 * 1024 * 1024, validator=_positive)
    shutdown_grace: float = attrs.field(default=10.0, validator=_positive)
    body_timeout: float = attrs.field(default=30.0, validator=_positive)  # a client must send its body within this
    admin_token: str | None = attrs.field(default=None, repr=False, validator=_admin_token)
    # on a loopback bind, a request with no token from this machine is the admin's; false: every request needs a
    # token, as on a network bind (for a port forwarder or reverse proxy on this host that adds no X-Forwarded-For)
    trust_loopback: bool = True
    # "uvloop" (default; falls back to asyncio where uvloop is not installed, e.g. Windows) or "asyncio"
    event_loop: str = attrs.field(default="uvloop", validator=_event_loop)
    # debug, info, warning or error (any case); a PATCH applies at once; `larouterd --log-level` wins over it
    log_level: str = attrs.field(default="info", converter=_log_level_name, validator=_log_level)


@attrs.frozen
class Routing:
    """How `model: "auto"` is resolved."""

    default_model: str = "gpt-4o-mini"
    policy: str = "cost-optimized"
    cooldown: float = attrs.field(default=30.0, validator=_positive)
    # seconds an "auto" conversation keeps the model that last served it (prompt cache stays warm); 0 = off
    sticky_seconds: float = attrs.field(default=300.0, validator=_non_negative)
    # route a turn as HEARTBEAT once it has come back periodically and was answered with a short ack each time
    learn_heartbeats: bool = True
    heartbeat_min_interval: float = attrs.field(default=60.0, validator=_non_negative)  # closer repeats: one check-in
    # seconds an "auto" stream may send only reasoning before it is committed to (the client sees it live from
    # then on, and that candidate can no longer fail over); 0 = commit at the first reasoning event
    reasoning_hold_seconds: float = attrs.field(default=5.0, validator=_non_negative)
    # policy name -> tier name -> ordered model chain ("local" = the local models); merged over the defaults
    policies: dict[str, dict[str, tuple[str, ...]]] = attrs.Factory(dict)
    classifier: ClassifierConfig = CLASSIFIER_DEFAULT  # keyword lists and thresholds; a list you set replaces ours


@attrs.frozen
class Usage:
    """Usage ledger tuning and the model savings are measured against."""

    baseline_model: str = "gpt-4o"
    batch_rows: int = attrs.field(default=500, validator=_positive)
    flush_interval: float = attrs.field(default=0.1, validator=_positive)  # rows made durable (journaled)
    commit_interval: float = attrs.field(default=1.0, validator=_positive)  # journaled rows committed to DuckDB
    queue_max: int = attrs.field(default=100_000, validator=_positive)
    prices_file: str | None = None


@attrs.frozen
class ModelOverrides:
    """Per-model llama-server flags (unset fields fall back to [local])."""

    ctx_size: int | None = attrs.field(default=None, validator=_tokens)
    gpu_layers: int | None = attrs.field(default=None, validator=_gpu_layers)
    threads: int | None = attrs.field(default=None, validator=_threads)
    quantization: str | None = None
    extra_args: tuple[str, ...] = ()


@attrs.frozen
class Local:
    """Local model settings (llama-server processes)."""

    llama_server: str | None = None
    ctx_size: int = attrs.field(default=8192, validator=_positive)
    gpu_layers: int | None = attrs.field(default=None, validator=_gpu_layers)
    threads: int | None = attrs.field(default=None, validator=_threads)
    parallel: int = attrs.field(default=1, validator=_positive)
    extra_args: tuple[str, ...] = ()
    autostart: bool = True
    start_timeout: float = attrs.field(default=120.0, validator=_positive)
    stop_grace: float = attrs.field(default=5.0, validator=_positive)
    max_restarts: int = attrs.field(default=3, validator=_non_negative)
    restart_backoff: float = attrs.field(default=0.5, validator=_positive)
    restart_window: float = attrs.field(default=600.0, validator=_positive)  # up this long: crashes count from 0
    hang_timeout: float = attrs.field(default=30.0, validator=_hang_timeout)  # no /health answer nor CPU: killed
    idle_unload: float = attrs.field(default=0.0, validator=_non_negative)  # seconds unused before a stop; 0 = never
    # downloads refuse to leave less than this free
    disk_reserve_bytes: int = attrs.field(default=1024**3, validator=_non_negative)
    models: dict[str, ModelOverrides] = attrs.Factory(dict)

    def ctx_size_for(self, model_id: str, context_length: int) -> int:
        """The context (tokens, llama-server's `-c`) a model is started with when a start names none: its
        `[local.models.<id>] ctx_size`, else `ctx_size` capped by the model's context length."""
        over = self.models.get(model_id)
        if over is not None and over.ctx_size is not None:
            return over.ctx_size
        return min(self.ctx_size, context_length)

    def ctx_key(self, model_id: str) -> str:
        """The setting `ctx_size_for` takes a model's context from, for messages."""
        over = self.models.get(model_id)
        return f"local.models.{model_id}.ctx_size" if over is not None and over.ctx_size is not None else "local.ctx_size"


@attrs.frozen
class Settings:
    """The whole settings tree."""

    home: Path
    server: Server = Server()
    providers: dict[str, Provider] = attrs.Factory(dict)
    routing: Routing = Routing()
    local: Local = Local()
    usage: Usage = Usage()
    config_path: Path | None = None


SHAPES: dict[Any, str] = {  # what each table holds, for "expected a table of ..., got 1"
    dict[str, Provider]: "a table of provider name -> provider settings",
    Provider: "a table of provider settings (base_url, api_key_env, models, prices, ...)",
    dict[str, Price]: "a table of model -> price",
    Price: "a table of prices in USD per million tokens (input, output, cached_input) and max_output in tokens",
    dict[str, dict[str, tuple[str, ...]]]: "a table of policy name -> (table of tier -> model list)",
    dict[str, tuple[str, ...]]: "a table of tier -> model list",
    tuple[str, ...]: "a list of strings",
    dict[str, ModelOverrides]: "a table of model -> llama-server settings",
    ModelOverrides: "a table of llama-server settings (ctx_size, gpu_layers, threads, ...)",
    Server: "a table of settings ([server])",
    Routing: "a table of settings ([routing])",
    ClassifierConfig: "a table of classifier rules ([routing.classifier])",
    Local: "a table of settings ([local])",
    Usage: "a table of settings ([usage])",
    Settings: "a table of settings",
}
CONVERTER = make_converter(SHAPES)


def default_config_path(env: Mapping[str, str]) -> Path:
    """`LAROUTER_CONFIG`, else `config.toml` in the platformdirs config dir."""
    if env.get("LAROUTER_CONFIG"):
        return Path(env["LAROUTER_CONFIG"])
    return platformdirs.user_config_path(APP) / "config.toml"


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _env_value(raw: str) -> Any:
    """Parse an env value as a TOML value when it is one (numbers, booleans, arrays), else a string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def env_settings(env: Mapping[str, str]) -> dict[tuple[str, ...], tuple[str, str]]:
    """The settings the environment sets: key path -> (variable, raw value)."""
    found: dict[tuple[str, ...], tuple[str, str]] = {}
    for name, raw in env.items():
        if name in SHORT_ENV:
            found[SHORT_ENV[name]] = (name, raw)
        elif name.startswith(ENV_PREFIX) and "__" in name:
            found[tuple(p.lower() for p in name[len(ENV_PREFIX):].split("__"))] = (name, raw)
    return found


def env_variables(env: Mapping[str, str], overrides: Mapping[str, Any]) -> dict[str, str]:
    """Dotted key -> the variable whose value the settings hold there (not one the runtime overrides replaced)."""
    return {".".join(path): name for path, (name, _) in env_settings(env).items() if not holds(overrides, path)}


def holds(overrides: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = overrides
    for part in path:
        if not isinstance(node, Mapping):
            return True  # a value above the key replaced its whole table
        if part not in node:
            return False
        node = node[part]
    return True


def env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    """`LAROUTER_SECTION__KEY=value` (and the short aliases) as a nested dict."""
    found = env_settings(env)
    out: dict[str, Any] = {}
    for path, (name, raw) in found.items():
        for i in range(1, len(path)):
            if path[:i] in found:  # LAROUTER_PORT=1 and LAROUTER_SERVER__PORT__X=2
                raise ConfigError(f"{name} and {found[path[:i]][0]} both set {'.'.join(path[:i])}: one as a table, "
                                  "one as a value (set it one way)")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = raw if path[-1] in SECRET_FIELDS else _env_value(raw)
    return out


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML config file, failing with the file and position on a syntax error."""
    try:
        return fsutil.toml_of(path.read_bytes())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8; a Latin-1 comment is enough
        raise ConfigError(f"{path}: not valid TOML: byte {exc.object[exc.start]:#04x} at offset {exc.start} is not "
                          "UTF-8 (save the file as UTF-8)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _resolve_keys(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Fill each provider's `api_key` from its `api_key_env` when no key is set; return provider -> the variable."""
    providers = raw.get("providers")
    if not isinstance(providers, dict):
        return {}  # structuring reports it
    resolved = {}
    for name, prov in providers.items():
        if isinstance(prov, dict) and not prov.get("api_key") and prov.get("api_key_env"):
            key_env = prov["api_key_env"]
            if isinstance(key_env, str) and env.get(key_env):
                prov["api_key"] = env[key_env]
                resolved[name] = key_env
    return resolved


def _note_key_sources(settings: Settings, from_env: dict[str, str], variables: dict[str, str],
                      overrides: Mapping[str, Any]) -> None:
    """Record where each provider's key came from (its api_key_env variable, or the `api_key` setting and what set
    it), so an upstream that rejects the key can be told apart from a key in another place."""
    for name, prov in settings.providers.items():
        if not prov.api_key:
            continue
        key = f"providers.{name}.api_key"
        if name in from_env:
            source = from_env[name]
        elif key in variables:
            source = f"{key}, set by {variables[key]}"
        elif holds(overrides, ("providers", name, "api_key")):
            source = f"{key}, set at runtime (larouter config set / PATCH /api/config)"
        else:
            source = f"{key} in the config file"
        object.__setattr__(prov, "key_source", source)  # an init=False field of a frozen class: set once, here


def read_file_layer(config_path: Path | None, env: Mapping[str, str],
                    warn: bool = True) -> tuple[bool, dict[str, Any]]:
    """The config file's layer: whether there is a file to read (named in errors), and its tables ({} without one),
    with a setting in the shape an older LARouter took read in its new one (`configcarry`; `warn`: log it)."""
    path = config_path or default_config_path(env)
    try:
        there = path.exists()
    except OSError:  # (a directory on the way we may not search: `sudo -u other larouter` keeps HOME=/root; the
        there = True  # read says so, naming the file, where it was "unexpected PermissionError": review AO)
    read = there or config_path is not None or bool(env.get("LAROUTER_CONFIG"))
    if not read:
        return False, {}
    tables, notes = carried_over(read_toml(path), toml=True)
    for note in notes if warn else ():
        log.warning("%s: %s", path, note)
    return True, tables


def load_settings(
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    file_layer: tuple[bool, dict[str, Any]] | None = None, *, light: bool = False) -> Settings:
    """Build settings from defaults < TOML file < environment < overrides; raise ConfigError naming the bad key.
    `file_layer`: the file as read before (`read_file_layer`: the daemon's, as at its start), else it is read now.
    `light` (the CLI's load): the shipped classifier rules are not compiled (`configcheck.problems`)."""
    env = os.environ if env is None else env
    path = config_path or default_config_path(env)
    raw: dict[str, Any] = {"providers": default_providers(env)}
    read, file_raw = read_file_layer(config_path, env) if file_layer is None else (
        file_layer[0], copy.deepcopy(file_layer[1]))  # (a copy: the layers below may be changed in place)
    environment = env_layer(env)
    raw = _merge(_merge(raw, file_raw), environment)
    if overrides:
        raw = _merge(raw, overrides)
    if env.get("LAROUTER_HOME"):
        raw["home"] = env["LAROUTER_HOME"]
    raw.setdefault("home", str(platformdirs.user_data_path(APP)))
    raw["config_path"] = str(path)
    from_env = _resolve_keys(raw, env)
    try:
        settings = CONVERTER.structure(raw, Settings)
    except Exception as exc:  # cattrs raises exception groups carrying the path in notes
        found = structure_problems(exc, raw) or [str(exc)]
    else:
        found = list(settings_problems(settings, light))
    if found:  # each problem names the variable that set the key, if one did (a file that is not there is not named)
        shipped = shipped_variables(env, (file_raw, environment, overrides or {}), from_env)
        # the layers in order: a shipped provider's base URL from its SDK variable lies under the file
        first = [name for key, name in shipped.items() if key.endswith(".base_url")]
        where = ", then ".join([*first, *([f"file {path}"] if read else []), "LAROUTER_* environment"])
        where += "" if read else "; no config file"
        variables = {**shipped, **env_variables(env, overrides or {})}
        raise ConfigError(invalid([blame(line, variables) for line in found], where))
    _note_key_sources(settings, from_env, env_variables(env, overrides or {}), overrides or {})
    return settings


def redacted(settings: Settings) -> dict[str, Any]:
    """Settings as plain data with every secret replaced by a marker."""
    return _redact(CONVERTER.unstructure(settings))


def _redact(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ("***" if k in SECRET_FIELDS and v else _redact(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_redact(v) for v in node]
    return node
