"""`larouter usage`: spend and traffic as tables and a daily bar chart; per-model detail; CSV export."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable

import click
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from larouter.cli import exportfile
from larouter.cli.common import Client, CliError, client_options, inherited
from larouter.cli.once import option
from larouter.cli.output import cap_money, emit, err_console, fitted_table, money, plural, print_json, safe, size
from larouter.cli.project_ref import project_id, project_option, unknown_project
from larouter.usage.money import exact_places

PERIODS = ("daily", "weekly", "monthly", "all")
CHART_DAYS = 31
CHART_WIDTH = 40
EIGHTHS = " ▏▎▍▌▋▊▉"


def period_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--period and --project."""
    fn = project_option("the token's project; \"default\" with the admin token")(fn)
    return option("--period", type=click.Choice(PERIODS), default="monthly", show_default=True,
                  help="UTC calendar day, ISO week, month, or everything.")(fn)


def bar(value: float, top: float, width: int = CHART_WIDTH) -> str:
    """A horizontal bar in eighths of a cell."""
    if top <= 0 or value <= 0:
        return ""
    full, part = divmod(max(round(value / top * width * 8), 1), 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def daily_chart(days: list[dict[str, Any]]) -> RenderableType:
    """Cost per day as horizontal bars (the last CHART_DAYS days of the period)."""
    shown = days[-CHART_DAYS:]
    top = max((d["cost"] or 0.0 for d in shown), default=0.0)
    title = "Daily cost" + (f" (last {len(shown)} of {len(days)} days)" if len(days) > len(shown) else "")
    grid = Table.grid(padding=(0, 1))
    for d in shown:
        grid.add_row(d["date"], Text(bar(d["cost"] or 0.0, top), style="cyan"),
                     Text(money(d["cost"]), style="" if d["cost"] else "dim"))
    return Group(Text(title, style="bold"), grid if shown else Text("no days in this period", style="dim"))


def _share(cost: float | None, total: float) -> str:
    return f"{100 * cost / total:.0f}%" if cost and total else "—"


def by_model(data: dict[str, Any], places: int = 4) -> Table:
    """Cost and calls per model, most expensive first (`places`: decimals of the amounts)."""
    ranked = sorted(data["byModel"].items(), key=lambda kv: (-(kv[1]["cost"] or 0.0), kv[0]))
    rows = [[model, f"{m['calls']:,}", f"{m['tokens']:,}", money(m["cost"], places),
             _share(m["cost"], data["totalCost"])]
            for model, m in ranked]
    return fitted_table(["Model", "Calls", "Tokens", "Cost", "Share"], rows, title="By model", title_justify="left")


def by_tier(data: dict[str, Any], places: int = 4) -> RenderableType:
    """Cost and calls per routing tier (only `auto` calls have one)."""
    if not data["byTier"]:
        return Text.assemble(("By tier", "italic"), ': no call asked for model "auto" (only those are routed)')
    rows = [[tier, f"{t['calls']:,}", money(t["cost"], places)] for tier, t in sorted(data["byTier"].items(),
                                                                                 key=lambda kv: -kv[1]["calls"])]
    return fitted_table(["Tier", "Calls", "Cost"], rows, title="By tier", title_justify="left")


def savings(data: dict[str, Any], places: int = 4) -> RenderableType:
    """What the same tokens would have cost on the baseline model, and what that saved. The daemon's `saved` is
    baseline cost minus cost over the priced calls: below zero when the calls cost more than the baseline would
    have, which is said as such, never as a negative saving or a percentage of a near-zero baseline."""
    s = data.get("savings") or {}
    base, saved = s.get("baselineCost") or 0.0, s.get("saved") or 0.0
    line = Text.assemble(("Savings ", "bold"), f"vs {s.get('baselineModel') or 'the baseline'}: ",
                         f"would have cost {money(base, places)}, cost {money(data['totalCost'], places)}: ")
    if saved > 0 and base > 0:
        return line.append(f"saved {money(saved, places)} ({100 * saved / base:.0f}%)", style="bold green")
    line.append("nothing saved", style="bold")
    return line.append(f" (cost {money(-saved, places)} more)" if saved < 0 else "")


PER = MappingProxyType({"daily": "a day", "weekly": "a week", "monthly": "a month"})


def budget_line(budget: dict[str, Any] | None) -> Text | None:
    """The project's budget in its current window (not the report's period), or None when it has none."""
    if not budget or budget.get("budgetUsd") is None:
        return None
    window = budget.get("window") or "monthly"
    places = exact_places([budget["spent"], budget["remaining"], budget.get("reserved")])  # (they add up to the cap)
    line = Text.assemble(("Budget ", "bold"), f"{cap_money(budget['budgetUsd'])} {PER.get(window, window)} "
                         f"(since {budget['windowStart']} UTC): {money(budget['spent'], places)} spent, ")
    if budget["remaining"]:
        line.append(f"{money(budget['remaining'], places)} left", style="green")
    else:
        line.append("nothing left", style="bold red")
    if budget.get("reserved"):
        line.append(f" ({money(budget['reserved'], places)} held for calls in flight)")
    return line


def project_label(data: dict[str, Any]) -> str:
    """`Billing App (proj_…)`; the bare name when it is the id (`default`); `proj_… (deleted)` for a project the
    ledger still holds calls of; the bare id from a daemon that does not send the name."""
    pid = data["projectId"]
    if "projectName" not in data:
        return pid
    name = data["projectName"]
    if name is None:
        return f"{pid} (deleted)"
    return name if name == pid else f"{name} ({pid})"


def render(data: dict[str, Any], period: str) -> RenderableType:
    """The whole `larouter usage` report."""
    days = data["dailyCosts"]
    span = f" ({days[0]['date']} to {days[-1]['date']})" if days else ""
    whose = "every project" if data["projectId"] == "*" else f"project {project_label(data)}"
    saving = data.get("savings") or {}  # (one number of decimals for the total and its parts: the rows add up)
    places = exact_places([data["totalCost"], saving.get("baselineCost"), saving.get("saved"),
                           *(m["cost"] for m in data["byModel"].values()), *(t["cost"] for t in data["byTier"].values())])
    head = Text.assemble((f"Usage of {whose}, {period}{span}\n", "bold"),
                         f"{money(data['totalCost'], places)} over {plural(data['totalCalls'], 'call')} "
                         f"({data['succeededCalls']:,} ok), ",
                         f"{plural(data['inputTokens'], 'input token')} + "
                         f"{plural(data['outputTokens'], 'output token')}")
    if data.get("unpricedCalls"):
        head.append(f"\n{plural(data['unpricedCalls'], 'call')} had no known price (cost shown as —)", style="yellow")
    budget = budget_line(data.get("budget"))
    if budget is not None:
        head.append("\n").append_text(budget)
    if not data["totalCalls"]:
        return Group(head, Text("no calls recorded in this period", style="dim"))
    return Group(head, Text(""), by_model(data, places), by_tier(data, places), savings(data, places), Text(""),
                 daily_chart(days))


@click.group(invoke_without_command=True)
@period_options
@client_options
def usage(client: Client, as_json: bool, period: str, project: str | None) -> None:
    """Show a project's spend and traffic: totals, its budget, by model, by tier, savings and a daily cost chart."""
    if click.get_current_context().invoked_subcommand is None:
        with unknown_project(client, project, history=True):
            data = client.get("/api/usage", period=period, projectId=project_id(client, project))
        emit(data, as_json, lambda d: render(d, period))


def models_table(data: dict[str, Any]) -> Table | str:
    """The /api/usage/models breakdown."""
    if not data["data"]:
        return f"no calls recorded for project {safe(data['projectId'])} in this period ({data['period']})"
    rows = [[m["model"], m["provider"] or "—", f"{m['calls']:,}", f"{m['inputTokens']:,}", f"{m['outputTokens']:,}",
             money(m["cost"]), "—" if m["avgLatencyMs"] is None else f"{m['avgLatencyMs']:,.0f}"]
            for m in data["data"]]
    return fitted_table(["Model", "Provider", "Calls", "In", "Out", "Cost", "Avg ms"], rows, title="Usage by model")


@usage.command("models")
@period_options
@option("--sort", type=click.Choice(["cost", "calls", "tokens", "inputTokens", "outputTokens", "model",
                                     "latency"]), default="cost", show_default=True)
@option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@client_options
def models_cmd(client: Client, as_json: bool, period: str, project: str | None, sort: str, order: str) -> None:
    """Per-model detail: provider, input/output tokens, cost and average latency."""
    period, project = inherited("period", period), inherited("project", project)
    with unknown_project(client, project, history=True):
        data = client.get("/api/usage/models", period=period, projectId=project_id(client, project), sort=sort,
                          order=order)
    emit(data, as_json, models_table)


@usage.command("export")
@period_options
@option("--all-projects", is_flag=True, help="Every project's calls, with a project column (admin token).")
@option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
        help="File to write, whole or not at all (`-`: stdout; a device, a FIFO, /dev/stdout, /dev/fd/N is written into; default: "
             "the daemon's suggested larouter-usage-….csv name in this directory, numbered when a file has it).")
@client_options
def export(client: Client, as_json: bool, period: str, project: str | None, all_projects: bool,
           output: str | None) -> None:
    """Export every call of the period as CSV, streamed to a file (written whole or not at all)."""
    period, given = inherited("period", period), inherited("project", project)
    if output is not None and output.endswith("/"):  # (a Path drops the slash: `-o reports/` wrote a file
        # `reports`, where the shell says "Is a directory": review AO; an existing directory is click's error)
        raise CliError(f"cannot write {output}: it ends in /, so it names a directory, and there is none: name a "
                       f"file (`mkdir -p {output}` first to write {output}usage.csv)")
    if all_projects and given is not None:
        raise click.UsageError("--all-projects exports every project: leave out --project")
    with contextlib.ExitStack() as stack:
        with unknown_project(client, given, history=True):
            project = "*" if all_projects else project_id(client, given)
            resp = stack.enter_context(client.stream("GET", "/api/usage/export",
                                                     {"period": period, "projectId": project}, expect="text/csv"))
        done = exportfile.deliver(client, resp, None if output is None else Path(output))
    if done is None:
        return
    target, written = done
    result = {"path": str(target), "bytes": written, "period": period, "projectId": project}
    if as_json:
        print_json(result)
    else:
        err_console().print(f"wrote {size(written)} of CSV to {safe(str(target))}", soft_wrap=True)
