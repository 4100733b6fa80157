"""Settings: frozen attrs tree, one cattrs converter, layered load (defaults < TOML < env)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import attrs
import cattrs
import platformdirs
from cattrs.errors import IterableValidationError, IterableValidationNote

from larouter.routing.rules import DEFAULT as CLASSIFIER_DEFAULT, ClassifierConfig
from larouter.configcheck import check as check_settings
from larouter.configerr import ConfigError, FieldError, format_structure_error

APP = "larouter"
ENV_PREFIX = "LAROUTER_"
SHORT_ENV = {  # convenient aliases for the most common settings
    "LAROUTER_HOST": ("server", "host"),
    "LAROUTER_PORT": ("server", "port"),
    "LAROUTER_ADMIN_TOKEN": ("server", "admin_token"),
    "LAROUTER_DEFAULT_MODEL": ("routing", "default_model"),
    "LAROUTER_LLAMA_SERVER": ("local", "llama_server"),
}
SECRET_FIELDS = frozenset({"api_key", "admin_token"})


def _positive(_inst: Any, attr: attrs.Attribute, value: float) -> None:
    if value <= 0:
        raise FieldError(attr.name, f"must be > 0, got {value!r}")


def _non_negative(_inst: Any, attr: attrs.Attribute, value: float) -> None:
    if value < 0:
        raise FieldError(attr.name, f"must be >= 0, got {value!r}")


def _port(_inst: Any, attr: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= 65535:
        raise FieldError(attr.name, f"must be a TCP port (0-65535), got {value!r}")


def _event_loop(_inst: Any, attr: attrs.Attribute, value: str) -> None:
    if value not in ("uvloop", "asyncio"):
        raise FieldError(attr.name, f"must be 'uvloop' or 'asyncio', got {value!r}")


def _http_url(_inst: Any, attr: attrs.Attribute, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FieldError(attr.name, f"must be an http(s) URL, got {value!r}")


@attrs.frozen
class Price:
    """USD per million tokens."""

    input: float = attrs.field(validator=_non_negative)
    output: float = attrs.field(validator=_non_negative)
    cached_input: float | None = None


@attrs.frozen
class Provider:
    """One OpenAI-compatible upstream."""

    base_url: str = attrs.field(validator=_http_url)
    api_key: str | None = attrs.field(default=None, repr=False)
    api_key_env: str | None = None
    models: tuple[str, ...] = ()
    prices: dict[str, Price] = attrs.Factory(dict)
    local: bool = False
    context_window: int | None = None  # tokens; requests that cannot fit skip this provider in "auto"
    vision: bool = True  # accepts image parts
    tools: bool = True  # honours a forced tool_choice
    connect_timeout: float = attrs.field(default=10.0, validator=_positive)
    read_timeout: float = attrs.field(default=120.0, validator=_positive)

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
    admin_token: str | None = attrs.field(default=None, repr=False)
    # "uvloop" (default; falls back to asyncio where uvloop is not installed, e.g. Windows) or "asyncio"
    event_loop: str = attrs.field(default="uvloop", validator=_event_loop)


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

    ctx_size: int | None = None
    gpu_layers: int | None = None
    threads: int | None = None
    quantization: str | None = None
    extra_args: tuple[str, ...] = ()


@attrs.frozen
class Local:
    """Local model settings (llama-server processes)."""

    llama_server: str | None = None
    ctx_size: int = attrs.field(default=8192, validator=_positive)
    gpu_layers: int | None = None
    threads: int | None = None
    parallel: int = attrs.field(default=1, validator=_positive)
    extra_args: tuple[str, ...] = ()
    autostart: bool = True
    start_timeout: float = attrs.field(default=120.0, validator=_positive)
    stop_grace: float = attrs.field(default=5.0, validator=_positive)
    max_restarts: int = 3
    restart_backoff: float = attrs.field(default=0.5, validator=_positive)
    idle_unload: float = 0.0  # seconds without requests before a model is stopped; 0 = never
    disk_reserve_bytes: int = 1024**3  # downloads refuse to leave less than this free
    models: dict[str, ModelOverrides] = attrs.Factory(dict)


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


def make_converter() -> cattrs.Converter:
    """The one converter: strict about unknown keys, paths in errors."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(Path, lambda v, _t: Path(v))
    conv.register_unstructure_hook(Path, str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], _strict_strings)
    return conv


def _strict_bool(v: Any, _t: type) -> bool:
    if isinstance(v, bool):
        return v
    raise ValueError(f"expected true or false, got {v!r}")


def _strict_int(v: Any, _t: type) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    raise ValueError(f"expected an integer, got {v!r}")


def _strict_float(v: Any, _t: type) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    raise ValueError(f"expected a number, got {v!r}")


def _strict_str(v: Any, _t: type) -> str:
    if isinstance(v, str):
        return v
    raise ValueError(f"expected a string, got {v!r}")


def _strict_strings(v: Any, t: type) -> tuple[str, ...]:
    """A list of strings; a bare string is refused (cattrs would split it into characters)."""
    if not isinstance(v, (list, tuple)):
        raise ValueError(f"expected a list of strings, got {v!r}")
    errors = []
    for i, item in enumerate(v):
        if not isinstance(item, str):
            exc = ValueError(f"expected a string, got {item!r}")
            exc.__notes__ = [IterableValidationNote(f"Structuring {t} @ index {i}", i, str)]
            errors.append(exc)
    if errors:
        raise IterableValidationError(f"While structuring {t}", errors, t)
    return tuple(v)


CONVERTER = make_converter()


def default_config_path(env: Mapping[str, str]) -> Path:
    """`LAROUTER_CONFIG`, else `config.toml` in the platformdirs config dir."""
    if env.get("LAROUTER_CONFIG"):
        return Path(env["LAROUTER_CONFIG"])
    return platformdirs.user_config_path(APP) / "config.toml"


def default_providers(env: Mapping[str, str]) -> dict[str, Any]:
    """OpenAI and Anthropic (OpenAI-compatible endpoint) with the SDKs' usual variables."""
    from larouter.usage.prices import default_provider_models

    models = default_provider_models()
    return {
        "openai": {
            "base_url": env.get("OPENAI_BASE_URL") or "https://api.openai.com/v1",
            "api_key_env": "OPENAI_API_KEY",
            "models": models.get("openai", []),
        },
        "anthropic": {
            "base_url": env.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com/v1",
            "api_key_env": "ANTHROPIC_API_KEY",
            "models": models.get("anthropic", []),
        },
    }


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


def env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    """`LAROUTER_SECTION__KEY=value` (and the short aliases) as a nested dict."""
    out: dict[str, Any] = {}
    for name, raw in env.items():
        if name in SHORT_ENV:
            path: tuple[str, ...] = SHORT_ENV[name]
        elif name.startswith(ENV_PREFIX) and "__" in name:
            path = tuple(p.lower() for p in name[len(ENV_PREFIX):].split("__"))
        else:
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = raw if path[-1] in SECRET_FIELDS else _env_value(raw)
    return out


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML config file, failing with the file and position on a syntax error."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _resolve_keys(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    for prov in raw.get("providers", {}).values():
        if isinstance(prov, dict) and not prov.get("api_key") and prov.get("api_key_env"):
            key_env = prov["api_key_env"]
            if isinstance(key_env, str) and env.get(key_env):
                prov["api_key"] = env[key_env]


def load_settings(
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings from defaults < TOML file < environment < overrides; raise ConfigError naming the bad key."""
    env = os.environ if env is None else env
    explicit = config_path is not None or bool(env.get("LAROUTER_CONFIG"))
    path = config_path or default_config_path(env)
    raw: dict[str, Any] = {"providers": default_providers(env)}
    if path.exists() or explicit:
        raw = _merge(raw, read_toml(path))
    raw = _merge(raw, env_layer(env))
    if overrides:
        raw = _merge(raw, overrides)
    if env.get("LAROUTER_HOME"):
        raw["home"] = env["LAROUTER_HOME"]
    raw.setdefault("home", str(platformdirs.user_data_path(APP)))
    raw["config_path"] = str(path)
    _resolve_keys(raw, env)
    try:
        settings = CONVERTER.structure(raw, Settings)
    except Exception as exc:  # cattrs raises exception groups carrying the path in notes
        raise ConfigError(format_structure_error(exc, raw, source=str(path))) from None
    check_settings(settings, str(path))
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
