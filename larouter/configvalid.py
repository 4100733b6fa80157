"""attrs validators of the settings tree: each complaint names its field (FieldError), never a secret's value."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

import attrs

from larouter.configerr import FieldError
from larouter.usage.prices import max_output_problem, price_problem


MAX_NUMBER = 1e15  # no duration (seconds), size (bytes) or count a setting holds comes near it; "1e+23" is a typo


def bounded(attr: attrs.Attribute, value: float) -> None:
    """A finite number no larger than MAX_NUMBER (either sign: a count or weight below -1e15 is a typo too)."""
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise FieldError(attr.name, f"must be a finite number of at most {MAX_NUMBER:.0e}, got {value!r}")


def positive(_inst: Any, attr: attrs.Attribute, value: float) -> None:
    if value <= 0:
        raise FieldError(attr.name, f"must be > 0, got {value!r}")
    bounded(attr, value)


def non_negative(_inst: Any, attr: attrs.Attribute, value: float) -> None:
    if value < 0:
        raise FieldError(attr.name, f"must be >= 0, got {value!r}")
    bounded(attr, value)


MIN_HANG_TIMEOUT = 3.0  # seconds: a shorter one polls a model's /health many times a second, and kills it on a hiccup


def hang_timeout(_inst: Any, attr: attrs.Attribute, value: float) -> None:
    """`local.hang_timeout`: 0 (off), or at least MIN_HANG_TIMEOUT seconds."""
    if value != 0 and not value >= MIN_HANG_TIMEOUT:
        raise FieldError(attr.name, f"must be 0 (never) or at least {MIN_HANG_TIMEOUT:g} seconds, got {value!r}")
    bounded(attr, value)


def tokens(_inst: Any, attr: attrs.Attribute, value: int | None) -> None:
    """A context size of a model's own (`[local.models.<id>] ctx_size`): unset, or a number of tokens > 0."""
    if value is not None and value <= 0:
        raise FieldError(attr.name, f"must be a number of tokens > 0, got {value!r}")


def gpu_layers(_inst: Any, attr: attrs.Attribute, value: int | None) -> None:
    """llama-server's `-ngl`: unset (its default), or >= 0."""
    if value is not None and value < 0:
        raise FieldError(attr.name, f"must be >= 0 (leave it unset for llama-server's default), got {value!r}")


def threads(_inst: Any, attr: attrs.Attribute, value: int | None) -> None:
    """llama-server's `-t`: unset (its default), or > 0."""
    if value is not None and value <= 0:
        raise FieldError(attr.name, f"must be > 0 (leave it unset for llama-server's default), got {value!r}")


def port(_inst: Any, attr: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= 65535:
        raise FieldError(attr.name, f"must be a TCP port (0-65535), got {value!r}")


def event_loop(_inst: Any, attr: attrs.Attribute, value: str) -> None:
    if value not in ("uvloop", "asyncio"):
        raise FieldError(attr.name, f"must be 'uvloop' or 'asyncio', got {value!r}")


LOG_LEVELS = ("debug", "info", "warning", "error")


def log_level_name(value: Any) -> Any:
    """`server.log_level` in any case (`DEBUG`, as `logging` spells it) as the lower-case name; anything else as it
    is, for `log_level` (or the type check) to refuse."""
    return value.lower() if isinstance(value, str) else value


def log_level(_inst: Any, attr: attrs.Attribute, value: str) -> None:
    if value not in LOG_LEVELS:
        raise FieldError(attr.name, f"must be one of {', '.join(LOG_LEVELS)} (in any case), got {value!r}")


def http_url(_inst: Any, attr: attrs.Attribute, value: str) -> None:
    """A provider's base URL: http(s), a host, a valid port, the path `/chat/completions` goes under; no user name
    or password (a provider's key goes in api_key / api_key_env, sent as `Authorization: Bearer`), no query or
    fragment (nowhere to keep them once the path is appended). A URL that may hold a secret is never shown."""
    hidden = "@" in value or "?" in value or "#" in value
    shown = "a URL that is not shown (it may hold a secret)" if hidden else repr(value)
    try:  # (the library's own message may quote part of the URL: not shown)
        parts = urlsplit(value)
    except ValueError:
        raise FieldError(attr.name, f"must be an http(s) URL (its host is malformed), got {shown}") from None
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError:
        raise FieldError(attr.name, "must be an http(s) URL (its port is not a number from 0 to 65535), "
                                    f"got {shown}") from None
    if not value.isprintable() or " " in value:
        raise FieldError(attr.name, f"must be an http(s) URL without spaces, line breaks or control characters, got "
                                    f"{shown}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError(attr.name, f"must be an http(s) URL, got {shown}")
    if "@" in parts.netloc:
        raise FieldError(attr.name, "must not carry a user name or password (user:password@host), got one (not "
                                    "shown): put the provider's key in api_key or api_key_env, which LARouter sends "
                                    "as Authorization: Bearer")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise FieldError(attr.name, "must have no query (?...) or fragment (#...), got one (not shown): LARouter "
                                    "appends /chat/completions to the URL's path; a key goes in api_key or "
                                    "api_key_env, never in the URL")


def header_safe_secret(_inst: Any, attr: attrs.Attribute, value: str | None) -> None:
    """A key goes into an HTTP header: printable ASCII only. The value is never shown (it is a secret)."""
    if value is not None and not (value.isascii() and value.isprintable()):
        raise FieldError(attr.name, "must be printable ASCII: it has a control character, a line break or a "
                                    "non-ASCII character (value not shown)")


ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,99}")


def env_name(_inst: Any, attr: attrs.Attribute, value: str | None) -> None:
    """`api_key_env` names an environment variable, in capitals as such names are; anything else is most likely the
    key itself pasted into the wrong field (`sk-…`, and `gsk_…`, `hf_…` too, which a looser rule took for names):
    refused without showing it (it would be shown where a variable's name is, unmasked)."""
    if value is not None and not ENV_NAME.fullmatch(value):
        raise FieldError(attr.name, "must be the name of an environment variable in capitals (A-Z, 0-9 and _, such "
                                    "as OPENAI_API_KEY), got something else (not shown: it may be the key itself, "
                                    "which goes in api_key)")


MIN_ADMIN_TOKEN = 16  # characters: a token short enough to guess is no lock


def usable_admin_token(value: str) -> bool:
    """The admin token is sent in an HTTP header and guards everything: at least MIN_ADMIN_TOKEN printable ASCII
    characters, no spaces (wherever it is set: the settings, or `<home>/admin_token`)."""
    return len(value) >= MIN_ADMIN_TOKEN and all("!" <= c <= "~" for c in value)


def admin_token(_inst: Any, attr: attrs.Attribute, value: str | None) -> None:
    """`usable_admin_token`, as a settings check. The value is never shown (it is a secret)."""
    if value is not None and not usable_admin_token(value):
        raise FieldError(attr.name, f"must be at least {MIN_ADMIN_TOKEN} printable ASCII characters with no spaces, "
                                    "line breaks or control characters (value not shown: it is a secret); unset it "
                                    "to use the generated token in <home>/admin_token")


def price(_inst: Any, attr: attrs.Attribute, value: float | None) -> None:
    problem = None if value is None else price_problem(value)
    if problem:
        raise FieldError(attr.name, problem)


def max_output(_inst: Any, attr: attrs.Attribute, value: int | None) -> None:
    problem = None if value is None else max_output_problem(value)
    if problem:
        raise FieldError(attr.name, problem)
