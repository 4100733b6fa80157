"""The settings that only a caller presenting the admin token may change over HTTP.

Loopback trust makes any program of this machine an admin, another user's included. Most settings are harmless in
such hands; these are not: they decide where a provider key is sent (`base_url`, which key goes: `api_key`,
`api_key_env`), what program runs with the daemon's rights and environment, and with which arguments
(`local.llama_server`, `extra_args`), which file the daemon reads (`usage.prices_file`, the heartbeat
`model_file`, whose errors quote what they read) or which code runs on every prompt (`routing.classifier`, whose
regular expressions a caller could make backtrack without end); `server.admin_token`
would let the caller take the token itself, and `server.trust_loopback` give loopback trust back; `server.host` and
`server.port` decide where the owner's clients send their tokens and prompts after a restart (another user could take
the old address). Registering or removing a local model (`models/api.py`: which file answers `auto`, what the daemon
opens and describes) needs the token too. A
`PATCH /api/config` that changes one of them without the admin token
is a 403 naming them (`check`); the config file and the environment are the operator's, and stay open.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from larouter.apierror import LarouterError

_UNSET = object()
ANY = "*"  # any table key (a provider's or a model's name)
GUARDED: tuple[tuple[str, ...], ...] = (
    ("providers", ANY, "base_url"),
    ("providers", ANY, "api_key"),
    ("providers", ANY, "api_key_env"),
    ("local", "llama_server"),
    ("local", "extra_args"),
    ("local", "models", ANY, "extra_args"),
    ("usage", "prices_file"),
    ("routing", "classifier"),  # its rules' regular expressions run on every prompt (one that backtracks without end
    # froze the daemon: review AG); its heartbeat `model_file` is a file to read, whose errors quote its first line
    ("server", "admin_token"),
    ("server", "trust_loopback"),  # turned back on, any local program is the admin again
    ("server", "host"),  # where the daemon listens after a restart: the owner's clients (their tokens and prompts)
    ("server", "port"),  # keep the old address, which another user could then take (review AF)
)


def _matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    return all(want in (ANY, part) for part, want in zip(path, pattern))


def is_guarded(path: tuple[str, ...]) -> bool:
    """Whether a settings key path is, or lies under, a guarded key, or holds one (a value where a table with a
    guarded key belongs: `{"providers": {"x": 1}}` is refused with the rest, never let through)."""
    return any(_matches(path, pattern) for pattern in GUARDED)


def _leaves(node: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in node.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            yield from _leaves(value, path)  # an empty table sets nothing
        else:
            yield path, value


def guarded_values(overrides: Mapping[str, Any]) -> dict[tuple[str, ...], Any]:
    """The guarded keys the runtime overrides set, with their values."""
    return {path: value for path, value in _leaves(overrides) if is_guarded(path)}


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The guarded keys (dotted) whose runtime override differs between two override trees: set, changed or
    dropped (dropping one changes where a key goes too)."""
    old, new = guarded_values(before), guarded_values(after)
    return sorted(".".join(path) for path in old.keys() | new.keys() if old.get(path, _UNSET) != new.get(path, _UNSET))


def check(before: Mapping[str, Any], after: Mapping[str, Any], by_token: bool, home: str) -> None:
    """403 when a caller that did not present the admin token (loopback trust) changes a guarded key."""
    keys = [] if by_token else changed(before, after)
    if not keys:
        return
    shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
    raise token_required(f"changing {shown}", keys[0], home)


def token_required(what: str, param: str | None, home: str) -> LarouterError:
    """The 403 for a change only a caller presenting the admin token may make (`what`: "changing server.port",
    "registering a local model"); nothing was changed."""
    return LarouterError(
        f"{what} needs the admin token: such a change decides where a provider key or a client's requests are sent, "
        "which program runs, which file is read or what the admin token is, and loopback trust alone (which any "
        "local user has) is not enough. Send "
        f"Authorization: Bearer <admin token> (in {home}/admin_token, readable only by the daemon's owner, or "
        "server.admin_token; the larouter CLI sends it by itself when it talks to the address this home's daemon "
        "recorded, else pass --token), or edit the config file. Nothing was changed.",
        403, "permission_error", "admin_token_required", param)
