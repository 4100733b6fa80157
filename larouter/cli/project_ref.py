"""`--project ID|NAME`: a project given by its id or by its name, as a person types it."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Callable, Iterator

from larouter.cli.common import Client, CliError, optional
from larouter.cli.once import option
from larouter.projects.names import name_key

SHOWN = 10  # projects named in the "no project" error
DELETED = (". A deleted project's usage stays under its id only (LARouter keeps no name once a project is deleted): "
           "give that id, which `larouter projects delete` printed; the project column of `larouter usage export "
           "--all-projects` holds every id with usage")


def project_option(help_default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--project / -p, taking a project's id or its name."""
    return option("--project", "-p", "project", default=None, metavar="ID|NAME",
                  help=f"Project id or name  [default: {help_default}]")


def project_id(client: Client, value: str | None) -> str | None:
    """The id of the project `value` names: `value` itself when it is a project's id (an id wins over a name), else
    the id of the project named `value` (names compare as the daemon compares them: case and runs of spaces aside).
    Anything else is passed on as it is, for the daemon to judge: it keeps a deleted project's usage under its id,
    and a project token (which may not list projects) names only its own project."""
    if value is None:
        return None
    listing = optional(client, "/api/projects")
    if listing is None:
        return value
    projects = listing["data"]
    if any(p["id"] == value for p in projects):
        return value
    key = name_key(value)
    return next((p["id"] for p in projects if name_key(p["name"]) == key), value)


@contextlib.contextmanager
def unknown_project(client: Client, value: str | None, history: bool = False) -> Iterator[None]:
    """Word the daemon's "no such project" (404 `project_not_found`, or a 400 on `projectId` for a value no id could
    be, such as a name with spaces) as one line naming what --project accepts; with `history` (a usage command),
    also how a deleted project's usage is reached: by its id (the ledger records ids, and a deleted project's name is
    not kept anywhere, so the name cannot be resolved)."""
    try:
        yield
    except CliError as exc:
        if value is None or not (exc.code == "project_not_found" or (exc.status == 400 and exc.param == "projectId")):
            raise
        if history and _GENERATED_ID.fullmatch(value):  # (the id `projects delete` printed, no calls recorded)
            raise CliError(f"no project {value!r} and no usage recorded under that id: a deleted project that made no "
                           f"calls has no history to show{known(client)}", status=exc.status, code=exc.code,
                           param=exc.param) from None
        raise CliError(f"no project {value!r}: it is neither a project's id nor its name{known(client)}"
                       f"{DELETED if history else ''}", status=exc.status, code=exc.code, param=exc.param) from None


_GENERATED_ID = re.compile(r"proj_[0-9a-f]{12}")  # the ids LARouter gives projects (`projects.store`)


def known(client: Client) -> str:
    """`; projects: default, My App (proj_…), …` (names and ids only), or a pointer to `larouter projects list`."""
    listing = optional(client, "/api/projects")
    if not listing or not listing["data"]:
        return " (`larouter projects list` shows the projects)"
    names = [p["name"] if p["name"] == p["id"] else f"{p['name']} ({p['id']})" for p in listing["data"]]
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return f"; projects: {', '.join(names[:SHOWN])}{more}"
