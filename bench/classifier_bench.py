"""Benchmark the tier classifier alone (no HTTP), against baselines measured in the same run.

Run by hand from the repository root (never part of the test suite):

  python bench/classifier_bench.py            # full run (about a minute)
  python bench/classifier_bench.py --quick    # fewer iterations
  python bench/classifier_bench.py --json out.json

Cases (requests built by bench/eval_classifier.py's synthetic OpenClaw conversation: a ~20 KB
system prompt that mentions HEARTBEAT.md/HEARTBEAT_OK, 12 tools, prior turns with tool calls):

  typical-*      one agent request: system prompt + a few turns + tools, last user turn in an
                 OpenClaw metadata envelope (work requests) or the heartbeat prompt
  128k-history   ~128k tokens of history (~4 chars/token), ordinary last user turn
  128k-toolloop  ~128k tokens, the last 200 messages are assistant tool calls and tool results
                 (the classifier walks back over them to the user turn that started the loop)
  128k-paste     ~128k tokens, most of it pasted into the last user turn itself (only its first
                 and last few KB are scanned)

Baselines, timed on the same body in the same process: `json.dumps(body)` (what any proxy pays
to forward the request) and a trivial pass (`messages[-1]` content lowercased). Targets: median
<= 50 us for a typical agent request, <= 2 ms for a 128k-token conversation.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from eval_classifier import embed  # noqa: E402

from larouter.routing import classify  # noqa: E402

TYPICAL = {
    "typical-simple": "thanks, that's perfect",
    "typical-ops": "can you check why the nightly backup failed and fix the cron job?",
    "typical-code": "write a python script that renames all jpg files in a folder by their EXIF date",
    "typical-reasoning": "Prove that there are infinitely many primes of the form 4k+3.",
    "typical-writing": "draft a polite reply to Sarah saying I can't make Thursday but suggest next week",
}
HEARTBEAT = (
    "Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old "
    "tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Thursday, "
    "April 30th, 2026 - 10:00 AM (America/New_York) / 2026-04-30 14:00 UTC"
)
# A heartbeat in a user's own wording (not a framework's verbatim prompt, which known_prompts.py recognises in ~2 us):
# what every rule of heartbeat.detect reads.
HEARTBEAT_CUSTOM = (
    "Heartbeat (every 30 min): check HEARTBEAT.md and the summary below. Inbox: 0 unread. Calendar: nothing in "
    "the next 2 hours. Deploys: all green. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: "
    "Thursday, April 30th, 2026 - 10:00 AM (America/New_York) / 2026-04-30 14:00 UTC"
)
# A check-in's own lookup after the heartbeat (the agent ran `kubectl get pods`): what the quiet reader of lookups reads.
KUBECTL = ("NAME                          READY   STATUS    RESTARTS   AGE\n"
           + "".join(f"api-7d9c6b5f8-{i:05d}           1/1     Running   0          6d\n" for i in range(8)))


def with_lookup(body: dict[str, Any], result: str) -> dict[str, Any]:
    """`body` with the agent's tool call after its last user turn and the call's `result`."""
    call = {"id": "call_hb", "type": "function", "function": {"name": "exec", "arguments": '{"command": "check"}'}}
    messages = [*body["messages"], {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_hb", "content": result}]
    return {**body, "messages": messages}


LOG_LINE = "2026-03-09T03:00:01Z nas restic[2231]: processed 1843 files, 2.113 GiB in 0:41, 0 errors, snapshot 4f1c9a2e saved\n"


def conversation_128k(kind: str) -> dict[str, Any]:
    """A ~128k-token request (at ~4 characters per token) of the given shape."""
    body = embed(TYPICAL["typical-ops"], 11, wrap=True)
    msgs = body["messages"]
    last = msgs.pop()
    filler = (LOG_LINE * 12)[:1200]
    target = 128_000 * 4 - (100 * 1400 if kind == "toolloop" else 0)
    k = 0
    if kind == "paste":
        last = {"role": "user", "content": "what went wrong in this log?\n\n" + LOG_LINE * (target // len(LOG_LINE))}
    else:
        while len(json.dumps(msgs)) < target:
            k += 1
            msgs += [{"role": "user", "content": f"check the backup log #{k}"},
                     {"role": "assistant", "content": None, "tool_calls": [{"id": f"c{k}", "type": "function",
                      "function": {"name": "exec", "arguments": json.dumps({"command": f"tail -n 12 /var/log/b{k}.log"})}}]},
                     {"role": "tool", "tool_call_id": f"c{k}", "content": filler},
                     {"role": "assistant", "content": f"Log #{k} looks clean: no errors."}]
    msgs.append(last)
    if kind == "toolloop":
        for j in range(100):
            msgs += [{"role": "assistant", "content": None, "tool_calls": [{"id": f"t{j}", "type": "function",
                      "function": {"name": "exec", "arguments": json.dumps({"command": f"cat part{j}.log"})}}]},
                     {"role": "tool", "tool_call_id": f"t{j}", "content": filler}]
    body["messages"] = msgs
    return body


def measure(fn: Callable[[], object], iterations: int) -> list[float]:
    """Per-call wall time in microseconds, after a warm-up."""
    for _ in range(max(50, iterations // 10)):
        fn()
    gc.collect()
    out = []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        start = clock()
        fn()
        out.append((clock() - start) / 1000)
    return out


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_case(name: str, body: dict[str, Any], iterations: int) -> dict[str, Any]:
    """Time classify and the two baselines on one body."""
    raw = json.dumps(body)
    last = body["messages"][-1]

    def trivial() -> object:
        content = last.get("content")
        return content.lower() if isinstance(content, str) else content

    cls = measure(lambda: classify(body), iterations)
    dumps = measure(lambda: json.dumps(body), max(20, iterations // 10))
    triv = measure(trivial, iterations)
    decision = classify(body)
    row = {
        "case": name, "bytes": len(raw), "approx_tokens": len(raw) // 4, "messages": len(body["messages"]),
        "median_us": statistics.median(cls), "p99_us": pct(cls, 0.99),
        "json_dumps_median_us": statistics.median(dumps), "trivial_median_us": statistics.median(triv),
        "tier": decision.tier.value,
    }
    row["ratio_vs_json_dumps"] = row["median_us"] / row["json_dumps_median_us"]
    return row


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description="Benchmark larouter.routing.classify")
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args(argv)
    n_small, n_big = (3000, 300) if args.quick else (20000, 2000)
    cases: list[tuple[str, dict[str, Any], int]] = [
        (name, embed(text, 3, wrap=True), n_small) for name, text in TYPICAL.items()
    ]
    cases.append(("typical-heartbeat", embed(HEARTBEAT, 3), n_small))
    cases.append(("typical-hb-custom", embed(HEARTBEAT_CUSTOM, 3), n_small))
    cases.append(("typical-hb-lookup", with_lookup(embed(HEARTBEAT, 3), KUBECTL), n_small))
    cases += [(f"128k-{kind}", conversation_128k(kind), n_big) for kind in ("history", "toolloop", "paste")]
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"command: python {' '.join(sys.argv)}")
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs, load {load[0]:.2f}")
    head = f"{'case':<20}{'KB':>6}{'~tokens':>9}{'msgs':>6}{'median us':>11}{'p99 us':>9}"
    print(head + f"{'json.dumps us':>15}{'x dumps':>9}{'trivial us':>12}  tier")
    rows = []
    for name, body, iterations in cases:
        r = run_case(name, body, iterations)
        rows.append(r)
        print(f"{r['case']:<20}{r['bytes'] / 1024:>6.0f}{r['approx_tokens']:>9}{r['messages']:>6}"
              f"{r['median_us']:>11.1f}{r['p99_us']:>9.1f}{r['json_dumps_median_us']:>15.1f}"
              f"{r['ratio_vs_json_dumps']:>9.3f}{r['trivial_median_us']:>12.2f}  {r['tier']}")
    typical = [r["median_us"] for r in rows if r["case"].startswith("typical")]
    big = [r["median_us"] for r in rows if r["case"].startswith("128k")]
    print(f"\ntypical agent request: worst median {max(typical):.1f} us (target <= 50 us) "
          f"{'PASS' if max(typical) <= 50 else 'FAIL'}")
    print(f"128k-token conversation: worst median {max(big):.1f} us (target <= 2000 us) "
          f"{'PASS' if max(big) <= 2000 else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load": load[0]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
