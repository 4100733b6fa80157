"""The work twins of quiet heartbeats: a precision probe (run by hand; never part of the test suite).

A quiet poll says with its zeros how it reads when there is nothing to do ("QC failures: 0", "flagged=0",
"0 new"); its work twin, the same poll the day something happens, differs from it in one count. For every row of
the dev set and the holdouts that is labelled HEARTBEAT and classified HEARTBEAT, each such zero in the last user
turn is set to 3 in turn, and the twin is classified again: a twin still routed to HEARTBEAT is a false heartbeat
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


def twins(row: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The row's twins, each with its last user turn's text around the changed count."""
    messages = row["messages"]
    at = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    text = messages[at]["content"] if at is not None else None
    if not isinstance(text, str):
        return []
    out = []
    for m in ZERO.finditer(text):
        twin = copy.deepcopy(row)
        twin["messages"][at]["content"] = text[:m.start()] + TWIN_COUNT + text[m.end():]
        shown = (text[max(0, m.start() - 60):m.start()] + "[" + TWIN_COUNT + "]" + text[m.end():m.end() + 30])
        out.append((twin, shown.replace("\n", " / ")))
    return out


def probe(path: Path, show: bool) -> tuple[int, int]:
    rows = eval_classifier.dev_rows(path) if path.is_dir() else eval_classifier.read_jsonl(path)
    made = still = 0
    for row in rows:
        if eval_classifier.hb_role(row) != "positive" or classify(row).tier is not Tier.HEARTBEAT:
            continue
        for twin, shown in twins(row):
            made += 1
            if classify(twin).tier is Tier.HEARTBEAT:
                still += 1
                if show:
                    print(f"  {row.get('id')}: {shown}")
    return made, still


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=eval_classifier.DEFAULT_EVAL)
    parser.add_argument("--holdout", type=Path, action="append", help="a holdout set (default: every one)")
    parser.add_argument("--show", action="store_true", help="list the twins still routed to HEARTBEAT")
    args = parser.parse_args(argv)
    sets = [args.eval_dir] if args.holdout is None else []
    sets += args.holdout or eval_classifier.DEFAULT_HOLDOUTS
    total_made = total_still = 0
    for path in sets:
        made, still = probe(path, args.show)
        total_made, total_still = total_made + made, total_still + still
        if made:
            print(f"{path.name:<28} twins {made:>4}  still HEARTBEAT {still:>3} ({still / made:.1%})")
    print(f"{'all':<28} twins {total_made:>4}  still HEARTBEAT {total_still:>3} "
          f"({total_still / max(total_made, 1):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
