"""Steady-state heartbeat traffic: the share of a fleet's heartbeats the router serves locally over a day, with
the heartbeat rules and the learned heartbeats together (run by hand; never part of the test suite).

Every heartbeat of a set becomes one agent that beats every `--interval` seconds (1,800: every 30 minutes) for
`--beats` beats (48: a day), the times of day in its turn moving on, each beat answered with a short ack
(what the local model or the cloud model answers to a check-in). Every other request of the set is sent once,
half-way through the day, from the same project. The router's own pieces decide, in the order `routed.plan` and
`routed.route` use them: `classify`, `repeats.pattern_key`, and a `RepeatTracker` on a simulated clock with the
default `routing.heartbeat_min_interval` (60 s). Prints per set: the beats served locally (by the rules alone and
with learned heartbeats), the beats that still went to the cloud, and the other requests routed locally (the
rules' false heartbeats, and any learned one: there should be none).

    python bench/heartbeat_traffic.py                       # the dev set (with its hard negatives) and every holdout
    python bench/heartbeat_traffic.py --holdout bench/data/agent_holdout_v7.jsonl --beats 96 --interval 900
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_classifier  # noqa: E402  (bench/ is not a package: its data loading and labels, shared)
from larouter.routing import classify  # noqa: E402
from larouter.routing.repeats import RepeatTracker, job_ids, pattern_key  # noqa: E402
from larouter.routing.tiers import Tier  # noqa: E402

ACK_TOKENS = 5  # a check-in's answer: "HEARTBEAT_OK", "✅", "[]"
MIN_GAP = 60.0  # routing.heartbeat_min_interval's default
CLOCK = re.compile(r"\b\d{1,2}:\d\d(?::\d\d)?\b")  # a time of day; counts ("new: 0") stay as they are
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# A time with its date, moved on as one (the date turns over at midnight): ISO ("2026-05-11 13:30", "Tue 2026-05-05
# 14:30", "2026-05-11T13:30:00+02:00") and OpenClaw's "Monday, May 11th, 2026 — 08:30" / "… - 9:05 AM"; then a time
# of day alone, moved on round the clock.
DATED = re.compile(r"(?:(?P<wd>Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)(?P<sep>[T ])"
                   r"(?P<h>\d\d):(?P<mi>\d\d)(?P<s>:\d\d)?"
                   rf"|(?P<wdl>{'|'.join(_DAYS)}), (?P<mon>{'|'.join(_MONTHS)}) (?P<od>\d{{1,2}})(?:st|nd|rd|th), "
                   r"(?P<oy>\d{4}) (?P<dash>[-—–]) (?P<oh>\d{1,2}):(?P<omi>\d\d)(?P<ampm> [AP]M)?"
                   r"|(?P<lone>\b\d{1,2}:\d\d(?::\d\d)?\b)")


def load(path: Path) -> list[dict[str, Any]]:
    """The set's rows, labelled as the evaluation labels them (`eval_classifier.hb_role`): heartbeats, and the
    rest; rows a heartbeat or another tier would both suit are left out. A directory is the dev set."""
    rows = eval_classifier.dev_rows(path) if path.is_dir() else eval_classifier.read_jsonl(path)
    out = []
    for r in rows:
        role = eval_classifier.hb_role(r)
        if role != "ambiguous":
            out.append({"id": r.get("id"), "messages": r["messages"], "tools": r.get("tools") or [],
                        "heartbeat": role == "positive"})
    return out


def at_beat(messages: list[dict[str, Any]], k: int, interval: float) -> list[dict[str, Any]]:
    """The conversation with the times in its last user turn moved on by k intervals (the date with them where it is
    written beside its time: the check-in's clock line turns over at midnight)."""
    out = [dict(m) for m in messages]
    for m in reversed(out):
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            m["content"] = DATED.sub(lambda t: _moved(t, k * interval), m["content"])
            break
    return out


def _moved(m: re.Match[str], seconds: float) -> str:
    """A time (with its date, if it has one) `seconds` later."""
    if m["lone"]:
        return _later(m["lone"], seconds)
    step = dt.timedelta(seconds=seconds)
    if m["y"]:
        when = dt.datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"])) + step
        day = f"{when:%a} " if m["wd"] else ""
        return f"{day}{when:%Y-%m-%d}{m['sep']}{when:%H:%M}{m['s'] or ''}"
    hour = int(m["oh"]) % 12 + (12 if m["ampm"] == " PM" else 0) if m["ampm"] else int(m["oh"])
    when = dt.datetime(int(m["oy"]), _MONTHS.index(m["mon"]) + 1, int(m["od"]), hour, int(m["omi"])) + step
    suffix = "th" if 11 <= when.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(when.day % 10, "th")
    clock = f"{(when.hour - 1) % 12 + 1}:{when:%M %p}" if m["ampm"] else f"{when:%H:%M}"
    return f"{when:%A}, {when:%B} {when.day}{suffix}, {when.year} {m['dash']} {clock}"


def _later(clock: str, seconds: float) -> str:
    parts = [int(x) for x in clock.split(":")]
    minutes = (parts[0] * 60 + parts[1] + int(seconds // 60)) % (24 * 60)
    return f"{minutes // 60:0{len(clock.split(':')[0])}d}:{minutes % 60:02d}" + (f":{parts[2]:02d}" if len(parts) > 2 else "")


class Router:
    """The routing decision of `routed.plan` for the heartbeat question: local (HEARTBEAT) or not."""

    def __init__(self) -> None:
        self.now = 0.0
        self.tracker = RepeatTracker(clock=lambda: self.now)

    def send(self, body: dict[str, Any], project: str, answer_tokens: int) -> tuple[bool, bool]:
        """(routed as HEARTBEAT, only because it was learned); then the answer teaches the tracker."""
        decision = classify(body)
        rules = decision.tier is Tier.HEARTBEAT
        key = pattern_key(body, project, decision)
        ids = job_ids(body) if key is not None and self.tracker.known(key) else None
        learned = not rules and key is not None and self.tracker.is_heartbeat(key, ids) > 0
        if key is not None:
            self.tracker.arrived(key, MIN_GAP, ids)
            self.tracker.answered(key, answer_tokens, ok=True)
        return rules or learned, learned


def simulate(rows: list[dict[str, Any]], beats: int, interval: float) -> dict[str, Any]:
    """Beat every heartbeat of the set through one router; send the rest once, half-way through."""
    router = Router()
    beating = [r for r in rows if r["heartbeat"]]
    others = [r for r in rows if not r["heartbeat"]]
    local = learned = by_rules = 0
    first_miss = 0  # heartbeats whose first beat the rules sent to the cloud
    others_local = others_learned = 0
    for k in range(beats):
        router.now = k * interval
        for i, r in enumerate(beating):
            router.now = k * interval + i * 0.01  # agents a few ms apart within a beat
            is_local, was_learned = router.send({"messages": at_beat(r["messages"], k, interval), "tools": r["tools"]},
                                                "fleet", ACK_TOKENS)
            local += is_local
            learned += was_learned
            by_rules += is_local and not was_learned
            first_miss += k == 0 and not is_local
        if k == beats // 2:
            for r in others:
                router.now += 1.0
                is_local, was_learned = router.send({"messages": r["messages"], "tools": r["tools"]}, "fleet", 400)
                others_local += is_local
                others_learned += was_learned
    total = beats * len(beating)
    return {"heartbeats": len(beating), "beats": total, "local": local, "by_rules": by_rules, "learned": learned,
            "first_beat_missed": first_miss, "others": len(others), "others_local": others_local,
            "others_learned": others_learned}


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}%" if d else "    -"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--holdout", type=Path, action="append",
                    help="a set's .jsonl, or an eval directory for the dev set (repeatable; default: dev + every holdout)")
    ap.add_argument("--beats", type=int, default=48)
    ap.add_argument("--interval", type=float, default=1800.0, help="seconds between beats")
    args = ap.parse_args()
    sets = args.holdout or [eval_classifier.DEFAULT_EVAL, *eval_classifier.DEFAULT_HOLDOUTS]
    print(f"command: python bench/heartbeat_traffic.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"{args.beats} beats every {args.interval:g} s per heartbeat; answers: {ACK_TOKENS}-token acks; "
          f"other requests once, answered at length")
    print(f"{'set':<28}{'HB':>5}{'beats':>8}{'local':>8}{'rules':>8}{'learned':>9}{'cloud':>7}{'1st-missed':>11}"
          f"{'others':>8}{'others local':>13}")
    for path in sets:
        res = simulate(load(path), args.beats, args.interval)
        cloud = res["beats"] - res["local"]
        name = "dev (" + path.name + ")" if path.is_dir() else path.name
        print(f"{name:<28}{res['heartbeats']:>5}{res['beats']:>8}{pct(res['local'], res['beats']):>8}"
              f"{pct(res['by_rules'], res['beats']):>8}{pct(res['learned'], res['beats']):>9}{cloud:>7}"
              f"{res['first_beat_missed']:>11}{res['others']:>8}{res['others_local']:>7} ({res['others_learned']} learned)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
