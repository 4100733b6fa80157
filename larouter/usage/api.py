"""`GET /api/usage`, `/api/usage/daily`, `/api/usage/models`, `/api/usage/export`.

Query parameters (all optional, each at most once; any other name is a 400 `unknown_parameter`):

- `period`: daily | weekly | monthly | all (default monthly), see `larouter.usage.periods`.
- `projectId`: the project (default "default"), by its id or by its name (an id wins over another project's name;
  names compare as the projects store compares them: case and runs of spaces aside): 1-64 of letters, digits, spaces,
  `_ . -`, starting with a letter or digit and not ending with a space. A project token's is checked (and replaced by
  its own id) in `larouter.auth`. `*` is every project's calls (deleted projects' included), the admin's only (a
  project token naming another project is refused in `larouter.auth`).
- `/api/usage/models` only: `sort` = cost | calls | tokens | inputTokens | outputTokens | model | latency
  (default cost) and `order` = asc | desc (default desc).

A bad value is a 400 OpenAI-shaped error whose `param` names the parameter.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from aiohttp import web

from larouter import appkeys
from larouter.errors import LarouterError, bad_request, not_found
from larouter.projects.store import NAME
from larouter.queryargs import check_query
from larouter.usage import queries
from larouter.usage.export import CsvExport
from larouter.usage.ledger import Ledger
from larouter.usage.periods import DEFAULT_PERIOD, PERIODS, Window, window
from larouter.usage.queries import ALL_PROJECTS

log = logging.getLogger("larouter.usage")
PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
DEFAULT_PROJECT = "default"
PARAMS = ("period", "projectId")
MODELS_PARAMS = (*PARAMS, "sort", "order")


def _param(request: web.Request, name: str, default: str) -> str:
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise bad_request(f"query parameter '{name}' may be given only once", name)
    return values[0] if values else default


def _choice(request: web.Request, name: str, allowed: tuple[str, ...] | list[str], default: str) -> str:
    value = _param(request, name, default)
    if value not in allowed:
        raise bad_request(f"query parameter '{name}' must be one of {', '.join(allowed)}; got {value[:64]!r}", name)
    return value


def project_param(request: web.Request) -> str:
    """The validated `projectId`: a project id or a project name, as given."""
    value = _param(request, "projectId", DEFAULT_PROJECT)
    if value != ALL_PROJECTS and not NAME.fullmatch(value):
        raise bad_request(
            f"query parameter 'projectId' must be a project's id or name: 1-64 letters, digits, spaces, '_', '.' or "
            f"'-' starting with a letter or digit (or '*', every project); got "
            f"{value[:64]!r}", "projectId")
    return value


def current_project(request: web.Request, given: str) -> str | None:
    """The id of the current project `given` (a `project_param`) names: its id (an id wins over another project's
    name), else the project of that name (case and runs of spaces aside); None when no current project has it."""
    store = request.app[appkeys.PROJECTS]
    if given in store.projects:
        return given
    named = store.named(given)
    return None if named is None else named.id


async def known_project(request: web.Request, ledger: Ledger) -> str:
    """The id of the project `projectId` names: a current project's id, else a current project's name, else an id the
    ledger holds calls of (a deleted project keeps its history), or ALL_PROJECTS; else 404, so a typo does not read
    as a project without usage."""
    given = project_param(request)
    if given == ALL_PROJECTS:
        return given
    current = current_project(request, given)
    if current is not None:
        return current
    held = PROJECT_ID.fullmatch(given) is not None and await ledger.run(ledger.query, lambda cur: cur.execute(
        "SELECT 1 FROM usage_calls WHERE project = ? LIMIT 1", [given]).fetchone() is not None)
    if not held:
        raise not_found(f"no project {given!r} (by id or name) and no usage recorded for it; GET /api/projects lists "
                        "the projects, and a deleted project's usage is kept under its id only (its name is not "
                        "kept)", "project_not_found", "projectId")
    return given


def window_param(request: web.Request, ledger: Ledger) -> Window:
    """The validated `period` as a day window ending today (UTC)."""
    return window(_choice(request, "period", PERIODS, DEFAULT_PERIOD), ledger.today())


async def usage(request: web.Request) -> web.Response:
    """Aggregated usage of one project for one period."""
    check_query(request, PARAMS)
    ledger = request.app[appkeys.LEDGER]
    project, win = await known_project(request, ledger), window_param(request, ledger)
    baseline = ledger.pricer.baseline_model
    body = await ledger.run(ledger.query, lambda cur: queries.summary(cur, project, win, baseline))
    body["projectId"], body["period"] = project, win.period
    known = request.app[appkeys.PROJECTS].projects.get(project)
    body["projectName"] = None if known is None else known.name
    if known is not None:
        body["budget"] = await request.app[appkeys.BUDGETS].view(known)
    return web.json_response(body)


async def usage_daily(request: web.Request) -> web.Response:
    """Daily series for charts, zero-filled."""
    check_query(request, PARAMS)
    ledger = request.app[appkeys.LEDGER]
    project, win = await known_project(request, ledger), window_param(request, ledger)
    body = await ledger.run(ledger.query, lambda cur: queries.daily(cur, project, win))
    return web.json_response(body)


async def usage_models(request: web.Request) -> web.Response:
    """Per-model breakdown."""
    check_query(request, MODELS_PARAMS)
    ledger = request.app[appkeys.LEDGER]
    project, win = await known_project(request, ledger), window_param(request, ledger)
    sort = _choice(request, "sort", list(queries.SORT_KEYS), "cost")
    order = _choice(request, "order", list(queries.ORDERS), "desc")
    body = await ledger.run(ledger.query, lambda cur: queries.models(cur, project, win, sort, order))
    return web.json_response(body)


def export_filename(project: str | None, win: Window, today: date) -> str:
    """`larouter-usage-<project>-<period>-<date>.csv` (the project id is already validated; "all" for every
    project)."""
    return f"larouter-usage-{project or 'all'}-{win.period}-{today.isoformat()}.csv"


async def usage_export(request: web.Request) -> web.StreamResponse:
    """Per-call rows as CSV (one project's, or every project's for `projectId=*`), streamed a chunk at a time with
    backpressure from the client."""
    check_query(request, PARAMS)
    ledger = request.app[appkeys.LEDGER]
    project, win = await known_project(request, ledger), window_param(request, ledger)
    every = project == ALL_PROJECTS
    headers = {"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
               "Content-Disposition": f'attachment; filename="{export_filename(None if every else project, win, win.today)}"'}
    if request.method == "HEAD":  # the headers only: no query run, and no body after them on a kept-alive connection
        return web.Response(headers=headers)
    await ledger.run(ledger.catch_up)
    export = await ledger.run(lambda: CsvExport(ledger.cursor(), None if every else project, win))
    try:
        first = await ledger.run(export.next_chunk)
        resp = web.StreamResponse(headers=headers)
        await resp.prepare(request)
        chunk, sent = first, 0
        while chunk:
            await resp.write(chunk)
            sent += len(chunk)
            try:
                chunk = await ledger.run(export.next_chunk)
            except LarouterError as err:  # after the headers: the client must see the export cut, not a short CSV
                log.error("usage export cut off after %d bytes: %s", sent, err.message)
                if request.transport is not None:
                    request.transport.abort()  # (no end of the chunked body: the client knows it is cut)
                return resp
        await resp.write_eof()
        return resp
    finally:
        await ledger.run(export.close)


def routes() -> list[web.RouteDef]:
    """Usage routes."""
    return [
        web.get("/api/usage", usage),
        web.get("/api/usage/daily", usage_daily),
        web.get("/api/usage/models", usage_models),
        web.get("/api/usage/export", usage_export),
    ]
