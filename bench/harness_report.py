"""Summaries, ratios, #8 target verdicts and the Markdown/terminal report of bench/harness.py."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

SERVER_OF = {"direct": "fake", "bare": "bare", "larouterd": "larouterd", "candidate": "candidate", "litellm": "litellm"}
BEGIN, END = "<!-- harness:begin -->", "<!-- harness:end -->"
TARGET_LABEL = {"direct": "direct (fake)", "bare": "bare proxy", "larouterd": "larouterd", "candidate": "candidate larouterd",
                "litellm": "LiteLLM"}


def med(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


# A cell's figures that come from the requests of its measured window (blanked when the window had too few).
PER_REQUEST = ("rps", "p50", "p99", "p999", "ttfb_p50", "ttfb_p99", "ttfb_p999", "ttft_p50", "ttft_p99", "ttft_p999",
               "cpu_us", "fake_cpu_us", "added_ttfb_p50_vs_bare",
               *(f"added_{q}_vs_{b}" for q in ("p50", "p99", "p999") for b in ("direct", "bare")))


def too_few(run: dict[str, Any]) -> bool:
    """Fewer requests ended inside the window than the run had connections (none, or one batch at most): the
    window is shorter than the target's latency, and the figures would describe a handful of requests."""
    return run["result"]["requests"] < max(run["conc"], 1)


def summarise(runs: list[dict[str, Any]]) -> dict[tuple[str, int, str], dict[str, Any]]:
    """Per (mode, conc, target): medians over repetitions; added latency = median of per-rep differences. A cell
    with a run that had too few requests in its window (`too_few`) keeps only its counts, errors and RSS, and a
    `thin` note; the other figures are None (shown as "–", left out of ratios and verdicts)."""
    by = {(r["mode"], r["conc"], r["target"], r["rep"]): r for r in runs if not too_few(r)}
    out: dict[tuple[str, int, str], dict[str, Any]] = {}
    cells = {(r["mode"], r["conc"], r["target"]) for r in runs}
    for mode, conc, target in sorted(cells, key=lambda k: (k[0], k[1], list(SERVER_OF).index(k[2]))):
        mine = [r for r in runs if (r["mode"], r["conc"], r["target"]) == (mode, conc, target)]
        res = [r["result"] for r in mine]
        row: dict[str, Any] = {"target": target, "reps": len(mine), "requests": sum(x["requests"] for x in res),
                               "errors": sum(sum(x["errors"].values()) for x in res)}
        row["rps"] = med([x["rps"] for x in res])
        for q in ("p50", "p99", "p999"):
            row[q] = med([x["latency"][q] for x in res])
            row[f"ttfb_{q}"] = med([x["ttfb"][q] for x in res]) if mode == "stream" else None
            row[f"ttft_{q}"] = med([x["ttft"][q] for x in res]) if mode == "stream" else None
            for base in ("direct", "bare"):
                if target == base:
                    continue
                diffs = []
                for r in mine:
                    other = by.get((mode, conc, base, r["rep"]))
                    if other and r["result"]["latency"][q] is not None and other["result"]["latency"][q] is not None:
                        diffs.append(r["result"]["latency"][q] - other["result"]["latency"][q])
                    if q == "p50" and base == "bare" and mode == "stream" and other:
                        row.setdefault("_ttfb_diffs", []).append(r["result"]["ttfb"]["p50"] - other["result"]["ttfb"]["p50"])
                row[f"added_{q}_vs_{base}"] = med(diffs)
        row["added_ttfb_p50_vs_bare"] = med(row.pop("_ttfb_diffs", []))
        server = SERVER_OF[target]
        row["cpu_us"] = med([x["cpu_us_per_req"].get(server) for x in res])
        row["fake_cpu_us"] = med([x["cpu_us_per_req"].get("fake") for x in res])
        row["loadgen_cores"] = med([x["loadgen_cores"] for x in res])
        row["foreign_cores"] = med([x["foreign_cores"] for x in res])
        row["peak_rss_mb"] = max(r["hwm_mb"].get(server, 0.0) for r in mine)
        short = [r["result"] for r in mine if too_few(r)]
        if short:
            row.update(dict.fromkeys(PER_REQUEST))
            row["thin"] = (f"{min(x['requests'] for x in short)} request(s) ended inside a {short[0]['seconds']:.1f} s "
                           f"window with {conc} connection{'s' if conc > 1 else ''}: the window is shorter than its latency")
        out[(mode, conc, target)] = row
    return out


def ratios(summary: dict[tuple[str, int, str], dict[str, Any]], target: str = "larouterd") -> list[dict[str, Any]]:
    """Each figure of `target` as a ratio to the bare proxy and to LiteLLM, per cell (a cell with too few requests
    in its window is left out: no row for it, "–" as a base)."""
    keys = ("rps", "p50", "p99", "p999", "added_p50_vs_direct", "ttfb_p50", "peak_rss_mb", "cpu_us")
    rows = []
    for (mode, conc, tgt), row in summary.items():
        if tgt != target or row.get("thin"):
            continue
        out: dict[str, Any] = {"mode": mode, "conc": conc}
        for base in ("bare", "litellm"):
            other = summary.get((mode, conc, base))
            other = None if other is None or other.get("thin") else other
            for key in keys:
                out[f"{key}/{base}"] = div(row.get(key), other.get(key)) if other else None
        rows.append(out)
    return rows


def _f(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "–" if value is None else format(value, spec) + suffix


def _unmeasured(*rows: dict[str, Any] | None) -> str:
    """The verdict of a target with no figure: "–", and why when a cell had too few requests."""
    thin = [TARGET_LABEL[r["target"]] for r in rows if r and r.get("thin")]
    return "–" + (f" (not measured: window shorter than the latency of {', '.join(thin)})" if thin else "")


def notes(summary: dict[tuple[str, int, str], dict[str, Any]]) -> list[str]:
    """One line per cell shown as "–" because its window held too few requests."""
    return [f"{mode} c={conc} {TARGET_LABEL[target]}: {row['thin']}; shown as –, left out of the ratios and verdicts "
            f"(a longer --duration measures it)" for (mode, conc, target), row in summary.items() if row.get("thin")]


def verdicts(summary: dict[tuple[str, int, str], dict[str, Any]], rss: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each #8 target this harness measures."""
    out = []
    get = summary.get
    for mode in ("json", "stream"):
        lar, bare, lit = get((mode, 32, "larouterd")), get((mode, 32, "bare")), get((mode, 32, "litellm"))
        r = div(lar and lar["rps"], bare and bare["rps"])
        out.append((f"req/s >= 75% of bare, c=32 {mode}", _f(r, ".1%"),
                    _unmeasured(lar, bare) if r is None else ("met" if r >= 0.75 else f"missed by {0.75 - r:.1%} of bare "
                                                                    f"(needs {0.75 / r - 1:+.0%} req/s)")))
        r = div(lar and lar["rps"], lit and lit["rps"])
        out.append((f"req/s >= 30x LiteLLM, c=32 {mode}", _f(r, ".1f", "x"),
                    _unmeasured(lar, lit) if r is None else ("met" if r >= 30 else f"missed by {30 - r:.1f}x")))
    for mode in ("json", "stream"):
        row = get((mode, 1, "larouterd"))
        added = row and row.get("added_p50_vs_bare")
        out.append((f"added p50 over bare < 0.3 ms, c=1 {mode}", _f(added, "+.3f", " ms"),
                    _unmeasured(row, get((mode, 1, "bare"))) if added is None else ("met" if added < 0.3 else f"missed by {added - 0.3:.3f} ms")))
    for conc in (1, 32, 256):
        row = get(("stream", conc, "larouterd"))
        added = row and row.get("added_ttfb_p50_vs_bare")
        if added is not None:
            out.append((f"stream TTFB p50 within 1 ms of bare, c={conc}", _f(added, "+.3f", " ms"),
                        "met" if added <= 1.0 else f"missed by {added - 1.0:.3f} ms"))
    for label, key in (("idle RSS < 80 MB (after start)", "idle_cold_mb"), ("idle RSS < 80 MB (after the load)", "idle_warm_mb")):
        value = rss.get(key)
        out.append((label, _f(value, ".1f", " MB"),
                    "–" if value is None else ("met" if value < 80 else f"missed by {value - 80:.1f} MB")))
    value = rss.get("streams_peak_mb")
    ok = rss.get("streams_ok") == rss.get("streams") and rss.get("upstream_max_open") == rss.get("streams")
    out.append((f"RSS < 200 MB with {rss.get('streams', 1000)} open streams (peak)", _f(value, ".1f", " MB"),
                "–" if value is None else ("met" if value < 200 else f"missed by {value - 200:.1f} MB")
                + ("" if ok else " (not all streams were open at once: see the open-streams table)")))
    return out


def tables(summary: dict[tuple[str, int, str], dict[str, Any]]) -> list[str]:
    """The figures table and larouterd's ratio table, as Markdown lines."""
    lines = ["| mode | conc | target | req/s | x bare | x LiteLLM | p50 ms | p99 ms | p99.9 ms | +p50 vs direct | "
             "+p99 vs direct | +p99.9 vs direct | TTFB p50 ms | TTFB p99 ms | peak RSS MB | CPU µs/req | loadgen cores | errors |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (mode, conc, target), row in summary.items():
        bare, lit = summary.get((mode, conc, "bare")), summary.get((mode, conc, "litellm"))
        lines.append(
            f"| {mode} | {conc} | {TARGET_LABEL[target]} | {_f(row['rps'], ',.0f')} | {_f(div(row['rps'], bare and bare['rps']))} | "
            f"{_f(div(row['rps'], lit and lit['rps']), '.1f')} | {_f(row['p50'], '.3f')} | {_f(row['p99'], '.3f')} | "
            f"{_f(row['p999'], '.3f')} | {_f(row.get('added_p50_vs_direct'), '+.3f')} | "
            f"{_f(row.get('added_p99_vs_direct'), '+.3f')} | {_f(row.get('added_p999_vs_direct'), '+.3f')} | "
            f"{_f(row['ttfb_p50'], '.3f')} | {_f(row['ttfb_p99'], '.3f')} | {row['peak_rss_mb']:.0f} | "
            f"{_f(row['cpu_us'], '.0f')} | {_f(row['loadgen_cores'])} | {row['errors']} |")
    thin = notes(summary)
    if thin:
        lines += ["", *(f"- {n}" for n in thin)]
    for router in ("larouterd", "candidate"):
        rows = ratios(summary, router)
        if not rows:
            continue
        lines += ["", f"{TARGET_LABEL[router]} as a ratio to the bare proxy and to LiteLLM (same run; req/s: higher is "
                  "better, the rest: lower is better):", "",
                  "| mode | conc | req/s ÷bare | ÷LiteLLM | p50 ÷bare | ÷LiteLLM | p99 ÷bare | ÷LiteLLM | p99.9 ÷bare | "
                  "÷LiteLLM | added p50 ÷bare | ÷LiteLLM | TTFB p50 ÷bare | ÷LiteLLM | peak RSS ÷bare | ÷LiteLLM | "
                  "CPU/req ÷bare | ÷LiteLLM |",
                  "|---|---:|" + "---:|" * 16]
        for r in rows:
            cells = [f"{_f(r[f'{k}/{b}'], '.3f' if b == 'litellm' and k != 'rps' else '.2f')}"
                     for k in ("rps", "p50", "p99", "p999", "added_p50_vs_direct", "ttfb_p50", "peak_rss_mb", "cpu_us")
                     for b in ("bare", "litellm")]
            lines.append(f"| {r['mode']} | {r['conc']} | " + " | ".join(cells) + " |")
    return lines


def markdown(meta: dict[str, Any], summary: dict[tuple[str, int, str], dict[str, Any]], rss: dict[str, Any],
             profile: str | None) -> str:
    """The whole report block for bench/RESULTS.md."""
    m = meta
    lines = [BEGIN, f"## Run of {m['started']} ({'quick' if m['quick'] else 'full'})", "",
             "```", m["command"], "```", "",
             f"- machine: {m['cores']} cores ({m['cpu_model']}), {m['mem_gb']:.0f} GiB, Linux {m['kernel']}; "
             f"load average {m['load_start']:.2f} at start, {m['load_end']:.2f} at end",
             f"- versions: Python {m['python']}, aiohttp {m['aiohttp']}, LiteLLM {m['litellm']}, "
             f"larouter {m['larouter']} ({m['git']})",
             f"- pinning: {m['pinning']}",
             f"- load generator: {m['loadgen']}",
             f"- method: {m['method']}",
             f"- other processes on the machine during measured windows: median {m['foreign_median']:.2f} cores, "
             f"max {m['foreign_max']:.2f}; {m['repeated']} run(s) repeated, {m['disturbed_kept']} kept although disturbed",
             f"- larouterd ledger: {m['ledger']}", "", "### Load: JSON and streaming at concurrency 1, 32, 256", ""]
    lines += tables(summary)
    lines += ["", "### Memory (RSS from /proc; peak = VmHWM, reset before each phase)", "",
              "| process | idle after start MB | of which anonymous / file-backed (libraries) | idle after the load MB | "
              "peak under the load matrix MB |", "|---|---:|---:|---:|---:|"]
    for name, row in rss["servers"].items():
        d = row["detail"]
        lines.append(f"| {name} | {row['idle_cold']:.1f} | {d['anon']:.1f} / {d['file']:.1f} | {row['idle_warm']:.1f} | "
                     f"{row['peak']:.1f} |")
    if rss.get("hold"):
        lines += ["", f"Open streams ({rss['streams']} concurrent streaming requests, upstream sending one event every "
                  f"{rss['chunk_delay_ms']:.0f} ms, so each stream stays open ~{rss['stream_seconds']:.0f} s):", "",
                  "| proxy | streams answered | most open at once (upstream) | RSS with all open MB | peak RSS MB | "
                  "RSS after they ended MB | TTFB p50 / p99 ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rss.get("hold", []):
        lines.append(f"| {row['name']} | {row['ok']}/{row['streams']} | {row['upstream_max_open']} | "
                     f"{row['rss_all_open']:.1f} | {row['peak']:.1f} | {row['after']:.1f} | "
                     f"{_f(row['ttfb']['p50'], '.1f')} / {_f(row['ttfb']['p99'], '.1f')} |")
    lines += ["", "### Issue #8 targets", "", "| target | measured | verdict |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in verdicts(summary, rss)]
    lines.append("| RSS flat (within 5%) across a 10-minute soak | not measured here | see `bench/soak.py` |")
    if profile:
        lines += ["", "### Profile under the c=32 load (py-spy, per request)", "", "```", profile, "```"]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_results(path: Path, block: str) -> None:
    """Replace the harness block of `path` (hand-written text around it is kept)."""
    text = path.read_text() if path.exists() else "# LARouter benchmark results\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def terminal(summary: dict[tuple[str, int, str], dict[str, Any]], rss: dict[str, Any]) -> str:
    """A compact plain-text table and the verdicts."""
    head = (f"{'mode':<6} {'c':>3} {'target':<10} {'req/s':>7} {'xbare':>6} {'xLiteLLM':>8} {'p50':>8} {'p99':>8} "
            f"{'p99.9':>8} {'+p50dir':>8} {'ttfb50':>8} {'rssMB':>6} {'cpuµs':>6} {'err':>4}")
    out = [head, "-" * len(head)]
    for (mode, conc, target), row in summary.items():
        bare, lit = summary.get((mode, conc, "bare")), summary.get((mode, conc, "litellm"))
        out.append(f"{mode:<6} {conc:>3} {target:<10} {_f(row['rps'], '.0f'):>7} {_f(div(row['rps'], bare and bare['rps'])):>6} "
                   f"{_f(div(row['rps'], lit and lit['rps']), '.1f'):>8} {_f(row['p50'], '.3f'):>8} "
                   f"{_f(row['p99'], '.3f'):>8} {_f(row['p999'], '.3f'):>8} {_f(row.get('added_p50_vs_direct'), '+.3f'):>8} "
                   f"{_f(row['ttfb_p50'], '.3f'):>8} {row['peak_rss_mb']:>6.0f} {_f(row['cpu_us'], '.0f'):>6} {row['errors']:>4}")
    thin = notes(summary)
    if thin:
        out += ["", *(f"not measured: {n}" for n in thin)]
    out.append("")
    out += [f"{a:<50} {b:>12}  {c}" for a, b, c in verdicts(summary, rss)]
    return "\n".join(out)
