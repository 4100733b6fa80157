"""`larouter models download | downloads | cancel`: model downloads with a live progress bar fed by the SSE stream.

Ctrl-C while a download is shown stops watching and leaves the download running in the daemon (running the same
`download` command again re-attaches to it); with `--cancel-on-interrupt` Ctrl-C cancels it instead. Either way
the partial file is kept, so a later download resumes where it stopped.
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
from rich.progress import BarColumn, DownloadColumn, Progress, ProgressColumn, Task, TextColumn
from rich.console import RenderableType
from rich.text import Text

from larouter.cli.common import EXIT_UNREACHABLE, Client, CliError, Interrupted, client_options, seg, sse_events
from larouter.cli.once import option
from larouter.cli.output import ago, duration, emit, err_console, fitted_table, safe, size


class RateColumn(ProgressColumn):
    """The daemon's measured transfer rate."""

    def render(self, task: Task) -> Text:
        rate = task.fields.get("rate")
        return Text(f"{size(int(rate))}/s" if rate else "–/s", style="progress.data.speed")


class EtaColumn(ProgressColumn):
    """The daemon's estimate of the time left."""

    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        text = "" if task.finished else (f"eta {duration(math.ceil(eta))}" if eta is not None else "eta –")
        return Text(text, style="progress.remaining")


RETRY_WIDTH = 110  # characters of a retry's text beside the bar
RETRY_WHEN = "; retrying in "


def shorten_retry(text: str, width: int = RETRY_WIDTH) -> str:
    """A retry's text within `width` characters, its end (`retrying in 4 s (3 of 5)`) whole: what failed, with the
    middle of a long repo and file name left out (`…`), rather than the end cut off."""
    if len(text) <= width:
        return text
    cut = text.rfind(RETRY_WHEN)
    head, tail = (text[:cut], text[cut:]) if cut >= 0 else (text, "")
    room = max(width - len(tail) - 1, 20)
    start = room * 3 // 5  # (what failed comes first; the file's name last)
    return head[:start] + "…" + head[len(head) - (room - start):] + tail


def follow(client: Client, dl: dict[str, Any], show: bool) -> dict[str, Any]:
    """Read the progress stream to its `done` event (returned) or `error` event (raised), drawing a bar if `show`."""
    label = f"{dl['modelId']} {dl['quantization']}"
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), RateColumn(), EtaColumn())
    with client.stream("GET", dl["progressUrl"], expect="text/event-stream") as resp, \
            Progress(*columns, console=err_console(), disable=not show) as bar:
        task = bar.add_task(safe(label), total=dl["total"] or None, completed=dl["bytes"])
        for event, raw in sse_events(resp):
            data = json.loads(raw)
            if event == "progress":
                shown = safe(label)  # (the bar's description is markup)
                desc = (shown if data["status"] in ("downloading", "done") else
                        f"{shown} (retrying: {safe(shorten_retry(data['retry']))})" if data.get("retry") else
                        f"{shown} ({safe(str(data['status']))})")
                rate = {"rate": data["bytesPerSecond"]} if data["bytesPerSecond"] else {}  # keep the last known
                bar.update(task, description=desc, completed=data["bytes"], total=data["total"] or None,
                           eta=data["eta"], **rate)
            elif event == "done":
                bar.update(task, completed=data["bytes"], total=data["total"] or data["bytes"])
                return {"id": dl["id"], "modelId": dl["modelId"], "quantization": dl["quantization"],
                        "status": "done", **data}
            elif event == "error":
                message = str(data.get("message") or "")
                if data.get("status") == "cancelled" and message.startswith("larouterd is shutting down"):
                    raise CliError(f"download {dl['id']} of {label} stopped: {message}", EXIT_UNREACHABLE)
                what = "was cancelled" if data.get("status") == "cancelled" else f"failed: {message}"
                raise CliError(f"download {dl['id']} of {label} {what}")
    raise CliError(f"the progress stream of {dl['id']} ended early (did larouterd stop?)", EXIT_UNREACHABLE)


def done_line(out: dict[str, Any]) -> str:
    """`✓ model quant: path (sha256 verified)`; a file already on disk says what was checked when it was downloaded
    (`already on disk; sha256 verified 2d 4h ago`), or that no check is on record."""
    check = "sha256 verified" if out.get("verified") else "no sha256 to check"
    if out["alreadyDownloaded"]:
        check = (f"already on disk; {check} {ago(out['checkedAt'])}" if out.get("checkedAt") else
                 "already on disk; no sha256 check on record (the file was not downloaded by this larouterd, or was "
                 "changed since)")
    mmproj = f" + {out['mmproj']['path']}" if out.get("mmproj") else ""
    where = safe(str(out.get("path")) + mmproj)
    return f"[green]✓[/green] {safe(str(out['modelId']))} {safe(str(out['quantization']))}: {where} ({check})"


def warn_if_no_llama_server(client: Client, model_id: str, on_disk: bool) -> None:
    """Before the progress of gigabytes: say so on stderr when larouterd finds no llama-server to run the model with
    (the download still goes on; one can be installed meanwhile), or, for a model already on disk (`on_disk`), that
    it is downloaded but cannot start."""
    entries = client.request("GET", "/api/models/catalog")["data"]
    verdict = next((m["canRun"] for m in entries if "llamaServer" in m.get("canRun", {})), None)
    if verdict is None or verdict["llamaServer"]:
        return
    why = next((r for r in verdict["reasons"] if "llama-server" in r), "llama-server not found")
    what = "is already downloaded" if on_disk else "will download"
    err_console().print(f"[yellow]warning:[/yellow] {safe(model_id)} {what}, but larouterd cannot start it "
                        f"until it has a llama-server: {safe(why)}", soft_wrap=True)


@click.command()
@click.argument("model_id", metavar="ID")
@option("-q", "--quant", help="Quantisation, e.g. Q4_K_M (default: the catalog's).")
@option("--no-mmproj", is_flag=True, help="Skip the vision projector file.")
@option("--cancel-on-interrupt", is_flag=True,
        help="Ctrl-C cancels the download (default: it continues in the daemon).")
@option("--detach", is_flag=True, help="Start it and return at once, printing the download id.")
@client_options
def download(client: Client, as_json: bool, model_id: str, quant: str | None, no_mmproj: bool,
             cancel_on_interrupt: bool, detach: bool) -> None:
    """Download a catalog model's GGUF from Hugging Face, with a live progress bar (speed, ETA).

    Starting a model that is already downloading joins that download. Ctrl-C stops watching and the
    download continues in larouterd (run the command again to watch it); --cancel-on-interrupt makes
    Ctrl-C cancel it. A cancelled or broken download resumes from its partial file next time.
    """
    body: dict[str, Any] = {"modelId": model_id, "format": "gguf"}
    body |= ({"quantization": quant} if quant else {}) | ({"mmproj": False} if no_mmproj else {})
    dl = client.request("POST", "/api/models/download", body)  # (an unknown model is its error, with no warning)
    warn_if_no_llama_server(client, model_id, dl["status"] == "done")
    if detach and dl["status"] != "done":
        emit(dl, as_json, lambda d: f"downloading {d['modelId']} {d['quantization']} as {d['id']} "
                                    f"(`larouter models download {d['modelId']}` shows its progress)")
        return
    try:
        if not as_json and dl["status"] != "done":
            then = "cancels it" if cancel_on_interrupt else "stops watching; it continues in larouterd"
            err_console().print(f"downloading {model_id} {dl['quantization']} as {dl['id']} (Ctrl-C {then})",
                                soft_wrap=True)
        out = follow(client, dl, show=not as_json and dl["status"] != "done")
    except KeyboardInterrupt:
        if cancel_on_interrupt:
            client.request("DELETE", f"/api/models/download/{seg(dl['id'])}")
            raise Interrupted(f"cancelled download {dl['id']}; the partial file is kept, so downloading "
                              f"{model_id} again resumes it") from None
        raise Interrupted(f"stopped watching; download {dl['id']} continues in larouterd "
                          f"(`larouter models download {model_id}` shows it again, "
                          f"`larouter models cancel {dl['id']}` stops it)") from None
    emit({**out, "alreadyDownloaded": dl["status"] == "done"}, as_json, done_line)


def downloads_table(rows: list[dict[str, Any]]) -> RenderableType | str:
    """Downloads the daemon remembers."""
    if not rows:
        return "no downloads since larouterd started"
    cells = []  # (ids, states and amounts whole, never cut to `gemma-4-e…`; the error, prose, wraps)
    for d in rows:
        pct = f" {100 * d['bytes'] / d['total']:.0f}%" if d["total"] else ""
        cells.append([d["id"], d["modelId"], d["quantization"], d["status"],
                      f"{size(d['bytes'])} / {size(d['total'])}{pct}", d["error"] or "—"])
    return fitted_table(["ID", "Model", "Quant", "Status", "Progress", "Error"], cells, wrap=("Error",))


@click.command()
@client_options
def downloads(client: Client, as_json: bool) -> None:
    """List the downloads this daemon has run or is running."""
    emit(client.get("/api/models/downloads")["data"], as_json, downloads_table)


@click.command()
@click.argument("download_id", metavar="DOWNLOAD_ID")
@client_options
def cancel(client: Client, as_json: bool, download_id: str) -> None:
    """Cancel a running download (dl_…, see `larouter models downloads`); its partial file is kept."""
    out = client.request("DELETE", f"/api/models/download/{seg(download_id)}")
    emit(out, as_json, lambda d: f"download {d['id']} of {d['modelId']}: {d['status']}")
