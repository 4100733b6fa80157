"""`LAROUTER_*` environment variables that set nothing: a setting spelt with one underscore between its section and
its key (`LAROUTER_ROUTING_COOLDOWN`) is not read, and the daemon says so at start instead of running without it."""

from __future__ import annotations

from typing import Mapping

import attrs

from larouter.config import ENV_PREFIX, SHORT_ENV, Settings

# Read by larouterd or the CLI themselves, not settings.
OTHER_VARIABLES = frozenset({"LAROUTER_HOME", "LAROUTER_CONFIG", "LAROUTER_URL", "LAROUTER_TOKEN", "LAROUTER_DEBUG"})
SECTIONS = tuple(field.name for field in attrs.fields(Settings) if field.name not in ("home", "config_path"))


def stray_variables(env: Mapping[str, str], settings: Settings) -> list[str]:
    """One warning per `LAROUTER_*` variable that is neither a setting nor read otherwise (a provider's `api_key_env`
    may name one), its value never shown, with the two-underscore spelling when it starts with a section's name."""
    keys = {prov.api_key_env for prov in settings.providers.values()}
    out = []
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or "__" in name or name in SHORT_ENV or name in OTHER_VARIABLES | keys:
            continue
        rest = name[len(ENV_PREFIX):]
        section = next((s for s in SECTIONS if rest.lower().startswith(s + "_") and len(rest) > len(s) + 1), None)
        hint = f" (did you mean {ENV_PREFIX}{section.upper()}__{rest[len(section) + 1:]}?)" if section else ""
        out.append(f"environment variable {name} is not a LARouter setting and is ignored{hint}: a setting is "
                   f"{ENV_PREFIX}<SECTION>__<KEY>, with two underscores (LAROUTER_SERVER__SHUTDOWN_GRACE)")
    return out
