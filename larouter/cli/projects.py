"""`larouter projects`: tenants with their own token, budget and routing policy."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from larouter.cli.common import Client, client_options, confirm, seg
from larouter.cli.once import option
from larouter.cli.output import cap_money, console, emit, fitted_table, print_json, safe
from larouter.cli.project_ref import project_id as project_ref, unknown_project
from larouter.projects.names import POLICIES, WINDOWS


class Budget(click.ParamType):
    """A non-negative USD amount, or `none` for no budget."""

    name = "USD|none"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float | None:
        if value is None or isinstance(value, float):
            return value
        if str(value).lower() in ("none", "off", "unlimited"):
            return None
        try:
            amount = float(value)
        except ValueError:
            self.fail(f"{value!r} is not an amount in USD (or `none`)", param, ctx)
        if not 0 <= amount < float("inf"):
            self.fail(f"{value!r} must be a non-negative amount", param, ctx)
        return amount


def project_options(fn: Any) -> Any:
    """--budget, --window, --policy, --description (shared by create and update)."""
    fn = option("--description", "-d", help="Free text.")(fn)
    fn = option("--policy", metavar="NAME",
                help=f"Routing policy: {', '.join(POLICIES)}, or one defined under [routing.policies].")(fn)
    fn = option("--window", type=click.Choice(WINDOWS), help="Budget window.")(fn)
    return option("--budget", type=Budget(), help="Budget in USD per window (`none`: unlimited).")(fn)


def body_of(name: str | None, options: dict[str, Any], budget_given: bool) -> dict[str, Any]:
    """The API body: only the fields given on the command line."""
    keys = {"description": "description", "policy": "routingPolicy", "window": "budgetWindow"}
    body = {api: options[opt] for opt, api in keys.items() if options.get(opt) is not None}
    if budget_given:
        body["budgetUsd"] = options["budget"]
    return body | ({"name": name} if name is not None else {})


def projects_table(rows: list[dict[str, Any]]) -> Table | str:
    """Projects as a table."""
    if not rows:
        return "no projects: `larouter projects create NAME` makes one"
    cells = [[p["id"], p["name"], "unlimited" if p["budgetUsd"] is None else
              f"{cap_money(p['budgetUsd'])}/{p['budgetWindow']}", p["routingPolicy"],
              f"{p['tokenPrefix']}…" if p.get("tokenPrefix") else "—"] for p in rows]
    return fitted_table(["ID", "Name", "Budget", "Policy", "Token"], cells, title="Projects")


def show_token(verb: str, project: dict[str, Any]) -> None:
    """Print a freshly issued token once, on a line of its own, with the warning that it will not be shown again."""
    out = console()
    out.print(f"{verb} project [bold]{project['name']}[/bold] ({project['id']})")
    out.print("\n[bold yellow]Token: shown only this once. Store it now; larouter keeps only its hash and "
              "cannot show it again.[/bold yellow]\n")
    out.print(f"    {project['token']}", style="bold", markup=False, soft_wrap=True)
    out.print("\nUse it as the OpenAI api_key of this project's clients (base_url <daemon>/v1).")


@click.group()
def projects() -> None:
    """Projects: one token, budget and routing policy per app or team."""


@projects.command("list")
@client_options
def list_cmd(client: Client, as_json: bool) -> None:
    """List projects (token prefixes only: tokens are never stored)."""
    emit(client.get("/api/projects")["data"], as_json, projects_table)


@projects.command()
@click.argument("name")
@project_options
@client_options
def create(client: Client, as_json: bool, name: str, **options: Any) -> None:
    """Create a project and print its token (once)."""
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("budget") is click.core.ParameterSource.COMMANDLINE
    out = client.request("POST", "/api/projects", body_of(name, options, given))
    if as_json:
        print_json(out)
    else:
        show_token("Created", out)


@projects.command()
@click.argument("project_id", metavar="ID|NAME")
@option("--name", help="New name.")
@project_options
@client_options
def update(client: Client, as_json: bool, project_id: str, name: str | None, **options: Any) -> None:
    """Change a project's name, description, budget, window or policy."""
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("budget") is click.core.ParameterSource.COMMANDLINE
    body = body_of(name, options, given)
    if not body:
        raise click.UsageError("nothing to change: give --name, --budget, --window, --policy or --description")
    with unknown_project(client, project_id):
        out = client.request("PUT", f"/api/projects/{seg(project_ref(client, project_id))}", body)
    emit(out, as_json, lambda p: projects_table([p]))


@projects.command()
@click.argument("project_id", metavar="ID|NAME")
@option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@client_options
def delete(client: Client, as_json: bool, project_id: str, yes: bool) -> None:
    """Delete a project: its token stops working at once; its usage history stays."""
    found = project_ref(client, project_id)
    confirm(f"Delete project {project_id}{'' if found == project_id else f' ({found})'} and revoke its token?", yes)
    with unknown_project(client, project_id):
        calls = client.get("/api/usage", projectId=found, period="all").get("totalCalls")  # (for the advice below)
        out = client.request("DELETE", f"/api/projects/{seg(found)}")
    named = "" if project_id == out["id"] else f"{safe(project_id)} ("
    kept = (f" Its usage ({calls:,} call{'' if calls == 1 else 's'}) stays under its id, not its name: `larouter usage "
            f"--project {out['id']}`" if calls else " It had made no calls.")
    emit(out, as_json, lambda o: f"deleted {named}{o['id']}{')' if named else ''}; its token is revoked.{kept}")


@projects.command("rotate-token")
@click.argument("project_id", metavar="ID|NAME")
@option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@client_options
def rotate_token(client: Client, as_json: bool, project_id: str, yes: bool) -> None:
    """Issue a new token for a project; the old one stops working at once."""
    found = project_ref(client, project_id)
    confirm(f"Rotate the token of {project_id}? The current one stops working at once.", yes)
    with unknown_project(client, project_id):
        out = client.request("POST", f"/api/projects/{seg(found)}/rotate")
    if as_json:
        print_json(out)
    else:
        show_token("Rotated the token of", out)
