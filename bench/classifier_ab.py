"""Same-run A/B of the classifier between two source trees: CPU time per `classify` call for the cases of
`classifier_bench.py`, each tree in fresh processes, alternated, so a shared noisy machine affects both alike.

Run by hand from the repository root (never part of the tests):

  git archive <commit> | tar -x -C /tmp/base            # the baseline tree
  python bench/classifier_ab.py /tmp/base . [rounds]     # prints each case's median and NEW/BASE

Process time (not wall time) of batches of calls, the best of 9 batches per case and round, the median over rounds
(default 3). A ratio is what to report; absolute figures differ from machine to machine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CHILD = r'''
import json, sys, time
root = sys.argv[1]
sys.path[:0] = [root, root + "/bench"]
import classifier_bench as cb
from larouter.routing import classify
cases = [(n, cb.embed(t, 3, wrap=True)) for n, t in cb.TYPICAL.items()]
cases += [("typical-heartbeat", cb.embed(cb.HEARTBEAT, 3)), ("typical-hb-custom", cb.embed(cb.HEARTBEAT_CUSTOM, 3))]
kubectl = ("NAME                          READY   STATUS    RESTARTS   AGE\n"  # (as classifier_bench.KUBECTL: built here
           + "".join(f"api-7d9c6b5f8-{i:05d}           1/1     Running   0          6d\n" for i in range(8)))  # for old trees)
lookup = cb.embed(cb.HEARTBEAT, 3)
lookup = {**lookup, "messages": [*lookup["messages"], {"role": "assistant", "content": None, "tool_calls": [
    {"id": "call_hb", "type": "function", "function": {"name": "exec", "arguments": '{"command": "check"}'}}]},
    {"role": "tool", "tool_call_id": "call_hb", "content": kubectl}]}
cases += [("typical-hb-lookup", lookup)]
system = ("You are the ops bot. You send a daily digest to the team.\n"  # (a scheduler-woken agent: a 26 KB system
          + ("Tool usage notes: call tools exactly as listed, with examples and caveats. " * 6 + "\n") * 60  # prompt
          + "\nNODE CHECKLIST (run on every `node-watch` wake):\n- `df -h /srv`: use under 60%.\n")  # with its checklist)
df = "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sdb1       3.6T  1.2T  2.4T  33% /srv"
cases += [("hb-system-checklist", {"messages": [
    {"role": "system", "content": system},
    {"role": "user", "content": "[scheduler] wake job=node-watch at 2026-05-14T09:40:00Z."},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "shell", "arguments": '{"cmd": "df -h /srv"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "content": df}]})]
cases += [("128k-paste", cb.conversation_128k("paste"))]
out = {}
for name, body in cases:
    n = 50 if name.startswith("128k") else 400
    for _ in range(20):
        classify(body)
    best = float("inf")
    for _ in range(9):
        t = time.process_time()
        for _ in range(n):
            classify(body)
        best = min(best, (time.process_time() - t) / n * 1e6)
    out[name] = best
print(json.dumps(out))
'''


def main(argv: list[str]) -> int:
    """Entry point: BASE NEW [rounds]."""
    if len(argv) < 2:
        print("\n\n".join(__doc__.split("\n\n")[1:3]), file=sys.stderr)  # (how to run it)
        return 2
    base, new = argv[0], argv[1]
    rounds = int(argv[2]) if len(argv) > 2 else 3
    runs: dict[str, list[dict[str, float]]] = {base: [], new: []}
    for _ in range(rounds):
        for root in (base, new):
            done = subprocess.run([sys.executable, "-c", CHILD, root], capture_output=True, text=True, check=True)
            runs[root].append(json.loads(done.stdout))
    print(f"command: python bench/classifier_ab.py {' '.join(argv)}")
    for case in runs[base][0]:
        b = statistics.median(r[case] for r in runs[base])
        n = statistics.median(r[case] for r in runs[new])
        print(f"{case:<20} base {b:8.1f} us   new {n:8.1f} us   new/base {n / b:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
