"""`larouter models`: the catalog, downloads, registration and the llama-server processes."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import click
from rich.console import Group
from rich.table import Table
from rich.text import Text

from larouter.cli.common import Client, CliError, Interrupted, client_options, confirm, flag_names, seg
from larouter.cli.output import duration, emit, err_console, id_column, plain, print_json, safe, size
from larouter.cli.downloads import cancel, download, downloads
from larouter.cli.once import option


@click.group()
def models() -> None:
    """Local models: browse the catalog, download, register, start and stop them."""


models.add_command(download)
models.add_command(downloads)
models.add_command(cancel)


def _no_server(entry: dict[str, Any]) -> str | None:
    """Why larouterd has no llama-server to run this model with (the same for every model), or None."""
    verdict = entry["canRun"]
    if verdict.get("llamaServer", True):
        return None
    return next((r for r in verdict["reasons"] if "llama-server" in r), "llama-server not found")


def _can_run(entry: dict[str, Any]) -> str:
    """yes, or no with the reasons; a missing llama-server as `see below`: the note under the table says why and what
    to do, once (it is the same for every model)."""
    verdict = entry["canRun"]
    if verdict["ok"]:
        return "[green]yes[/green]"
    missing = _no_server(entry)
    reasons = ["see below" if r == missing else r for r in verdict["reasons"]]
    return "[red]no[/red]: " + safe("; ".join(reasons))


def _state(state: str | None) -> str:
    colour = {"ready": "green", "starting": "yellow", "stopping": "yellow", "crashed": "red"}.get(state or "", "dim")
    return f"[{colour}]{state or 'stopped'}[/{colour}]"


def catalog_table(entries: list[dict[str, Any]]) -> Table | Group | str:
    """The catalog as a table (parameters, context and variants are in --json)."""
    if not entries:
        return "no models in the catalog: `larouter models add ID --path FILE.gguf` registers one"
    table = Table(id_column("ID", [m["id"] for m in entries]), "Size", "RAM", "Runs here",
                  "Downloaded", "State", title="Model catalog")
    for m in entries:
        default = next((v for v in m["variants"] if v["quantization"] == m["defaultQuantization"]), m["variants"][0])
        table.add_row(m["id"], f"{size(default['sizeBytes'])} {safe(default['quantization'])}",
                      size(m["ramEstimateBytes"]), _can_run(m), safe(m["downloaded"] or "—"), _state(m["state"]))
    missing = next((why for why in map(_no_server, entries) if why is not None), None)
    if missing is None:
        return table
    return Group(table, Text.assemble(("no llama-server", "red"), f": {missing}"))


@models.command("catalog")
@client_options
def catalog_cmd(client: Client, as_json: bool) -> None:
    """List every model LARouter knows (shipped Gemma 4 lineup and your own), with whether it runs here."""
    emit(client.get("/api/models/catalog")["data"], as_json, catalog_table)


def local_table(entries: list[dict[str, Any]]) -> Table | str:
    """Downloaded or registered local models."""
    if not entries:
        return "no local models yet: `larouter models download ID` or `larouter models add ID --path FILE.gguf`"
    table = Table(id_column("ID", [m["id"] for m in entries]), "Quant", "Size", "Context", "State", "Source",
                  title="Local models")
    for m in entries:
        quant = m["downloaded"]
        variant = next((v for v in m["variants"] if v["quantization"] == quant), m["variants"][0])
        table.add_row(m["id"], safe(quant or "—"), size(m.get("downloadedBytes") or variant["sizeBytes"]),
                      f"{m.get('ctxSize', m['contextLength']):,}",
                      _local_state(m) if quant or m["localPath"] else _download_state(m.get("download")),
                      safe(m["localPath"] or variant["repo"] or "—"))
    return table


def _download_state(dl: dict[str, Any] | None) -> str:
    """`downloading 42%` (`queued`, `retrying`…) for a model whose download is under way, else `not downloaded`."""
    if not dl:
        return "not downloaded"
    done = f" {100 * dl['bytes'] / dl['total']:.0f}%" if dl.get("total") else ""
    return f"[yellow]{safe(dl['status'])}{done}[/yellow]"


def _local_state(m: dict[str, Any]) -> str:
    """A local model's state, and its crash restarts in a row when it has any (a model that crashes at every request
    is `ready` between two)."""
    restarts = m.get("restarts") or 0
    return _state(m["state"]) + (f" ({restarts} crash restart{'s' if restarts > 1 else ''})" if restarts else "")


@models.command("list")
@client_options
def list_cmd(client: Client, as_json: bool) -> None:
    """List the models on this machine (downloaded, or registered by you: a file, or a repo not downloaded yet)."""
    data = [m for m in client.get("/api/models/catalog")["data"] if m["downloaded"] or m["localPath"] or m["user"]]
    emit(data, as_json, local_table)


def wait_with_spinner(work: Any, text: str, interrupted: str) -> Any:
    """Run `work()` on a daemon thread behind a spinner with elapsed seconds; Ctrl-C stops waiting, not the work."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except Exception as exc:  # noqa: BLE001 - re-raised on the main thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="larouter-cli-wait", daemon=True)
    started = time.monotonic()
    try:
        with err_console().status(text) as spinner:
            thread.start()
            while thread.is_alive():
                thread.join(0.2)
                spinner.update(f"{text} {time.monotonic() - started:.0f} s")
    except KeyboardInterrupt:
        raise Interrupted(interrupted) from None
    if "error" in box:
        raise box["error"]
    return box["result"]


START_FLAGS = MappingProxyType({"ctxSize": "--ctx-size", "gpuLayers": "--gpu-layers", "threads": "--threads"})


@models.command()
@click.argument("model_id", metavar="ID")
@option("--ctx-size", type=int, help="Context size (-c) for this start, 256 to the model's context length.")
@option("--gpu-layers", type=int, help="Layers to offload (-ngl) for this start, 0-999 (999: all).")
@option("--threads", type=int, help="CPU threads (-t) for this start, 1 to 4 x the daemon machine's CPUs.")
@client_options
def start(client: Client, as_json: bool, model_id: str, ctx_size: int | None, gpu_layers: int | None,
          threads: int | None) -> None:
    """Start a llama-server for a model and wait until it is ready (idempotent)."""
    options = {"ctxSize": ctx_size, "gpuLayers": gpu_layers, "threads": threads}
    body = {k: v for k, v in options.items() if v is not None}
    patient = attrs.evolve(client, timeout=None)  # the daemon answers once the model is ready or failed
    with flag_names(START_FLAGS):
        out = wait_with_spinner(
            lambda: patient.request("POST", f"/api/models/{seg(model_id)}/start", body or None),
            f"starting {model_id}…",
            f"stopped waiting; larouterd keeps starting {model_id} (`larouter models health {model_id}` shows it)")
    if out["state"] != "ready":
        why = out.get("reason") or f"see `larouter models logs {model_id}`"
        raise CliError(f"{model_id} is {out['state']}: {why}")
    emit(out, as_json, lambda o: f"[green]✓[/green] {o['id']} ready on port {o['port']} (pid {o['pid']}"
                                 f"{', loaded in ' + str(round(o['startMs'])) + ' ms' if o.get('startMs') else ''})")


@models.command()
@click.argument("model_id", metavar="ID")
@client_options
def stop(client: Client, as_json: bool, model_id: str) -> None:
    """Stop a running model's llama-server."""
    out = attrs.evolve(client, timeout=None).request("POST", f"/api/models/{seg(model_id)}/stop")
    emit(out, as_json, lambda o: f"stopped {o['id']} ({o['state']})")


def ps_table(procs: list[dict[str, Any]]) -> Table | str:
    """Running processes as a table."""
    if not procs:
        return "no models running"
    table = Table(id_column("ID", [p["id"] for p in procs]), "State", "PID", "Port", "Up", "Restarts")
    for p in procs:
        table.add_row(p["id"], _state(p["state"]), str(p["pid"] or "—"), str(p["port"] or "—"),
                      duration(p["uptime"]),
                      str(p["restarts"]))
    return table


@models.command()
@client_options
def ps(client: Client, as_json: bool) -> None:
    """List the models that are starting, ready or stopping."""
    emit(client.get("/api/models/running")["data"], as_json, ps_table)


def health_grid(h: dict[str, Any]) -> Table:
    """One model's health as key/value rows."""
    grid = Table.grid(padding=(0, 2))
    healthy = "[green]yes[/green]" if h.get("healthy") else "[red]no[/red]"
    rows = [("model", h["id"]), ("state", _state(h["state"])), ("healthy", healthy), ("pid", h.get("pid")),
            ("port", h.get("port")), ("up", duration(h.get("uptime"))), ("restarts", h.get("restarts")),
            ("reason", h.get("reason")), ("error", h.get("error"))]
    for key, value in rows:
        if value is not None:
            grid.add_row(f"[bold]{key}[/bold]", value if key in ("state", "healthy") else safe(str(value)))
    return grid


@models.command()
@click.argument("model_id", metavar="ID")
@client_options
def health(client: Client, as_json: bool, model_id: str) -> None:
    """Show a model's state (stopped, starting, ready, stopping, crashed) and its server's /health."""
    emit(client.get(f"/api/models/{seg(model_id)}/health"), as_json, health_grid)


def new_lines(seen_total: int, fresh: dict[str, Any]) -> tuple[list[str], int]:
    """The lines of a fresh tail that came after the `seen_total`-th line (by the daemon's count of them), and how
    many came that are no longer in the tail (more than it holds between two polls); all of it after a count that
    went back (the model was removed and added again)."""
    lines, total = fresh["lines"], fresh["total"]
    new = total - seen_total if total >= seen_total else total
    return lines[max(len(lines) - new, 0):] if new else [], max(new - len(lines), 0)


def model_state(client: Client, model_id: str) -> dict[str, Any]:
    """A model's `id`, `state` and `reason`: from the running list, else from its health (which asks a ready model's
    llama-server, so it is not asked of one the running list has: a busy server would hold up `logs`)."""
    running = {p["id"]: p for p in client.get("/api/models/running")["data"]}
    return running.get(model_id) or client.get(f"/api/models/{seg(model_id)}/health")


def logs_note(health: dict[str, Any], printed: bool, follow: bool, client: Client) -> str | None:
    """What to say on stderr about a model's logs when they are not the live output of a running server: a stopped
    model has none (or its last run's), a starting one none yet; None for a ready model with output."""
    mid, state, reason = safe(health["id"]), health["state"], health.get("reason")
    why = f" ({safe(reason)})" if reason else ""
    then = "; waiting for output (Ctrl-C stops)" if follow else ""
    if state in ("stopped", "crashed"):
        if printed:
            return f"[yellow]{mid} is {state}{why}: the lines above are from its last run{then}[/yellow]"
        entry = next((m for m in client.get("/api/models/catalog")["data"] if m["id"] == health["id"]), None)
        todo = (f"it is not downloaded: `larouter models download {mid}` downloads it, then `larouter models start "
                f"{mid}` starts it" if entry is not None and not entry["downloaded"] and not entry["localPath"] else
                f"`larouter models start {mid}` starts it")  # (a start of a model not on disk is a 409: review AU)
        return (f"[yellow]{mid} is not running ({state}{why}) and has no logs since larouterd started; "
                f"{todo}{then}[/yellow]")
    if not printed:
        return f"[dim]{mid} is {state}: no output yet{then}[/dim]"
    return None


@models.command()
@click.argument("model_id", metavar="ID")
@option("-n", "--lines", default=200, show_default=True, type=click.IntRange(1, 5000), help="How many lines.")
@option("-f", "--follow", is_flag=True, help="Keep printing new lines (polls once a second; Ctrl-C stops).")
@client_options
def logs(client: Client, as_json: bool, model_id: str, lines: int, follow: bool) -> None:
    """Print the recent output of a model's llama-server."""
    path = f"/api/models/{seg(model_id)}/logs"
    first = client.get(path, lines=lines)
    got, seen = first["lines"], first["total"]
    if as_json and not follow:
        print_json({"id": model_id, "lines": got})
        return
    out = sys.stdout
    for line in got:
        out.write(plain(line) + "\n")
    out.flush()
    note = logs_note(model_state(client, model_id), bool(got), follow, client)
    if note:
        err_console().print(note, soft_wrap=True)
    while follow:
        time.sleep(1.0)
        fresh = client.get(path, lines=5000)
        shown, missed = new_lines(seen, fresh)
        if missed:
            err_console().print(f"[yellow]({missed} lines came and went between two polls)[/yellow]")
        for line in shown:
            out.write(plain(line) + "\n")
        out.flush()
        seen = fresh["total"]


@models.command()
@click.argument("name", metavar="ID")
@option("--path", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A local GGUF model file, whatever its name (made absolute).")
@option("--repo", help="Hugging Face repo (owner/name), with --file.")
@option("--file", "file", help="GGUF file name in --repo.")
@option("--revision", help="Commit or branch of --repo (default main).")
@option("--context-length", type=click.IntRange(256), default=8192, show_default=True)
@client_options
def add(client: Client, as_json: bool, name: str, path: Path | None, repo: str | None, file: str | None,
        revision: str | None, context_length: int) -> None:
    """Register your own model under ID (its id in `models start ID` and in chats): a local GGUF (--path) or a
    Hugging Face file (--repo and --file). The API (`POST /api/models`) takes a sha256 to check and more."""
    if (path is not None and (repo or file)) or (path is None and not (repo and file)):
        raise click.UsageError("give either --path FILE.gguf, or --repo and --file")
    body: dict[str, Any] = {"id": name, "contextLength": context_length}
    if path is not None:
        body["path"] = str(path.resolve())
    else:
        body |= {"repo": repo, "file": file} | ({"revision": revision} if revision else {})
    out = client.request("POST", "/api/models", body)
    emit(out, as_json, lambda o: f"registered {o['id']} ({safe(o['localPath'] or o['variants'][0]['repo'])})"
                                 + ("" if o["localPath"] else f"; fetch it with `larouter models download {o['id']}`"))


@models.command()
@click.argument("model_id", metavar="ID")
@option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@client_options
def remove(client: Client, as_json: bool, model_id: str, yes: bool) -> None:
    """Forget a model you registered (stop it first; files on disk are kept). Asks first, unless --yes."""
    if not yes:  # an unknown model is its 404 at once, a shipped or running one its refusal: not a question first
        health = client.get(f"/api/models/{seg(model_id)}/health")
        canonical = health["id"]
        if health["state"] in ("starting", "ready"):
            raise CliError(f"HTTP 409: model {canonical!r} is running; stop it first: `larouter models stop "
                           f"{canonical}`, then remove it", status=409, code="model_running")
        entry = next((m for m in client.get("/api/models/catalog")["data"] if m["id"] == canonical), None)
        if entry is not None and entry.get("download"):
            dl = entry["download"]["id"]
            raise CliError(f"HTTP 409: model {canonical!r} is being downloaded (download {dl}); cancel it first: "
                           f"`larouter models cancel {dl}`, then remove it", status=409, code="model_downloading")
        if entry is not None and not entry.get("user"):
            raise CliError(f"model {canonical!r} is part of the shipped catalog: only a model added with `larouter "
                           "models add` can be removed", status=400, code="invalid_request_error", param="modelId")
    confirm(f"Remove model {model_id} from the catalog? Its files on disk are kept.", yes)
    emit(client.request("DELETE", f"/api/models/{seg(model_id)}"), as_json, lambda o: f"removed {o['id']}")
