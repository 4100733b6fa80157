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

The synthetic long conversation (system prompt, tools, history, envelope) is built by
bench/eval_conversation.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from larouter.routing import Tier, classify  # noqa: E402
from larouter.routing.rules import DEFAULT, ClassifierConfig, without_model  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_conversation import embed  # noqa: E402  (bench/ is not a package)

TIERS = list(Tier)
HB, SIMPLE, COMPLEX, REASONING = Tier.HEARTBEAT, Tier.SIMPLE, Tier.COMPLEX, Tier.REASONING
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
DEFAULT_HOLDOUTS = sorted((ROOT / "bench" / "data").glob("agent_holdout*.jsonl"))
TARGETS = {"within": 0.90, "hard_to_cheap": 0.02, "hb_recall": 0.99, "hb_precision": 0.995}

# ----------------------------------------------------------------------------- data


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def last_user_text(row: dict[str, Any]) -> str:
    """The text of a row's last user message."""
    content = next(m["content"] for m in reversed(row["messages"]) if m["role"] == "user")
    return content if isinstance(content, str) else "\n".join(p.get("text", "") for p in content)


def eval_file(eval_dir: Path, name: str) -> Path:
    """A file of the eval set; a missing one ends the run with one line that names --eval-dir."""
    path = eval_dir / name
    if not path.is_file():
        raise SystemExit(f"{path} not found: the eval sets are read from ../shared/eval beside the checkout by default; "
                         f"--eval-dir DIR points at another copy")
    return path


def dev_rows(eval_dir: Path) -> list[dict[str, Any]]:
    """routing-dev.jsonl plus the hard negatives (not heartbeats; any other tier acceptable)."""
    rows = read_jsonl(eval_file(eval_dir, "routing-dev.jsonl"))
    for neg in read_jsonl(eval_file(eval_dir, "heartbeat_hard_negatives.jsonl")):
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


def show_errors(rows: list[dict[str, Any]], preds: list[Tier], limit: int, config: ClassifierConfig) -> None:
    """A few misroutes per dataset, with reasons."""
    shown: Counter[str] = Counter()
    for r, p in zip(rows, preds):
        if p.value in r["acceptable_tiers"] or shown[r.get("dataset", "?")] >= limit:
            continue
        shown[r.get("dataset", "?")] += 1
        d = classify(r, config)
        print(f"  [{r.get('dataset', '?')}] {r['proposed_tier']} {r['acceptable_tiers']} -> {p.value}"
              f"  {d.reasons}\n      {last_user_text(r)[:200]!r}")


# ----------------------------------------------------------------------------- sections


def run_dev(rows: list[dict[str, Any]], errors: int, config: ClassifierConfig) -> dict[str, Any]:
    """The eval set as given."""
    preds = [classify(r, config).tier for r in rows]
    out = tier_report("dev set (routing-dev + hard negatives)", rows, preds)
    by_dataset(rows, preds)
    print()
    out["heartbeat"] = hb_report("dev", [hb_role(r) for r in rows],
                                 [r["proposed_tier"] == "HEARTBEAT" for r in rows], preds)
    if errors:
        print(f"\nmisroutes (up to {errors} per dataset):")
        show_errors(rows, preds, errors, config)
    return out


def run_long(rows: list[dict[str, Any]], config: ClassifierConfig) -> dict[str, Any]:
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
            preds.append(classify(embed(last_user_text(r), 7 * i + follow, tool_followup=follow), config).tier)
    work_preds = [classify(embed(last_user_text(r), 1000 + i, wrap=True), config).tier for i, r in enumerate(work)]
    bare = [classify(r, config).tier for r in work]
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


def run_holdout(path: Path, errors: int, config: ClassifierConfig) -> dict[str, Any]:
    """The hand-written agent-shaped set."""
    rows = read_jsonl(path)
    preds = [classify(r, config).tier for r in rows]
    out = tier_report(f"held-out agent-shaped set ({path.name})", rows, preds)
    by_dataset(rows, preds, key="kind")
    print()
    out["heartbeat"] = hb_report("holdout", [hb_role(r) for r in rows],
                                 [r["proposed_tier"] == "HEARTBEAT" for r in rows], preds)
    if errors:
        print("\nmisroutes:")
        for r, p in zip(rows, preds):
            if p.value not in r["acceptable_tiers"]:
                print(f"  {r['id']}: {r['acceptable_tiers']} -> {p.value}  {classify(r, config).reasons}")
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
    ap.add_argument("--rules-only", action="store_true",
                    help="without the learned check-in model (which was trained on the dev and held-out sets)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    config = without_model() if args.rules_only else DEFAULT
    if not args.rules_only:
        print("note: the learned check-in model was trained on these sets; its figures here are not held-out figures\n"
              "(see `python bench/train_hb_model.py --leave-one-out`); --rules-only measures the rules alone")
    rows = dev_rows(args.eval_dir)
    report: dict[str, Any] = {}
    if "dev" not in args.skip:
        report["dev"] = run_dev(rows, args.errors, config)
    if "long" not in args.skip:
        report["long"] = run_long(rows, config)
    if "holdout" not in args.skip:
        for path in args.holdout or DEFAULT_HOLDOUTS:
            report[f"holdout:{path.name}"] = run_holdout(path, args.errors, config)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
