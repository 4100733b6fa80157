"""Turn cattrs structuring failures into messages naming the key path and the bad value."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Iterator, Mapping

import attrs
from cattrs.errors import IterableValidationNote

# How a PATCH's warning names a key a larouterd command-line flag holds (`Runtime._flag_held`), which the CLI reads
# to say why the effective value differs from the one set (`larouter config set`).
FLAG_HELD = "is set by larouterd's command line"


SECRET_FIELDS = frozenset({"api_key", "admin_token"})  # values never shown, not even in an error
SECRET_TABLES = frozenset({"providers"})  # no value under these is shown in an error: a key may be set there by mistake
SECRET_NAME = re.compile(r"(?:^|[_-])(?:api_?key|key|token|secret|password|passwd|credentials?)s?$", re.IGNORECASE)
NOT_SHOWN = " (the value is not shown: it may be a secret)"


def secrets_set(node: Any, prefix: str = "") -> list[str]:
    """The dotted keys of a settings tree (a config file's) that set a secret: a key or token, by its name."""
    found = []
    for key, value in node.items() if isinstance(node, dict) else ():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            found += secrets_set(value, path + ".")
        elif value and isinstance(value, str) and (key in SECRET_FIELDS or SECRET_NAME.search(str(key))):
            found.append(path)
    return found


def may_be_secret(path: list[str | int]) -> bool:
    """Whether a value at this key path may be a secret, so that no error shows it: anything under `providers` (a
    key given as the whole provider table, `providers.openai = "sk-..."`, or under any of its keys), or a key whose
    name says it is one (`hf_token`, `secret`)."""
    names = [part for part in path if isinstance(part, str)]
    return bool(names) and (names[0] in SECRET_TABLES or any(SECRET_NAME.search(name) for name in names))


def unshown(message: str) -> str:
    """A complaint without the value it quotes: what was expected only (the value comes last, after `, got`); one
    that shows no value already (it says so: "got one (not shown)") as it is."""
    if "not shown" in message:
        return message
    return message.split(", got ", 1)[0].split(" (got ", 1)[0] + NOT_SHOWN


class ConfigError(Exception):
    """The configuration is invalid; the message says where and why."""


class FieldError(ValueError):
    """A validator's complaint about one named field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _lookup(raw: Any, path: list[str | int]) -> Any:
    node = raw
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return node


def _walk(exc: BaseException, path: list[str | int]) -> Iterator[tuple[list[str | int], BaseException]]:
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            sub_path = list(path)
            for note in getattr(sub, "__notes__", []):
                if isinstance(note, IterableValidationNote):
                    sub_path.append(note.index)
                elif hasattr(note, "name"):
                    sub_path.append(note.name)
            yield from _walk(sub, sub_path)
    else:
        yield path, exc


UNKNOWN = ": unknown key(s): "
ROOT = "<root>"  # the path of the top-level table


def _fmt_path(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or ROOT


def invalid(lines: list[str], where: str) -> str:
    """The message of a configuration that cannot be used: where it was read from (`where`), then one problem a
    line, each `key.path: what is wrong (got value)`."""
    return f"invalid configuration ({where}):\n  " + "\n  ".join(lines)


def _with_hint(key: str, cls: Any) -> str:
    """An unknown key, with the closest key its table has (`cooldowm (did you mean cooldown?)`) when one is close, else
    the table's keys when it has few (the top level's: `nope (the keys here are local, providers, …)`)."""
    known = [f.name for f in attrs.fields(cls)] if attrs.has(cls) else []
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"{key} (did you mean {close[0]}?)"
    listed = sorted(k for k in known if k not in _NOT_LISTED)
    return f"{key} (the keys here are {', '.join(listed)})" if 0 < len(listed) <= _LISTED_KEYS else key


_LISTED_KEYS = 8  # a table with no more keys than this lists them after a key it does not have ("nope")
_NOT_LISTED = frozenset({"home", "config_path"})  # set by the daemon's start, not in a config


def _setter(dotted_key: str, variables: Mapping[str, str]) -> str | None:
    """The variable that set this key or a key under it (`routng` <- `LAROUTER_ROUTNG__COOLDOWN`), if one did."""
    return next((name for dotted, name in variables.items()
                 if dotted == dotted_key or dotted.startswith(dotted_key + ".")), None)


def _blame_unknown(table: str, keys: str, variables: Mapping[str, str]) -> str:
    """An `unknown key(s)` list, each key the environment set followed by its variable (before any hint)."""
    out = []
    for item in _items(keys):
        key, _, hint = item.partition(" ")
        name = _setter(key if table == ROOT else f"{table}.{key}", variables)
        out.append(f"{key} (from the environment variable {name}){' ' + hint if hint else ''}" if name else item)
    return ", ".join(out)


def _items(keys: str) -> list[str]:
    """The entries of an `unknown key(s)` list: split at the commas between them, not at those of a hint's list of
    keys (`nope (the keys here are local, providers, …)`), whose words are no keys the environment set."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(keys):
        depth += (char == "(") - (char == ")")
        if depth == 0 and keys.startswith(", ", i):
            items.append(keys[start:i])
            start = i + 2
    return [*items, keys[start:]]


def blame(line: str, variables: Mapping[str, str]) -> str:
    """A problem line, naming the environment variable that set its key or a table above it, when one did
    (`variables`: dotted key -> variable name, e.g. `server.port` -> `LAROUTER_PORT`); in a list of unknown keys,
    the variable that set each (`cooldowm (from the environment variable LAROUTER_ROUTING__COOLDOWM)`)."""
    key = line.split(":", 1)[0].split(" ", 1)[0]
    for dotted, name in variables.items():
        if key == dotted or key.startswith((dotted + ".", dotted + "[")):
            return f"{line} (from the environment variable {name})"
    head, found, keys = line.partition(UNKNOWN)
    return head + found + _blame_unknown(key, keys, variables) if found else line


def _new_provider_hint(path: list[str | int], raw: Any) -> str:
    """After `providers.NAME.base_url: required key is missing`: what it means (NAME is no provider yet: a new one
    needs the URL of its API) and which providers there are. Names only, never a value."""
    if len(path) != 3 or path[0] != "providers" or path[2] != "base_url":
        return ""
    from larouter.configshipped import default_providers  # (it reads the price table, which imports settings)

    shipped = sorted(default_providers({}))
    providers = raw.get("providers") if isinstance(raw, Mapping) else None
    defined = sorted(str(name) for name, table in (providers or {}).items()
                     if isinstance(table, Mapping) and "base_url" in table)
    name = str(path[1])
    alike = next((known for known in (*defined, *shipped) if known.lower() == name.lower() and known != name), None)
    meant = f"; did you mean {alike!r}? (names are case-sensitive)" if alike else ""
    return (f": {name[:64]!r} is not a provider yet (the providers are {', '.join(defined) or 'none'}; "
            f"LARouter ships {', '.join(shipped)}){meant}, and a new one needs base_url, the URL of its "
            "OpenAI-compatible API (such as https://api.example.com/v1), set before or together with its other keys")


def dropped_base_url(detail: str, patch: Mapping[str, Any]) -> str:
    """A PATCH's problems (`detail`), where the patch unsets the base_url of a provider only a runtime change defines:
    its "required key is missing" said the provider "is not a provider yet" and to set the URL, to a caller removing
    it (review AU 7). It says to remove the provider instead."""
    providers = patch.get("providers")
    for name, table in providers.items() if isinstance(providers, Mapping) else ():
        if not (isinstance(table, Mapping) and "base_url" in table and table["base_url"] is None):
            continue
        key = _fmt_path(["providers", name])
        missing = f"{key}.base_url: required key is missing"
        lines = detail.split("\n")
        for i, line in enumerate(lines):
            if line.strip().startswith(missing + ":"):
                lines[i] = (f"{line[:line.index(missing)]}{missing}: a provider needs the URL of its API, and only a "
                            f"change made at runtime gives {str(name)[:64]!r} one; to remove the provider, unset "
                            f"{key} instead (`larouter config unset {key}`; PATCH "
                            f"{{\"providers\": {{{json.dumps(str(name)[:64])}: null}}}})")
        detail = "\n".join(lines)
    return detail


def format_structure_error(exc: BaseException, raw: Any, source: str) -> str:
    """One line per problem: `source: server.port: must be ... got 'x'`."""
    return invalid(structure_problems(exc, raw) or [str(exc)], f"file {source}, then LAROUTER_* environment")


def structure_problems(exc: BaseException, raw: Any) -> list[str]:
    """One line per problem of a cattrs structuring failure: `server.port: must be ... got 'x'`."""
    lines = []
    for path, leaf in _walk(exc, []):
        where = _fmt_path(path)
        if leaf.__class__.__name__ == "ForbiddenExtraKeysError":
            keys = ", ".join(_with_hint(k, getattr(leaf, "cl", None)) for k in sorted(getattr(leaf, "extra_fields", [])))
            lines.append(f"{where}{UNKNOWN}{keys}")
            continue
        if isinstance(leaf, FieldError):
            path = [*path, leaf.field]
            where = _fmt_path(path)
        value = _lookup(raw, path)
        msg = str(leaf)
        if isinstance(leaf, KeyError):
            msg = "required key is missing" + _new_provider_hint(path, raw)
        elif path and path[-1] in SECRET_FIELDS:  # never the value: `api_key = ["sk-..."]` would echo the key
            if not isinstance(leaf, FieldError):  # (a validator's own message names no value)
                msg = "expected a string (the value is not shown: it is a secret)"
        elif may_be_secret(path):  # `providers.openai = "sk-..."` (the `.api_key` forgotten) would echo the key
            msg = unshown(msg if isinstance(leaf, ValueError) else "not a valid value here (wrong type or shape)")
        elif not isinstance(leaf, ValueError):  # a Python error from a step that assumed a shape: never shown
            msg = f"not a valid value here (wrong type or shape), got {value!r}"
        elif "got" not in msg:
            msg = f"{msg} (got {value!r})"
        lines.append(f"{where}: {msg}")
    return lines
