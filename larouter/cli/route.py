"""`larouter route explain`: which tier and models the router would pick for a request, and why."""

from __future__ import annotations

import json
from typing import Any, TextIO

import click
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from larouter.cli.common import Client, CliError, client_options
from larouter.cli.once import option
from larouter.cli.output import emit, fitted_table
from larouter.cli.project_ref import project_id, project_option, unknown_project
from larouter.usage.money import usd_text


def request_body(prompt: str | None, file: TextIO | None, model: str) -> dict[str, Any]:
    """A chat request: the prompt as one user message, or the JSON body read from --file."""
    if (prompt is None) == (file is None):
        raise click.UsageError('give a PROMPT or --file request.json (not both)')
    if file is None:
        return {"model": model, "messages": [{"role": "user", "content": prompt}]}
    try:
        body = json.load(file)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--file") from None
    if not isinstance(body, dict):
        raise click.BadParameter("must hold a JSON object (a chat completion request)", param_hint="--file")
    return body


def cell(value: Any) -> str:
    """A table cell: strings as they are, booleans as yes/no, null as a dash, anything else as JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value is None else value if isinstance(value, str) else json.dumps(value)


WRAPPED = ("skipped", "cooling")  # the prose columns: why a candidate is passed by, or cooling down


def candidates_table(candidates: list[Any]) -> Table:
    """Candidates in order: dict entries become columns, anything else one column; model names and numbers whole,
    the reasons wrapped, and a column no candidate has anything in (`cooling`, usually) left out."""
    keys = list(dict.fromkeys(k for c in candidates if isinstance(c, dict) for k in c)) or ["candidate"]
    rows = [[str(i), *(cell(c.get(k)) for k in keys)] if isinstance(c, dict) else
            [str(i), cell(c), *[""] * (len(keys) - 1)] for i, c in enumerate(candidates, 1)]
    return fitted_table(["#", *keys], rows, wrap=WRAPPED, title="Candidates, in order", title_justify="left")


def render(data: dict[str, Any]) -> RenderableType:
    """Tier and confidence, the reasons, the candidate table."""
    confidence = data.get("confidence")
    head = Text.assemble(("Tier ", "bold"), (str(data.get("tier")), "bold cyan"),
                         f"  (confidence {confidence:.2f})" if isinstance(confidence, (int, float)) else "")
    parts: list[RenderableType] = [head]
    if data.get("project") or data.get("policy"):
        parts.append(Text(f"project {data.get('project') or '—'}, policy {data.get('policy') or '—'}", style="dim"))
    reasons = data.get("reasons") or []
    if reasons:
        grid = Table.grid(padding=(0, 1))
        for reason in reasons:
            grid.add_row("  •", Text(cell(reason)))
        parts += [Text("Reasons", style="bold"), grid]
    if data.get("candidates"):
        parts.append(candidates_table(data["candidates"]))
    else:
        parts.append(Text("no candidate models for this request", style="dim"))
    budget = data.get("budget")
    if isinstance(budget, dict):
        action, left = budget.get("action"), budget.get("remaining")
        money = f"${usd_text(left)} left" if isinstance(left, (int, float)) else "no limit"
        parts.append(Text(f"budget: {money}" + (f"; chat: {action}" if action else "")))
    return Group(*parts)


@click.group()
def route() -> None:
    """Routing: see what the router decides for a request."""


@route.command()
@click.argument("prompt", required=False)
@option("--file", "-f", "file", type=click.File("r"), help="A chat completion request body (`-`: stdin).")
@option("--model", default="auto", show_default=True, help="The request's model field (with a PROMPT).")
@project_option("`default`; needs the admin token, as the command does")
@client_options
def explain(client: Client, as_json: bool, prompt: str | None, file: TextIO | None, model: str,
            project: str | None) -> None:
    """Explain the routing of a prompt or a request (tier, confidence, reasons, candidates) without sending it
    (admin token)."""
    body = request_body(prompt, file, model)
    try:
        with unknown_project(client, project):
            data = client.request("POST", "/api/route/explain", body, params={"projectId": project_id(client, project)})
    except CliError as exc:
        if exc.status == 404 and exc.code == "not_found":
            raise CliError(f"larouterd at {client.base_url} has no POST /api/route/explain (update it)") from None
        raise
    emit(data, as_json, render)
