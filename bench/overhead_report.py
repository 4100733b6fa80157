"""Summary and report for bench/overhead.py: `summarise` turns the interleaved runs into one row per
cell and target (medians over repetitions, added latency as the median of per-repetition
differences against `direct` and `bare`, CPU per request) plus the target ratios (throughput of
each larouterd against the bare proxy, added p50 over bare), and `print_report` prints the table
and a verdict against the project targets. Moved out of bench/overhead.py, which imports what it
needs from here.
"""

from __future__ import annotations

import statistics
from typing import Any

TARGETS = ("direct", "bare", "larouterd")  # + "candidate" with --candidate-src / --candidate-cmd
ROUTERS = ("larouterd", "candidate")
TARGET_RATIO = 0.75
TARGET_ADDED_P50_MS = 0.3


def summarise(runs: list[dict[str, Any]], cells: list[tuple[str, int]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Medians over repetitions, paired added latencies, and the two target ratios."""
    by = {(r["mode"], r["conc"], r["target"], r["rep"]): r for r in runs}
    reps = sorted({r["rep"] for r in runs})
    targets = [t for t in (*TARGETS, "candidate") if any(r["target"] == t for r in runs)]
    rows = []
    for mode, conc in cells:
        for target in targets:
            mine = [by[(mode, conc, target, rep)] for rep in reps]
            row: dict[str, Any] = {"mode": mode, "conc": conc, "target": target, "reps": len(mine)}
            for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "mean_ms"):
                row[key] = statistics.median(r[key] for r in mine)
            row["rps_min"] = min(r["rps"] for r in mine)
            row["rps_max"] = max(r["rps"] for r in mine)
            for base in ("direct", "bare"):
                if target == base or (base == "bare" and target == "direct"):
                    continue
                for key in ("p50_ms", "p99_ms"):
                    diffs = [by[(mode, conc, target, rep)][key] - by[(mode, conc, base, rep)][key] for rep in reps]
                    row[f"added_{key}_vs_{base}"] = statistics.median(diffs)
            row["cpu_us_per_req"] = {
                name: statistics.median(r["cpu_us_per_req"][name] for r in mine) for name in mine[0]["cpu_us_per_req"]
            }
            rows.append(row)
    ratios: dict[str, Any] = {}
    find = {(r["mode"], r["conc"], r["target"]): r for r in rows}
    for router in (t for t in ROUTERS if t in targets):
        prefix = "" if router == "larouterd" else f"{router}_"
        for mode, conc in cells:
            bare, lar = find[(mode, conc, "bare")], find[(mode, conc, router)]
            ratios[f"{prefix}throughput_ratio_{mode}_c{conc}"] = lar["rps"] / bare["rps"]
            ratios[f"{prefix}added_p50_ms_over_bare_{mode}_c{conc}"] = lar["added_p50_ms_vs_bare"]
            ratios[f"{prefix}proxy_cpu_us_per_req_{mode}_c{conc}"] = {
                "bare": bare["cpu_us_per_req"]["bare"], router: lar["cpu_us_per_req"][router]}
    return rows, ratios


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def print_report(rows: list[dict[str, Any]], ratios: dict[str, Any], cells: list[tuple[str, int]], meta: dict[str, Any]) -> None:
    """The table, then the two target ratios with a verdict."""
    print(f"\n{meta['reps']} interleaved repetitions per cell, loadgen={meta['loadgen']}, {meta['per_run']}; "
          f"medians over repetitions; added = median of per-repetition differences.")
    print(f"larouter from {meta['larouter_src']} ({meta['git']}); load average {meta['loadavg_start'][0]:.2f} at start, "
          f"{meta['loadavg_end'][0]:.2f} at end; other processes busy during runs: median {meta['foreign_median']:.2f} "
          f"cores, max {meta['foreign_max']:.2f}; {meta['disturbed_runs']} run(s) kept although disturbed, "
          f"{meta['repeated_runs']} repeated.")
    head = (f"{'mode':<6} {'conc':>4} {'target':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'+p50 vs direct':>14} {'+p99 vs direct':>14} {'+p50 vs bare':>12} {'+p99 vs bare':>12} "
            f"{'proxy CPU us/req':>16}")
    print(head)
    print("-" * len(head))
    for row in rows:
        proxy_cpu = row["cpu_us_per_req"].get(row["target"]) if row["target"] != "direct" else None
        print(f"{row['mode']:<6} {row['conc']:>4} {row['target']:<10} {row['rps']:>8.0f} {row['p50_ms']:>7.3f} "
              f"{row['p99_ms']:>7.3f} {_fmt(row.get('added_p50_ms_vs_direct'), '+14.3f'):>14} "
              f"{_fmt(row.get('added_p99_ms_vs_direct'), '+14.3f'):>14} {_fmt(row.get('added_p50_ms_vs_bare'), '+12.3f'):>12} "
              f"{_fmt(row.get('added_p99_ms_vs_bare'), '+12.3f'):>12} {_fmt(proxy_cpu, '16.0f'):>16}")
    for router in ROUTERS:
        prefix = "" if router == "larouterd" else f"{router}_"
        if f"{prefix}throughput_ratio_{cells[0][0]}_c{cells[0][1]}" not in ratios:
            continue
        print()
        for mode, conc in cells:
            ratio = ratios[f"{prefix}throughput_ratio_{mode}_c{conc}"]
            mark = "meets" if ratio >= TARGET_RATIO else "misses"
            cpu = ratios[f"{prefix}proxy_cpu_us_per_req_{mode}_c{conc}"]
            print(f"throughput {router}/bare  {mode:<6} c={conc:<3} {ratio:5.2f}  ({mark} target >= {TARGET_RATIO}); "
                  f"CPU per request bare/{router} {cpu['bare']:.0f}/{cpu[router]:.0f} us = {cpu['bare'] / cpu[router]:.2f}")
        for mode, conc in cells:
            if conc != 1:
                continue
            added = ratios[f"{prefix}added_p50_ms_over_bare_{mode}_c{conc}"]
            mark = "meets" if added < TARGET_ADDED_P50_MS else "misses"
            print(f"added p50 {router}-bare   {mode:<6} c={conc:<3} {added:5.3f} ms  ({mark} target < {TARGET_ADDED_P50_MS} ms)")
