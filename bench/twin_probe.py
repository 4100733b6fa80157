"""The work twins of quiet heartbeats: a precision probe (run by hand; never part of the test suite).

A quiet poll says with its zeros how it reads when there is nothing to do ("QC failures: 0", "flagged=0",
"0 new"); its work twin, the same poll the day something happens, differs from it in one count. For every row of
the dev set and the holdouts that is labelled HEARTBEAT and classified HEARTBEAT, each such zero in the last user
turn, and in the tool results after it (a check-in that polled through its tools), is set to 3 in turn, and the twin
is classified again: a twin still routed to HEARTBEAT is a false heartbeat
(real work sent to the small local model). Prints per set the twins made and those still HEARTBEAT, and with
`--show` each of them with the count it changed.

    python bench/twin_probe.py
    python bench/twin_probe.py --show --holdout bench/data/agent_holdout_v32.jsonl
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_classifier  # noqa: E402  (bench/ is not a package: its data loading and labels, shared)
from larouter.routing import classify  # noqa: E402
from larouter.routing.tiers import Tier  # noqa: E402

# A zero that is a label's value ("failures: 0", "flagged=0") or counts what follows it ("0 new", "0 errors").
ZERO = re.compile(r"(?<=[:=]\s)0(?![\d.,:%/])|(?<=[:=])0(?![\d.,:%/])"
                  r"|(?<![\d.,:/])0(?= (?:new|unread|open|pending|failed|errors?|alerts?)\b)")
TWIN_COUNT = "3"


def twins(row: dict[str, Any]) -> list[tuple[dict[str, Any], str, str]]:
    """The row's twins, each with the text around the changed count and where it is: "turn" (the last user turn)
    or "lookup" (a tool result after it: a check-in that polled through its tools)."""
    messages = row["messages"]
    at = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    if at is None:
        return []
    out = []
    for i in range(at, len(messages)):
        text = messages[i].get("content")
        if not isinstance(text, str) or (i > at and messages[i].get("role") != "tool"):
            continue
        for m in ZERO.finditer(text):
            twin = copy.deepcopy(row)
            twin["messages"][i]["content"] = text[:m.start()] + TWIN_COUNT + text[m.end():]
            shown = (text[max(0, m.start() - 60):m.start()] + "[" + TWIN_COUNT + "]" + text[m.end():m.end() + 30])
            out.append((twin, shown.replace("\n", " / "), "turn" if i == at else "lookup"))
    return out


def probe(path: Path, show: bool) -> dict[str, list[int]]:
    """Twins made and still HEARTBEAT, by where the count changed."""
    rows = eval_classifier.dev_rows(path) if path.is_dir() else eval_classifier.read_jsonl(path)
    counts = {"turn": [0, 0], "lookup": [0, 0]}
    for row in rows:
        if eval_classifier.hb_role(row) != "positive" or classify(row).tier is not Tier.HEARTBEAT:
            continue
        for twin, shown, where in twins(row):
            counts[where][0] += 1
            if classify(twin).tier is Tier.HEARTBEAT:
                counts[where][1] += 1
                if show:
                    print(f"  {row.get('id')} ({where}): {shown}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=eval_classifier.DEFAULT_EVAL)
    parser.add_argument("--holdout", type=Path, action="append", help="a holdout set (default: every one)")
    parser.add_argument("--show", action="store_true", help="list the twins still routed to HEARTBEAT")
    args = parser.parse_args(argv)
    sets = [args.eval_dir] if args.holdout is None else []
    sets += args.holdout or eval_classifier.DEFAULT_HOLDOUTS
    total = {"turn": [0, 0], "lookup": [0, 0]}
    for path in sets:
        counts = probe(path, args.show)
        for where, (made, still) in counts.items():
            total[where][0] += made
            total[where][1] += still
        made, still = (sum(c[k] for c in counts.values()) for k in (0, 1))
        if made:
            print(f"{path.name:<28} twins {made:>4}  still HEARTBEAT {still:>3} ({still / made:.1%})")
    for where in ("turn", "lookup"):
        made, still = total[where]
        print(f"{'all, count in the ' + where:<28} twins {made:>4}  still HEARTBEAT {still:>3} ({still / max(made, 1):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
