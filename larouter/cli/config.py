"""`larouter config`: read and change the daemon's runtime settings (secrets stay masked)."""

from __future__ import annotations

import datetime
import json
import sys
import tomllib
from typing import Any, Iterator

import click

from larouter import jsonx
from larouter.cli.common import Client, CliError, client_options
from larouter.cli.output import console, err_console, plain, print_json, safe
from larouter.configerr import FLAG_HELD, SECRET_FIELDS

MISSING = object()


def key_path(key: str) -> list[str]:
    """A dotted TOML key (`providers.groq.prices."llama-3.3"`) as its parts."""
    try:
        doc: Any = tomllib.loads(f"{key} = 0") if "\n" not in key and "\r" not in key else None
    except tomllib.TOMLDecodeError:
        doc = None
    path = []
    while isinstance(doc, dict) and len(doc) == 1:
        (name, doc), = doc.items()
        path.append(name)
    if doc != 0 or isinstance(doc, bool) or not path:
        raise click.BadParameter(f"{key!r} is not a dotted key such as routing.default_model", param_hint="KEY")
    return path


def parse_value(raw: str) -> Any:
    """VALUE as a TOML value when it is one (`8080`, `true`, `1.5`, `["a"]`, `{x = 1}`), else the string itself."""
    try:
        doc = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    if len(doc) != 1 or isinstance(doc["v"], (datetime.date, datetime.time)):  # (no setting takes a TOML date)
        return raw
    return doc["v"]


def nest(path: list[str], value: Any) -> dict[str, Any]:
    """{"a": {"b": value}} for ["a", "b"]: the JSON merge patch that sets one key."""
    for name in reversed(path):
        value = {name: value}
    return value


def lookup(data: Any, path: list[str]) -> Any:
    """The value at a key path, or MISSING."""
    for name in path:
        if not isinstance(data, dict) or name not in data:
            return MISSING
        data = data[name]
    return data


def key_part(name: str) -> str:
    """One part of a dotted key as `key_path` reads it back: bare, else quoted (`"llama-3.3-70b"`)."""
    return name if name.isascii() and name.replace("_", "").replace("-", "").isalnum() else json.dumps(name)


def dotted(path: list[str]) -> str:
    """A key path as the dotted key to paste back into `config get/set/unset` (`providers.groq.prices."a.b"`)."""
    return ".".join(key_part(name) for name in path)


def leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) for every leaf, in order."""
    if isinstance(data, dict) and data:
        for name, value in data.items():
            part = key_part(name)
            yield from leaves(value, f"{prefix}.{part}" if prefix else part)
    else:
        yield prefix, data


def show(value: Any) -> str:
    """A value as TOML-ish text (null: unset), its C1 controls and bidi overrides escaped (JSON leaves them raw)."""
    return "(unset)" if value is None else plain(json.dumps(value, ensure_ascii=False))


def print_leaves(value: Any, prefix: str) -> None:
    """`key = value` lines (no rich markup: values are data)."""
    out = console()
    for key, leaf in leaves(value, prefix):
        out.print(f"{plain(key)} = {show(leaf)}", markup=False, soft_wrap=True)


@click.group()
def config() -> None:
    """Runtime settings: read them, or change them live (persisted by the daemon)."""


@config.command()
@click.argument("key", required=False)
@client_options
def get(client: Client, as_json: bool, key: str | None) -> None:
    """Print every setting, or one (dotted KEY, e.g. routing.default_model); secrets are masked."""
    path = key_path(key) if key else []
    path, value = setting(client, path, key)
    if as_json:
        print_json(value)
    else:
        print_leaves(value, dotted(path))


def setting(client: Client, path: list[str], key: str | None) -> tuple[list[str], Any]:
    """The key path as the settings spell it (`tier_spelt`) and its effective (masked) value; CliError when there is
    no such setting."""
    view = client.get("/api/config")
    path = tier_spelt(view, path)
    value = lookup(view, path)
    if value is MISSING:
        raise CliError(f"no setting {key!r} (`larouter config get` lists them all)")
    return path, value


def tier_spelt(view: Any, path: list[str]) -> list[str]:
    """`routing.policies.P.TIER…` with TIER spelt as policy P has it in the settings (`view`): tier names are read in
    any case, so `COMPLEX` finds a chain set as `complex` (it was "no setting", and a set in the other case a 400:
    review AU); any other path as it is."""
    tiers = lookup(view, path[:3]) if len(path) > 3 and path[:2] == ["routing", "policies"] else None
    if not isinstance(tiers, dict) or path[3] in tiers:
        return path
    spelt = next((tier for tier in tiers if tier.upper() == path[3].upper()), path[3])
    return [*path[:3], spelt, *path[4:]]


def apply(client: Client, as_json: bool, path: list[str], value: Any) -> None:
    """PATCH one key (None: drop its override); report the effective (masked) value and any restart needed."""
    try:
        out = client.request("PATCH", "/api/config", nest(path, value))
    except CliError as exc:
        raise (exc if value is None else new_provider_hint(exc, path)) from None  # (an unset is told what to do)
    now = lookup(out, path)
    key = dotted(path)
    secret = path[-1] in SECRET_FIELDS or isinstance(value, dict)  # (a table may hold a key: shown masked, as GET does)
    result = {"key": key, "value": None if now is MISSING else now, "restartRequired": out["restartRequired"]}
    for warning in out.get("warnings", []):  # on stderr, so that --json output stays one document
        err_console().print(f"[yellow]warning: {safe(warning)}[/yellow]", soft_wrap=True)
    if as_json:
        print_json(result)
        return
    shown = show(result["value"])
    line = f"unset {key} (now {shown})" if value is None else f"set {key} = {shown if secret else show(value)}"
    if value is None and now is MISSING:
        line = f"unset {key}" + (policy_fallback(path, out) or f" (now {shown})")
    console().print(plain(line), markup=False, soft_wrap=True)
    if value is not None and not secret and overridden(value, now):
        # (the daemon's warning names a flag that holds the key: else the value is only read its way, "DEBUG" as debug)
        flag = any(w.startswith(f"{'.'.join(path)} {FLAG_HELD}") for w in out.get("warnings", []))
        why = "a larouterd command-line flag overrides runtime settings" if flag else "as larouterd reads the value"
        console().print(f"[yellow]note: the effective value is {safe(shown)} ({why})[/yellow]", soft_wrap=True)
    if out["restartRequired"]:
        console().print(f"[yellow]saved; restart larouterd to apply: {', '.join(out['restartRequired'])}[/yellow]")


def new_provider_hint(exc: CliError, path: list[str]) -> CliError:
    """The daemon's "providers.NAME.base_url: required key is missing" for a key of a provider it does not have, with
    the command that defines it; any other error as it is."""
    wanted = f"providers.{path[1]}.base_url" if len(path) > 2 and path[0] == "providers" else None
    if wanted is None or exc.code != "invalid_config" or exc.param != wanted:
        return exc
    return CliError(f"{exc.message} (`larouter config set {dotted(path[:2])}.base_url URL` defines it)", exc.exit_code,
                    exc.status, exc.code, exc.param)


def overridden(given: Any, now: Any) -> bool:
    """Whether the effective value differs from what was set: for a table, in one of the keys that were set (the
    rest are defaults filled in; secrets come back masked), else as a value."""
    if isinstance(given, dict) and isinstance(now, dict):
        return any(key in now and key not in SECRET_FIELDS and overridden(value, now[key]) for key, value in given.items())
    return given != now


def policy_fallback(path: list[str], view: dict[str, Any]) -> str | None:
    """What routes now that a policy's configured chain (or the whole policy) is gone: the built-in chain, or, for a
    policy of a new name, cost-optimized's, as configured (`view`: the settings after the change). None for a key
    that is no routing policy's."""
    from larouter.routing.chains import DEFAULT_POLICIES, merged_policies  # only for this message
    from larouter.routing.tiers import Tier

    if path[:2] != ["routing", "policies"] or len(path) not in (3, 4):
        return None
    name, builtin = path[2], path[2] in DEFAULT_POLICIES
    if len(path) == 3:
        return (f": policy {name} has its built-in chains again" if builtin else
                f": there is no policy {name} now (its projects route by cost-optimized until it is defined again)")
    tier = Tier.__members__.get(path[3].upper())
    policies = merged_policies(view["routing"]["policies"])
    if tier is None or name not in policies:
        return None
    whose = "its built-in" if builtin else "cost-optimized's"
    return f": the {tier.value} tier of policy {name} takes {whose} chain now: {', '.join(policies[name][tier])}"


@config.command("set")
@click.argument("key")
@click.argument("value")
@client_options
def set_cmd(client: Client, as_json: bool, key: str, value: str) -> None:
    """Set KEY to VALUE, live (VALUE is parsed as TOML when it is valid TOML, else taken as a string;
    `-` reads a string from stdin, or prompts at a terminal, so API keys stay out of the shell history; a VALUE that
    starts with `-` follows `--`, else it is read as an option: `larouter config set -- KEY -VALUE`)."""
    path = key_path(key)
    if value == "-" and sys.stdin.isatty():  # typed by hand: a prompt, and the key not shown on screen
        parsed = click.prompt(f"{key}", hide_input=True, default="", show_default=False, err=True).strip()
    else:
        parsed = sys.stdin.read().strip() if value == "-" else parse_value(value)
    secret = path[-1] in SECRET_FIELDS
    if isinstance(parsed, str) and not parsed.strip() and (value == "-" or secret):  # an empty key is no key
        source = "stdin was empty" if value == "-" else "the value is empty"
        hint = f"`larouter config unset {key}` drops one set at runtime" if secret else "give the value instead of -"
        raise CliError(f"{source}, so {key} was left unchanged ({hint})")
    if jsonx.non_finite_path(parsed) is not None:  # TOML has `inf` and `nan`, and reads `1e400` as inf
        what = "is not a finite number" if isinstance(parsed, float) else "holds a number that is not finite"
        raise click.BadParameter(f"{value!r} {what} (inf, nan, or beyond a 64-bit float's range, about ±1.8e308); "
                                 "settings take finite numbers", param_hint="VALUE")
    if len(path) > 3 and path[:2] == ["routing", "policies"]:  # (a chain set as `complex` is replaced by COMPLEX)
        path = tier_spelt(client.get("/api/config"), path)
    apply(client, as_json, path, parsed)


@config.command()
@click.argument("key")
@client_options
def unset(client: Client, as_json: bool, key: str) -> None:
    """Drop KEY's runtime override: it falls back to the config file, environment or default."""
    path = setting(client, key_path(key), key)[0]  # an unknown key is an error, as for `get` (the daemon takes null
    apply(client, as_json, path, None)  # for any key)
