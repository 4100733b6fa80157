"""`larouter`: the command-line client of a running larouterd (talks HTTP, never opens the database)."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from larouter import __version__
from larouter.cli.common import Client, CliError, LarouterGroup, client_options, optional
from larouter.cli.output import ago, duration, emit, money, plural, safe
from larouter.cli.config import config
from larouter.cli.models import models
from larouter.cli.once import option
from larouter.cli.projects import projects
from larouter.cli.route import route
from larouter.cli.usage import project_label, usage


@click.group(cls=LarouterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="larouter")
@option("--url", metavar="URL", help="Daemon base URL for the command (as the command's own --url).")
@option("--token", help="Admin or project token for the command (as the command's own --token).")
@option("--json", "as_json", is_flag=True, help="Machine-readable JSON (as the command's own --json).")
def main(url: str | None, token: str | None, as_json: bool) -> None:
    """LARouter: local-first LLM router.

    Every command talks to a running larouterd over HTTP: --url / LAROUTER_URL (default: where this home's
    running larouterd listens, else the address in the settings), --token / LAROUTER_TOKEN, given before the
    command or after it. Exit codes: 0 ok (also when
    the reader of the output stops early, as `| head` does), 1 user error or rejected request, 2 daemon
    unreachable, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP), 131 quit (Ctrl-\\),
    138 and 140 (SIGUSR1, SIGUSR2), 142 (SIGALRM).
    """


def month_spend(client: Client) -> dict[str, Any] | None:
    """This month's cost and calls of every project (deleted ones' included); with a project token (which may not
    list projects), those of the token's own project, asked for without a projectId. None when usage is not
    readable."""
    listing = optional(client, "/api/projects")
    if listing is None:
        own = optional(client, "/api/usage", period="monthly")
        if own is None:
            return None
        return {"period": "monthly", "totalCost": own["totalCost"] or 0.0, "totalCalls": own["totalCalls"],
                "projects": 1, "projectId": own["projectId"], "projectName": own.get("projectName")}
    every = optional(client, "/api/usage", period="monthly", projectId="*")  # deleted projects' calls included
    if every is None:
        return None
    return {"period": "monthly", "totalCost": every["totalCost"] or 0.0, "totalCalls": every["totalCalls"],
            "projects": len(listing["data"])}


def spend_line(spend: dict[str, Any] | None, ledger: Any = None) -> str:
    """`$1.2000 over 3 calls (all projects, deleted ones included)`, or `(project NAME (ID))` for a project token's
    own project; while the ledger cannot write (/health's `ledger`), the records it holds are not in these sums yet,
    and it says so (a query commits what waits first whenever the ledger can write, so only then are records left
    out)."""
    if spend is None:
        return "[dim]not visible with this token[/dim]"
    if "projectId" in spend:  # a name-less one (a daemon that does not send it) shows the bare id
        whose = f"project {safe(project_label(spend) if spend.get('projectName') else spend['projectId'])}"
    else:  # (every project's calls, deleted ones' too: not the count of projects there are now, review AJ)
        whose = "all projects, deleted ones included"
    line = f"{money(spend['totalCost'])} over {plural(spend['totalCalls'], 'call')} ({whose})"
    failing = isinstance(ledger, dict) and ledger.get("failing")
    waiting = (ledger.get("pending") or 0) if failing else 0
    if waiting:  # of any project and any time (rows read back from the journal too): "up to"
        line += (f"; [yellow]not counted yet: up to {plural(waiting, 'call')} whose usage records wait for the "
                 "ledger to write them[/yellow]")
    return line


STATE_STYLES = {"ok": "green", "cooling": "yellow", "failing": "bold red"}  # an upstream's state in /health


def upstream_line(name: str, up: dict[str, Any]) -> str:
    """One upstream of /health's `upstreams`: its state, and when it has failed lately how often and how."""
    state = str(up.get("state"))
    line = f"{safe(name)}: [{STATE_STYLES.get(state, 'yellow')}]{safe(state)}[/]"
    failures = up.get("consecutiveFailures") or 0
    details = [f"{plural(failures, 'failure')} in a row"] if failures else []
    if up.get("lastError") and (failures or state != "ok"):
        details.append(f"last {safe(str(up['lastError']))} {ago(up.get('lastErrorAt'))}")
    if up.get("lastOkAt") and state != "ok":
        details.append(f"last answered {ago(up['lastOkAt'])}")
    return line + (f" ({', '.join(details)})" if details else "")


def upstream_lines(name: str, up: dict[str, Any]) -> list[str]:
    """An upstream's line, then one for each of its models that failed on its own (`provider/model: ...`)."""
    models = up.get("models")
    own = sorted(models.items()) if isinstance(models, dict) else []  # (an older daemon sends none)
    return [upstream_line(name, up), *(upstream_line(f"{name}/{model}", m) for model, m in own if isinstance(m, dict))]


def ledger_line(ledger: dict[str, Any]) -> str:
    """/health's `ledger`: ok, or failing with its last error and the records it holds: those in the journal on disk
    (committed once writing works, at the next start if need be) and those in memory only (lost if the daemon stops before writing
    works again); records dropped (the buffer was full) or lost since the start, when there are any."""
    dropped, lost = ledger.get("dropped") or 0, ledger.get("failed") or 0
    gone = [f"{plural(dropped, 'record')} dropped (usage.queue_max was full: never recorded)"] if dropped else []
    gone += [f"{plural(lost, 'record')} lost"] if lost else []
    since = f" ({', '.join(gone)} since start)" if gone else ""
    if not ledger.get("failing"):
        return f"[green]ok[/green]{since}"
    pending, journaled = ledger.get("pending") or 0, ledger.get("journaled") or 0
    held = []
    if pending > journaled:
        held.append(f"{pending - journaled:,} in memory only, lost if the daemon stops before writing works again")
    if journaled:
        held.append(f"{journaled:,} in the journal on disk, kept across a restart")
    where = "; ".join(held)
    return (f"[bold red]failing[/bold red]: cannot write ({safe(str(ledger.get('lastError')))}, last tried "
            f"{ago(ledger.get('lastErrorAt'))}); {plural(pending, 'usage record')} waiting"
            f"{f' ({where})' if where else ''}{since}")


def degraded_because(data: dict[str, Any]) -> list[str]:
    """What makes /health "degraded", in words: the ledger failing, each failing upstream (none: [])."""
    causes = []
    ledger = data.get("ledger")
    if isinstance(ledger, dict) and ledger.get("failing"):
        causes.append("the usage ledger cannot write")
    upstreams = data.get("upstreams")
    failing = sorted(name for name, up in upstreams.items() if isinstance(up, dict) and up.get("state") == "failing") \
        if isinstance(upstreams, dict) else []
    if failing:
        causes.append(f"{'upstream' if len(failing) == 1 else 'upstreams'} {safe(', '.join(failing))} failing")
    return causes


def render_status(data: dict[str, Any]) -> Table:
    """Key/value grid for `larouter status`."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(overflow="fold")  # a long path in an error is folded, never cut short
    status = str(data["status"])
    why = "; ".join(degraded_because(data)) or "a cause this larouter cannot name: see /health"
    shown = (f"[green]{safe(status)}[/green]" if status == "ok" else
             f"[bold yellow]{safe(status)}[/bold yellow] ({why}; the daemon itself is up)")
    grid.add_row("[bold]larouterd[/bold]", f"{data['url']}: {shown}, up {duration(data['uptime'])}")
    running = data["running"]
    if running is None:
        models = "[dim]not visible with this token[/dim]"
    else:
        models = ", ".join(f"{m['id']} ({m['state']}{', port ' + str(m['port']) if m.get('port') else ''})"
                           for m in running) or "none"
    grid.add_row("[bold]running models[/bold]", models)
    upstreams = data.get("upstreams")
    if isinstance(upstreams, dict):  # the failing ones first (an older daemon sends none)
        ranked = sorted(upstreams.items(), key=lambda kv: (str(kv[1].get("state")) != "failing", kv[0]))
        lines = [line for name, up in ranked if isinstance(up, dict) for line in upstream_lines(name, up)]
        lines = lines or ["none called yet"]
        for i, line in enumerate(lines):
            grid.add_row("[bold]upstreams[/bold]" if i == 0 else "", line)
    routing = data.get("routing")
    if routing is not None:
        grid.add_row("[bold]routing memory[/bold]", f"{plural(routing['learnedHeartbeats'], 'learned heartbeat')}, "
                     f"{plural(routing['stickyConversations'], 'sticky conversation')}")
    ledger = data.get("ledger")
    if isinstance(ledger, dict):
        grid.add_row("[bold]usage ledger[/bold]", ledger_line(ledger))
    grid.add_row("[bold]spend this month[/bold]", spend_line(data["spend"], ledger))
    return grid


@main.command()
@client_options
def status(client: Client, as_json: bool) -> None:
    """Show daemon health (and, when degraded, why), uptime, the running models, the usage ledger and this month's
    spend."""
    health = client.get("/health")
    if not isinstance(health, dict) or not {"status", "uptime"} <= health.keys():
        raise CliError(f"{client.base_url} answered /health, but not as larouterd does; is it larouterd?")
    running = optional(client, "/api/models/running")
    data = {"url": client.base_url, **health, "running": None if running is None else running["data"],
            "spend": month_spend(client)}
    emit(data, as_json, render_status)


@main.command(context_settings={"ignore_unknown_options": True}, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(args: tuple[str, ...]) -> None:
    """Run the daemon in the foreground: the same as `larouterd` (`larouter serve --help` for its options)."""
    from larouter.daemon import main as daemon  # imported here: the client never loads the daemon's stack

    daemon.main(list(args), prog_name="larouter serve")


main.add_command(models)
main.add_command(projects)
main.add_command(usage)
main.add_command(config)
main.add_command(route)
