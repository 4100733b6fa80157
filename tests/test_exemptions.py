"""What a check-in's checklist says to ignore (`routing/exemptions.py`): the lines (JSON records) of a lookup that
name it are not read for trouble; anything else in the lookup still is, and an exemption the checklist also asks
about, makes conditional, or writes as a plain word exempts nothing.
"""

from __future__ import annotations

import json

import pytest

from larouter.routing import Tier, classify
from tests.test_stated_limits import _call, lookup_tier

PODS = ("NAME                                 READY   STATUS      RESTARTS   AGE\n"
        "descheduler-29124480-4hq2m           0/1     Error       0          8m\n"
        "descheduler-29124450-9slxd           0/1     Completed   0          38m")
CRASHING = "\ncoredns-7db6d8ff4d-x2k9p             0/1     CrashLoopBackOff   14   3h"
NGINX = ("2026/05/14 17:02:11 [error] 912#912: *1838021 client intended to send too large body: 10485761 bytes, client: "
         "185.220.101.4\n2026/05/14 17:09:40 [crit] 912#912: *1838450 SSL_do_handshake() failed (SSL: error:0A00006C:SSL "
         "routines::bad key share) while SSL handshaking, client: 45.148.10.2")
UPSTREAM = "\n2026/05/14 17:12:03 [error] 913#913: *1838502 connect() failed (111: Connection refused) while connecting to upstream"


def alerts(*names: str) -> str:
    return json.dumps({"status": "success", "data": {"alerts": [
        {"labels": {"alertname": n, "severity": "critical" if n != "InfoInhibitor" else "none"}, "state": "firing"}
        for n in names]}})


def _tier(checklist: str, output: str) -> Tier:
    command = checklist.partition("`")[2].partition("`")[0] or "check"  # (the command the checklist names)
    return lookup_tier(checklist, command, output)


NODES = ("NAME      STATUS                     ROLES                       AGE    VERSION\n"
         "k3s-cp1   Ready                      control-plane,etcd,master   214d   v1.31.4+k3s1\n"
         "k3s-w1    Ready                      <none>                      214d   v1.31.4+k3s1\n"
         "k3s-w4    Ready,SchedulingDisabled   <none>                      61d    v1.31.4+k3s1")
NOT_READY = "\nk3s-w2    NotReady                   <none>                      198d   v1.31.4+k3s1"


@pytest.mark.parametrize(("checklist", "quiet", "news"), [
    ("- `kubectl get pods -n kube-system | grep -v Running` → tell me about anything listed\n"
     "- ignore the `descheduler-*` pods, they show Error half the time, known issue, dont report", PODS, PODS + CRASHING),
    ("- `kubectl get nodes`: all nodes Ready, tell me which one if not\n"
     "- k3s-w4 is cordoned on purpose (RAM swap, ticket OPS-212): ignore it", NODES, NODES + NOT_READY),
    ("- `amtool`: anything firing → tell me.\n- `Watchdog` and InfoInhibitor always fire (by design), ignore them.",
     alerts("Watchdog", "InfoInhibitor"), alerts("Watchdog", "InfoInhibitor", "KubeNodeNotReady")),
])
def test_what_the_checklist_says_to_ignore_is_not_read(checklist: str, quiet: str, news: str) -> None:
    """Blind v44-v46: the pods, nodes and alerts the checklist exempts by name (quoted, written as a name, or a
    pattern): the rows they head and the records they name are not read; the rest is."""
    assert _tier(checklist, quiet) is Tier.HEARTBEAT
    assert _tier(checklist, news) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("checklist", "output"), [
    ("- check that `nginx` is running\n- ignore `nginx` reload warnings",  # (nginx is asked about)
     "● nginx.service - A high performance web server\n     Active: failed (Result: exit-code)"),
    ("- ignore `descheduler-*` unless it has been failing for more than an hour", PODS),  # (a condition)
    ("- ignore `descheduler-*`.\n  But if it keeps failing for an hour, tell me.", PODS),  # (the item's condition)
    ("- ignore warnings", "warnings: 0, errors: 3"),  # (a plain word exempts nothing)
    ('- "unhealthy" on `immich_ml` is a known issue, ignore',  # (a state names no row: every unhealthy one stays read)
     "immich_server\tUp 3 days (unhealthy)\nimmich_ml\tUp 3 days (unhealthy)"),
    ("- ignore the client resets from `10.0.0.9` (the uptime probe)",  # (a log line is no row the name heads)
     NGINX + UPSTREAM + " client: 10.0.0.9"),
])
def test_an_exemption_asked_about_conditional_or_not_a_name_exempts_nothing(checklist: str, output: str) -> None:
    assert _tier(checklist, output) is not Tier.HEARTBEAT


SYSTEM = ("You are the ops bot of Lindqvist Data. You are woken by a scheduler; you have a `shell` tool.\n\n"
          "NODE CHECKLIST (run on every `node-watch` wake):\n\n  1. `kubectl get nodes` – all nodes Ready.\n"
          "  2. Ignore k3s-w4, cordoned on purpose.\n\nOutput rules: if every item passes reply exactly `NOOP`.")


@pytest.mark.parametrize(("nodes", "quiet"), [(NODES, True), (NODES + NOT_READY, False)])
def test_a_scheduler_woken_agents_checklist_in_its_system_prompt_judges_its_lookups(nodes: str, quiet: bool) -> None:
    """Blind v46: the periodic checklist of an agent a scheduler wakes sits in its system prompt ("NODE CHECKLIST (run
    on every `node-watch` wake):"), not in a HEARTBEAT.md; read whole, its blank lines and items included."""
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": "[scheduler] wake job=node-watch run=48211 at 2026-05-14T09:40:00Z. Run "
                                            "the node checklist."},
                _call(1, "shell", {"cmd": "kubectl get nodes"}), {"role": "tool", "tool_call_id": "c1", "content": nodes}]
    assert (classify({"messages": messages}).tier is Tier.HEARTBEAT) is quiet


@pytest.mark.parametrize("checklist", [
    '- if "disk full" shows up in the log, ignore the rest and tell me',  # (what is news, not what to ignore)
    "- ignore `flapper-1` if it is in maintenance",  # (a condition the lookup cannot show)
])
def test_a_sentence_that_alerts_or_sets_a_condition_exempts_nothing(checklist: str) -> None:
    log = "2026-05-14 17:02:11 flapper-1: disk full: write failed on /var/lib/app"
    assert _tier(checklist, log) is not Tier.HEARTBEAT
