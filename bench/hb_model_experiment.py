"""Experiment (not shipped): does a small learned model recognise heartbeats the rules have never seen?

Trains a logistic regression on word unigrams and bigrams (digits folded to 0) of the last user turn, on the
routing dev set and every held-out set except the one under test, then reports heartbeat precision/recall on
that set for the model alone and for "rules OR model", against the rules alone. Standard library only; run by
hand from the repository root:

  python bench/hb_model_experiment.py                                   # test on agent_holdout_v6.jsonl
  python bench/hb_model_experiment.py --test bench/data/agent_holdout_v5.jsonl
  python bench/hb_model_experiment.py --test bench/data/agent_holdout_v9.jsonl --as-poll
  python bench/hb_model_experiment.py --leave-one-out        # every set in turn, plus 5 folds of dev (~1 min)

`--as-poll` also tries the model as one more check-in signal *inside* the heartbeat rules (the rules' guards, such
as requests about heartbeats, work due, questions and quoted prompts, still apply), by giving the classifier a
copy of its compiled rules with the model added to the poll checks.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import re
import sys
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from larouter.routing.classifier import classify  # noqa: E402

TOKEN = re.compile(r"\w+|[^\w\s]")
Example = tuple[list[dict[str, Any]], list[Any], int]  # messages, tools, 1 = heartbeat


def last_user(messages: list[dict[str, Any]]) -> str:
    """The last user message's text (parts joined; JSON for anything else)."""
    for msg in reversed(messages):
        if msg.get("role") == "user":
            content = msg.get("content")
            return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return ""


def features(text: str) -> collections.Counter[str]:
    """Word unigrams and bigrams of the first 1,024 characters, digits folded, plus a length bucket."""
    toks = TOKEN.findall(re.sub(r"\d", "0", text.lower())[:1024])
    out: collections.Counter[str] = collections.Counter("u:" + t for t in toks)
    out.update("b:" + a + " " + b for a, b in zip(toks, toks[1:]))
    out[f"len:{min(len(toks) // 10, 10)}"] = 1
    return out


def holdout(path: Path) -> list[Example]:
    rows = (json.loads(line) for line in path.open(encoding="utf-8"))
    return [(r["messages"], r.get("tools") or [], int(r.get("heartbeat_role") == "positive")) for r in rows]


def dev_set(path: Path) -> list[Example]:
    """Dev rows whose only acceptable tier is HEARTBEAT are positives; rows that also allow others are left out."""
    out = []
    for line in path.open(encoding="utf-8"):
        r = json.loads(line)
        if "HEARTBEAT" not in r["acceptable_tiers"] or r["acceptable_tiers"] == ["HEARTBEAT"]:
            out.append((r["messages"], [], int(r["acceptable_tiers"] == ["HEARTBEAT"])))
    return out


def train(examples: Iterable[Example], epochs: int = 15, rate: float = 0.2, l2: float = 1e-4) -> tuple[dict[str, float], float]:
    """Logistic regression by SGD, positives up-weighted to balance the classes; fixed seed."""
    data = [(features(last_user(m)), y) for m, _, y in examples]
    positives = sum(y for _, y in data)
    pos_weight = (len(data) - positives) / max(positives, 1)
    weights: dict[str, float] = collections.defaultdict(float)
    bias = 0.0
    rng = random.Random(0)
    for _ in range(epochs):
        rng.shuffle(data)
        for feats, y in data:
            p = _sigmoid(bias + sum(weights[k] * v for k, v in feats.items()))
            grad = (p - y) * (pos_weight if y else 1.0)
            for k, v in feats.items():
                weights[k] -= rate * (grad * v + l2 * weights[k])
            bias -= rate * grad
    return dict(weights), bias


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def report(name: str, flags: list[bool], gold: list[int]) -> str:
    tp = sum(f and g for f, g in zip(flags, gold))
    fp = sum(f and not g for f, g in zip(flags, gold))
    fn = sum(g and not f for f, g in zip(flags, gold))
    return f"  {name:28s} precision {tp / max(tp + fp, 1):6.1%}  recall {tp / max(tp + fn, 1):6.1%}  (tp {tp}, fp {fp}, fn {fn})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--test", type=Path, default=ROOT / "bench" / "data" / "agent_holdout_v6.jsonl")
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "routing-dev.jsonl")
    ap.add_argument("--as-poll", action="store_true", help="also try the model as a poll signal inside the rules")
    ap.add_argument("--leave-one-out", action="store_true",
                    help="rules vs rules with the model as a poll (0.97), each held-out set and each fifth of dev "
                         "tested on a model trained on all the rest; prints the false heartbeats")
    args = ap.parse_args()
    if args.leave_one_out:
        leave_one_out(args.dev)
        return
    training = dev_set(args.dev)
    for path in sorted((ROOT / "bench" / "data").glob("agent_holdout*.jsonl")):
        if path.resolve() != args.test.resolve():
            training += holdout(path)
    weights, bias = train(training)
    test = holdout(args.test)
    gold = [y for _, _, y in test]
    rules = [classify({"messages": m, "tools": t}).tier.value == "HEARTBEAT" for m, t, _ in test]
    scores = [_sigmoid(bias + sum(weights.get(k, 0.0) * v for k, v in features(last_user(m)).items())) for m, _, _ in test]
    print(f"trained on {len(training)} requests ({sum(y for _, _, y in training)} heartbeats); "
          f"tested on {args.test.name}: {len(test)} requests ({sum(gold)} heartbeats)")
    print(report("rules", rules, gold))
    for threshold in (0.5, 0.7, 0.9, 0.97):
        model = [s >= threshold for s in scores]
        print(f"threshold {threshold}")
        print(report("model", model, gold))
        print(report("rules OR model", [a or b for a, b in zip(rules, model)], gold))
        if args.as_poll:
            print(report("rules with model as poll", as_poll(test, weights, bias, threshold), gold))


def leave_one_out(dev_path: Path, threshold: float = 0.97) -> None:
    """Pooled heartbeat precision/recall of the rules and of the rules with the model, never tested on its training."""
    rows = {p.name: [json.loads(line) for line in p.open(encoding="utf-8")]
            for p in sorted((ROOT / "bench" / "data").glob("agent_holdout*.jsonl"))}
    runs: list[tuple[list[str], list[Example], list[Example]]] = []  # (row names, test, training)
    for name, set_rows in rows.items():
        test = holdout_rows(set_rows)
        runs.append(([r["id"] for r in set_rows], test, [e for other in rows if other != name for e in holdout_rows(rows[other])]))
    dev = dev_set(dev_path)
    order = list(range(len(dev)))
    random.Random(1).shuffle(order)
    every_set = [e for set_rows in rows.values() for e in holdout_rows(set_rows)]
    for k in range(5):
        fold = set(order[k::5])
        runs.append(([f"dev fold {k} #{i}" for i in sorted(fold)], [dev[i] for i in sorted(fold)],
                     every_set + [dev[i] for i in order if i not in fold]))
    totals = {"rules": [0, 0, 0], "rules with model as poll": [0, 0, 0]}
    for names, test, training in runs:
        if not any(name.startswith("dev") for name in names[:1]):
            training = training + dev
        weights, bias = train(training)
        gold = [y for _, _, y in test]
        flags = {"rules": [classify({"messages": m, "tools": t}).tier.value == "HEARTBEAT" for m, t, _ in test],
                 "rules with model as poll": as_poll(test, weights, bias, threshold)}
        for key, got in flags.items():
            for name, (messages, _, _), f, g in zip(names, test, got, gold):
                totals[key][0 if f and g else 1 if f else 2] += bool(f or g)
                if key != "rules" and f and not g:
                    print(f"  false heartbeat: {name}: {last_user(messages)[:100]!r}")
    for key, (tp, fp, fn) in totals.items():
        print(f"{key:28s} precision {tp / max(tp + fp, 1):6.1%}  recall {tp / max(tp + fn, 1):6.1%}  (tp {tp}, fp {fp}, fn {fn})")


def holdout_rows(rows: list[dict[str, Any]]) -> list[Example]:
    return [(r["messages"], r.get("tools") or [], int(r.get("heartbeat_role") == "positive")) for r in rows]


class ModelCheck:
    """Quacks like `compiled.Check`: a match when the model's score for the turn reaches the threshold."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float) -> None:
        self.weights, self.bias, self.threshold = weights, bias, threshold

    def search(self, text: str, lower: str) -> bool:
        return _sigmoid(self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features(text).items())) >= self.threshold


def as_poll(test: list[Example], weights: dict[str, float], bias: float, threshold: float) -> list[bool]:
    """Heartbeat flags of the classifier with the model added to its poll checks (and its gate opened)."""
    import attrs

    from larouter.routing import classifier
    from larouter.routing.compiled import compile_rules
    from larouter.routing.rules import DEFAULT

    base = compile_rules(DEFAULT)
    patched = attrs.evolve(base, hb_polls=(*base.hb_polls, ModelCheck(weights, bias, threshold)),
                           hb_gate=(*base.hb_gate, ""))
    original = classifier.compile_rules
    classifier.compile_rules = lambda config: patched  # type: ignore[assignment]
    try:
        return [classify({"messages": m, "tools": t}).tier.value == "HEARTBEAT" for m, t, _ in test]
    finally:
        classifier.compile_rules = original


if __name__ == "__main__":
    main()
