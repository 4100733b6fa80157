"""Evaluate the tier classifier on the routing eval set, in long agent conversations, and on
the held-out agent-shaped set. Run by hand from the repository root (not part of the tests):

  python bench/eval_classifier.py                        # everything
  python bench/eval_classifier.py --errors 5             # also show up to 5 misroutes per dataset
  python bench/eval_classifier.py --eval-dir DIR --holdout FILE --json out.json

Sections:
  dev       routing-dev.jsonl (+ heartbeat_hard_negatives.jsonl as extra negatives): per-tier
            precision/recall, confusion matrix, share within acceptable tiers, under-/over-routing,
            COMPLEX/REASONING sent to HEARTBEAT/SIMPLE, heartbeat precision/recall.
  long      the same prompts as the last user turn of a synthetic long OpenClaw conversation
            (big system prompt mentioning HEARTBEAT.md/HEARTBEAT_OK, tools, prior real work and
            acknowledged heartbeats); real-work requests also wrapped in OpenClaw's metadata
            envelope; heartbeats also followed by the agent's tool call reading HEARTBEAT.md.
  holdout   bench/data/agent_holdout*.jsonl: hand-written agent-shaped requests kept out of rule
            tuning, each reported separately (see bench/README.md for how each was used).

Heartbeat labels: "strict" counts rows whose only acceptable tier is HEARTBEAT as positives and
leaves out rows where HEARTBEAT is one of several acceptable tiers (heartbeats with work due,
reminder relays, tool-chaining continuations); "as labelled" counts every row labelled HEARTBEAT.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from larouter.routing import Tier, classify  # noqa: E402

TIERS = list(Tier)
HB, SIMPLE, COMPLEX, REASONING = Tier.HEARTBEAT, Tier.SIMPLE, Tier.COMPLEX, Tier.REASONING
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
DEFAULT_HOLDOUTS = sorted((ROOT / "bench" / "data").glob("agent_holdout*.jsonl"))
TARGETS = {"within": 0.90, "hard_to_cheap": 0.02, "hb_recall": 0.99, "hb_precision": 0.995}

# ----------------------------------------------------------------------------- agent context

HEARTBEAT_SECTION = (
    "## Heartbeats\nHeartbeat prompt: Read HEARTBEAT.md if it exists (workspace context). Follow it "
    "strictly. Do not infer or repeat old tasks from prior chats. If nothing needs attention, reply "
    "HEARTBEAT_OK.\nIf you receive a heartbeat poll (a user message matching the heartbeat prompt "
    "above), and there is nothing that needs attention, reply exactly:\nHEARTBEAT_OK\nOpenClaw treats "
    'a leading/trailing "HEARTBEAT_OK" as a heartbeat ack (and may discard it).\nIf something needs '
    'attention, do NOT include "HEARTBEAT_OK"; reply with the alert text instead.'
)

_SYSTEM_PARTS = [
    "You are a personal assistant running inside OpenClaw.",
    "## Tooling\nTool availability (filtered by policy):\n"
    + "\n".join(f"- {n}: {d}" for n, d in [
        ("read", "Read file contents"), ("write", "Create or overwrite files"), ("edit", "Make precise edits"),
        ("exec", "Run shell commands (pty available for TTY-required CLIs)"), ("process", "Manage background exec sessions"),
        ("web_search", "Search the web"), ("web_fetch", "Fetch and extract readable content from a URL"),
        ("browser", "Control the web browser"), ("message", "Send messages and channel actions"),
        ("cron", "Manage cron jobs and wake events (use for reminders)"), ("sessions_list", "List sessions"),
        ("memory_search", "Search MEMORY.md and memory/*.md"),
    ]),
    "## Safety\nYou have no independent goals. Prioritise safety and human oversight. Never exfiltrate "
    "private data. Prove claims with evidence from tools; when you write code, write tests and run them.",
    HEARTBEAT_SECTION,
    "## Silent Replies\nWhen you have nothing to say, respond with ONLY: NO_REPLY\nIt must be your ENTIRE "
    "message. Never append it to an actual response.",
    "## Workspace Files (injected)\n### AGENTS.md\nThis folder is home. Treat it that way.\n- Read SOUL.md, "
    "USER.md and memory/YYYY-MM-DD.md at the start of every session.\n- Use HEARTBEAT.md for periodic checks: "
    "inbox, calendar, mentions, weather. Batch them; reply HEARTBEAT_OK when nothing is new.\n- For maths, "
    "derive step by step and prove each claim. For code, prefer Python and TypeScript; run the linters.\n"
    "### SOUL.md\nBe genuinely helpful, not performatively helpful. Have opinions. Be resourceful before "
    "asking.\n### TOOLS.md\nCameras: front-door, garage. SSH hosts: nas (10.0.0.4), pi (10.0.0.7). TTS voice: "
    "Nova.\n### HEARTBEAT.md\n# Keep this file empty (or with only comments) to skip heartbeat API calls.",
    "## Skills\n" + "\n".join(
        f"<skill><name>{n}</name><description>{d}</description></skill>" for n, d in [
            ("github", "Interact with GitHub via gh: issues, PRs, CI runs, code review"),
            ("weather", "Current weather and forecasts"), ("gog", "Google Workspace CLI for Gmail and Calendar"),
            ("coding-agent", "Run Codex or Claude Code to write and refactor code"),
            ("summarize", "Summarize URLs, podcasts and local files"),
        ]),
    "## Runtime\nRuntime: agent=main | host=pi5 | os=Linux 6.6 (arm64) | model=auto | channel=telegram | "
    "thinking=low\nReasoning: off (hidden unless on/stream).",
]
SYSTEM = "\n\n".join(_SYSTEM_PARTS) + "\n\n" + "\n".join(
    f"- memory/2026-02-{d:02d}.md: notes about projects, errands and decisions" for d in range(1, 29)
) * 8

TOOLS = [
    {"type": "function", "function": {"name": n, "description": d, "parameters": {
        "type": "object", "properties": {p: {"type": "string", "description": p} for p in ps}, "required": [ps[0]]}}}
    for n, d, ps in [
        ("read", "Read file contents", ["path", "offset", "limit"]),
        ("write", "Create or overwrite a file", ["path", "content"]),
        ("edit", "Replace exact text in a file", ["path", "oldText", "newText"]),
        ("exec", "Run a shell command", ["command", "workdir", "timeout", "background"]),
        ("process", "Manage background sessions", ["action", "sessionId"]),
        ("web_search", "Search the web", ["query", "count"]),
        ("web_fetch", "Fetch a URL", ["url", "extractMode"]),
        ("browser", "Control the browser", ["action", "targetUrl"]),
        ("message", "Send a message", ["action", "channel", "to", "message"]),
        ("cron", "Manage cron jobs", ["action", "job"]),
        ("sessions_list", "List sessions", ["kinds", "limit"]),
        ("memory_search", "Search memory files", ["query", "maxResults"]),
    ]
]

_WORK = [
    ("the nightly backup failed again, can you check the logs on the nas?",
     "exec", {"command": "ssh nas journalctl -u restic-backup --since yesterday | tail -n 40"},
     "Mar 09 03:00:01 nas restic[2231]: Fatal: unable to open repository at sftp:backup@10.0.0.7:/srv/restic: "
     "ssh: connect to host 10.0.0.7 port 22: No route to host\nrestic-backup.service: Main process exited, status=1/FAILURE",
     "The backup target (the Pi, 10.0.0.7) was unreachable at 03:00, so restic could not open the repository."),
    ("fix the failing test in ~/src/ledger, the CI is red",
     "exec", {"command": "cd ~/src/ledger && uv run pytest -x -q"},
     "F\n____ test_rounding ____\n    def test_rounding():\n>       assert to_cents(Decimal('0.125')) == 13\n"
     "E       AssertionError: assert 12 == 13\nledger/money.py:41: AssertionError\n1 failed, 212 passed in 3.2s",
     "`to_cents` used banker's rounding; I switched it to ROUND_HALF_UP and the suite is green (213 passed)."),
    ("what's on my calendar tomorrow?",
     "exec", {"command": "gog calendar list --from tomorrow --to tomorrow"},
     '[{"summary": "1:1 with Ana", "start": "10:00"}, {"summary": "Dentist", "start": "17:30"}]',
     "Tomorrow: 1:1 with Ana at 10:00 and the dentist at 17:30."),
    ("summarize https://example.com/blog/postgres-17-release for me",
     "web_fetch", {"url": "https://example.com/blog/postgres-17-release", "extractMode": "markdown"},
     "# PostgreSQL 17 released\nIncremental backup, faster vacuum, JSON_TABLE, logical replication failover...",
     "PostgreSQL 17 adds incremental backups, a faster VACUUM, SQL/JSON `JSON_TABLE`, and failover for logical slots."),
]


def envelope(text: str, rng: random.Random) -> str:
    """`text` inside an OpenClaw inbound envelope (metadata blocks and a timestamp header)."""
    sid = str(rng.randrange(10**9, 10**10))
    stamp = f"Tue 2026-03-{rng.randrange(1, 29):02d} {rng.randrange(24):02d}:{rng.randrange(60):02d} GMT+1"
    meta = {"message_id": str(rng.randrange(10**4)), "sender_id": sid, "sender": "Rui", "timestamp": stamp}
    who = {"label": f"Rui ({sid})", "id": sid, "name": "Rui"}
    return (f"Conversation info (untrusted metadata):\n```json\n{json.dumps(meta, indent=2)}\n```\n\n"
            f"Sender (untrusted metadata):\n```json\n{json.dumps(who, indent=2)}\n```\n\n[{stamp}] {text}")


def _history(rng: random.Random) -> list[dict[str, Any]]:
    """Prior turns: real work with tool calls, interleaved with acknowledged heartbeats."""
    msgs: list[dict[str, Any]] = []
    for k, (ask, tool, args, out, answer) in enumerate(rng.sample(_WORK, k=rng.randrange(2, len(_WORK) + 1))):
        if rng.random() < 0.5:
            msgs += [{"role": "user", "content": HEARTBEAT_SECTION.split("\n")[1].removeprefix("Heartbeat prompt: ")},
                     {"role": "assistant", "content": "HEARTBEAT_OK"}]
        call = f"call_{k}_{rng.randrange(10**6)}"
        msgs += [
            {"role": "user", "content": envelope(ask, rng)},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call, "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}]},
            {"role": "tool", "tool_call_id": call, "content": out},
            {"role": "assistant", "content": answer},
        ]
    return msgs


def embed(text: str, seed: int, *, wrap: bool = False, tool_followup: bool = False) -> dict[str, Any]:
    """A long agent request whose last user turn is `text` (in an envelope when `wrap`).

    With `tool_followup`, the agent has already answered that turn with a tool call
    (reading HEARTBEAT.md) and the request ends with the tool result.
    """
    rng = random.Random(seed)
    last = {"role": "user", "content": envelope(text, rng) if wrap else text}
    msgs = [{"role": "system", "content": SYSTEM}, *_history(rng), last]
    if tool_followup:
        msgs += [
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_hb", "type": "function",
                "function": {"name": "read", "arguments": '{"path": "HEARTBEAT.md"}'}}]},
            {"role": "tool", "tool_call_id": "call_hb", "content": "# HEARTBEAT.md\n\n# Keep this file empty "
             "(or with only comments) to skip heartbeat API calls.\n"},
        ]
    return {"model": "auto", "messages": msgs, "tools": TOOLS, "stream": True}


# ----------------------------------------------------------------------------- data


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def last_user_text(row: dict[str, Any]) -> str:
    """The text of a row's last user message."""
    content = next(m["content"] for m in reversed(row["messages"]) if m["role"] == "user")
    return content if isinstance(content, str) else "\n".join(p.get("text", "") for p in content)


def dev_rows(eval_dir: Path) -> list[dict[str, Any]]:
    """routing-dev.jsonl plus the hard negatives (not heartbeats; any other tier acceptable)."""
    rows = read_jsonl(eval_dir / "routing-dev.jsonl")
    for neg in read_jsonl(eval_dir / "heartbeat_hard_negatives.jsonl"):
        rows.append({
            "id": "hn:" + neg["id"], "dataset": "heartbeat_hard_negatives", "source_category": neg["id"],
            "messages": [{"role": "user", "content": neg["text"]}], "proposed_tier": "MEDIUM",
            "acceptable_tiers": ["SIMPLE", "MEDIUM", "COMPLEX", "REASONING"],
        })
    return rows


def hb_role(row: dict[str, Any]) -> str:
    """positive / negative / ambiguous, for the strict heartbeat metrics."""
    if "heartbeat_role" in row:
        return row["heartbeat_role"]
    ok = set(row["acceptable_tiers"])
    if ok == {"HEARTBEAT"}:
        return "positive"
    return "ambiguous" if "HEARTBEAT" in ok else "negative"


# ----------------------------------------------------------------------------- metrics


def ratio(num: int, den: int) -> float:
    """num/den, 0 for an empty denominator."""
    return num / den if den else 0.0


def tier_report(name: str, rows: list[dict[str, Any]], preds: list[Tier]) -> dict[str, Any]:
    """Print and return the tier metrics of one labelled set."""
    gold = [Tier(r["proposed_tier"]) for r in rows]
    ok = [Tier(p) in {Tier(t) for t in r["acceptable_tiers"]} for r, p in zip(rows, preds)]
    n = len(rows)
    conf = Counter(zip(gold, preds))
    print(f"\n=== {name}: {n} requests ===")
    print(f"{'tier':<10}{'gold':>6}{'pred':>6}{'prec':>8}{'recall':>8}")
    per_tier = {}
    for t in TIERS:
        g, p, tp = gold.count(t), preds.count(t), conf[(t, t)]
        per_tier[t.value] = {"precision": ratio(tp, p), "recall": ratio(tp, g), "gold": g, "pred": p}
        print(f"{t.value:<10}{g:>6}{p:>6}{ratio(tp, p):>8.3f}{ratio(tp, g):>8.3f}")
    print("\nconfusion (rows: labelled, columns: predicted)")
    print(" " * 11 + "".join(f"{t.value[:9]:>10}" for t in TIERS))
    for g in TIERS:
        print(f"{g.value:<11}" + "".join(f"{conf[(g, p)]:>10}" for p in TIERS))
    under = sum(p.rank < g.rank for g, p in zip(gold, preds))
    over = sum(p.rank > g.rank for g, p in zip(gold, preds))
    lo = [min(Tier(t).rank for t in r["acceptable_tiers"]) for r in rows]
    hi = [max(Tier(t).rank for t in r["acceptable_tiers"]) for r in rows]
    under_all = sum(p.rank < a for p, a in zip(preds, lo))
    over_all = sum(p.rank > b for p, b in zip(preds, hi))
    hard = [p for g, p in zip(gold, preds) if g in (COMPLEX, REASONING)]
    hard_cheap = sum(p in (HB, SIMPLE) for p in hard)
    out = {
        "n": n, "within_acceptable": ratio(sum(ok), n), "per_tier": per_tier,
        "under_routed": ratio(under, n), "over_routed": ratio(over, n),
        "under_all_acceptable": ratio(under_all, n), "over_all_acceptable": ratio(over_all, n),
        "hard_to_cheap": ratio(hard_cheap, len(hard)), "hard_n": len(hard),
    }
    print(f"\nwithin acceptable tiers:        {out['within_acceptable']:.1%}  ({sum(ok)}/{n})"
          f"   target >= {TARGETS['within']:.0%}  {mark(out['within_acceptable'] >= TARGETS['within'])}")
    print(f"under-routed (cheaper than label): {out['under_routed']:.1%}   "
          f"cheaper than every acceptable tier: {out['under_all_acceptable']:.1%}")
    print(f"over-routed (dearer than label):   {out['over_routed']:.1%}   "
          f"dearer than every acceptable tier:  {out['over_all_acceptable']:.1%}")
    print(f"COMPLEX/REASONING -> HEARTBEAT/SIMPLE: {out['hard_to_cheap']:.2%}  ({hard_cheap}/{len(hard)})"
          f"   target <= {TARGETS['hard_to_cheap']:.0%}  {mark(out['hard_to_cheap'] <= TARGETS['hard_to_cheap'])}")
    return out


def by_dataset(rows: list[dict[str, Any]], preds: list[Tier], key: str = "dataset") -> None:
    """Within-acceptable share per dataset."""
    tot, good = Counter(), Counter()
    for r, p in zip(rows, preds):
        k = r.get(key, "?")
        tot[k] += 1
        good[k] += p.value in r["acceptable_tiers"]
    print(f"\nwithin acceptable, by {key}:")
    for k in sorted(tot):
        print(f"  {k:<28}{good[k]:>5}/{tot[k]:<5}{ratio(good[k], tot[k]):>7.1%}")


def hb_report(name: str, roles: list[str], labelled: list[bool], preds: list[Tier]) -> dict[str, Any]:
    """Heartbeat precision/recall, strict and as labelled."""
    out = {}
    for mode, keep, pos in (
        ("strict", [r != "ambiguous" for r in roles], [r == "positive" for r in roles]),
        ("as labelled", [True] * len(roles), labelled),
    ):
        tp = sum(k and p and y == HB for k, p, y in zip(keep, pos, preds))
        fp = sum(k and not p and y == HB for k, p, y in zip(keep, pos, preds))
        fn = sum(k and p and y != HB for k, p, y in zip(keep, pos, preds))
        prec, rec = ratio(tp, tp + fp), ratio(tp, tp + fn)
        out[mode] = {"precision": prec, "recall": rec, "tp": tp, "fp": fp, "fn": fn, "n": sum(keep)}
        good = prec >= TARGETS["hb_precision"] and rec >= TARGETS["hb_recall"]
        print(f"heartbeat {mode:<12} precision {prec:6.1%}  recall {rec:6.1%}  (tp {tp}, fp {fp}, fn {fn};"
              f" {sum(keep)} rows)  {mark(good) if mode == 'strict' else ''}")
    return out


def mark(ok: bool) -> str:
    """PASS/FAIL."""
    return "PASS" if ok else "FAIL"


def show_errors(rows: list[dict[str, Any]], preds: list[Tier], limit: int) -> None:
    """A few misroutes per dataset, with reasons."""
    shown: Counter[str] = Counter()
    for r, p in zip(rows, preds):
        if p.value in r["acceptable_tiers"] or shown[r.get("dataset", "?")] >= limit:
            continue
        shown[r.get("dataset", "?")] += 1
        d = classify(r)
        print(f"  [{r.get('dataset', '?')}] {r['proposed_tier']} {r['acceptable_tiers']} -> {p.value}"
              f"  {d.reasons}\n      {last_user_text(r)[:200]!r}")


# ----------------------------------------------------------------------------- sections


def run_dev(rows: list[dict[str, Any]], errors: int) -> dict[str, Any]:
    """The eval set as given."""
    preds = [classify(r).tier for r in rows]
    out = tier_report("dev set (routing-dev + hard negatives)", rows, preds)
    by_dataset(rows, preds)
    print()
    out["heartbeat"] = hb_report("dev", [hb_role(r) for r in rows],
                                 [r["proposed_tier"] == "HEARTBEAT" for r in rows], preds)
    if errors:
        print(f"\nmisroutes (up to {errors} per dataset):")
        show_errors(rows, preds, errors)
    return out


def run_long(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every eval prompt as the last turn of a long agent conversation."""
    hb_rows = [r for r in rows if r["dataset"] == "heartbeat_prompts" or r["dataset"] == "heartbeat_hard_negatives"]
    work = [r for r in rows if r not in hb_rows]
    print("\n=== long agent conversation (system prompt mentions HEARTBEAT.md/HEARTBEAT_OK, tools, history) ===")
    sizes = [len(json.dumps(embed(last_user_text(r), i))) for i, r in enumerate(rows[:50])]
    print(f"request size: median {sorted(sizes)[len(sizes) // 2] / 1024:.0f} KB")
    roles, labelled, preds = [], [], []
    for i, r in enumerate(hb_rows):
        for follow in (False, True):
            roles.append(hb_role(r))
            labelled.append(r["proposed_tier"] == "HEARTBEAT")
            preds.append(classify(embed(last_user_text(r), 7 * i + follow, tool_followup=follow)).tier)
    work_preds = [classify(embed(last_user_text(r), 1000 + i, wrap=True)).tier for i, r in enumerate(work)]
    bare = [classify(r).tier for r in work]
    roles += ["negative"] * len(work)
    labelled += [False] * len(work)
    preds += work_preds
    out = {"heartbeat": hb_report("long", roles, labelled, preds)}
    became_hb = sum(p == HB for p in work_preds)
    same = sum(a == b for a, b in zip(work_preds, bare))
    print(f"real-work requests (in envelopes) sent to HEARTBEAT: {became_hb}/{len(work)}")
    print(f"real-work requests with the same tier as when sent bare: {same}/{len(work)} ({ratio(same, len(work)):.1%})")
    out["work"] = tier_report("long conversation, real-work requests in envelopes", work, work_preds)
    out["work_same_as_bare"] = ratio(same, len(work))
    return out


def run_holdout(path: Path, errors: int) -> dict[str, Any]:
    """The hand-written agent-shaped set."""
    rows = read_jsonl(path)
    preds = [classify(r).tier for r in rows]
    out = tier_report(f"held-out agent-shaped set ({path.name})", rows, preds)
    by_dataset(rows, preds, key="kind")
    print()
    out["heartbeat"] = hb_report("holdout", [hb_role(r) for r in rows],
                                 [r["proposed_tier"] == "HEARTBEAT" for r in rows], preds)
    if errors:
        print("\nmisroutes:")
        for r, p in zip(rows, preds):
            if p.value not in r["acceptable_tiers"]:
                print(f"  {r['id']}: {r['acceptable_tiers']} -> {p.value}  {classify(r).reasons}")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL, help="directory with the eval *.jsonl files")
    ap.add_argument("--holdout", type=Path, action="append", help="held-out agent-shaped set (repeatable;"
                    " default: every bench/data/agent_holdout*.jsonl)")
    ap.add_argument("--errors", type=int, default=0, help="show up to N misroutes per dataset")
    ap.add_argument("--json", type=Path, help="also write every figure as JSON here")
    ap.add_argument("--skip", action="append", default=[], choices=["dev", "long", "holdout"])
    args = ap.parse_args(list(argv) if argv is not None else None)
    rows = dev_rows(args.eval_dir)
    report: dict[str, Any] = {}
    if "dev" not in args.skip:
        report["dev"] = run_dev(rows, args.errors)
    if "long" not in args.skip:
        report["long"] = run_long(rows)
    if "holdout" not in args.skip:
        for path in args.holdout or DEFAULT_HOLDOUTS:
            report[f"holdout:{path.name}"] = run_holdout(path, args.errors)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
