"""What a check-in's checklist says to ignore (`routing/exemptions.py`): the lines (JSON records) of a lookup that
name it are not read for trouble; anything else in the lookup still is, and an exemption the checklist also asks
about, makes conditional, or writes as a plain word exempts nothing.
"""

from __future__ import annotations

import json

import pytest

from larouter.routing import Tier, classify
from tests.test_stated_limits import _call, beat_messages

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


def _tier(checklist: str, output: str, command: str = "check") -> Tier:
    messages = beat_messages(checklist, output)
    messages[-2] = _call(1, "exec", {"command": command})
    return classify({"messages": messages}).tier


@pytest.mark.parametrize(("checklist", "quiet", "news"), [
    ("- `kubectl get pods -n kube-system | grep -v Running` → tell me about anything listed\n"
     "- ignore the `descheduler-*` pods, they show Error half the time, known issue, dont report", PODS, PODS + CRASHING),
    ('- `tail -n 15 /var/log/nginx/error.log` → ignora "client intended to send too large body" e '
     '"SSL_do_handshake() failed", sono bot. Qualsiasi altra riga [error] o [crit] → avvisami', NGINX, NGINX + UPSTREAM),
    ("- `amtool`: anything firing → tell me.\n- InfoInhibitor always fires (by design), ignore it.",
     alerts("InfoInhibitor"), alerts("InfoInhibitor", "KubeNodeNotReady")),
])
def test_what_the_checklist_says_to_ignore_is_not_read(checklist: str, quiet: str, news: str) -> None:
    """Blind v44-v46: the pods, log lines and alerts the checklist exempts by name, in quotes or by a pattern."""
    assert _tier(checklist, quiet) is Tier.HEARTBEAT
    assert _tier(checklist, news) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("checklist", "output"), [
    ("- check that `nginx` is running\n- ignore `nginx` reload warnings",  # (nginx is asked about)
     "● nginx.service - A high performance web server\n     Active: failed (Result: exit-code)"),
    ("- ignore `descheduler-*` unless it has been failing for more than an hour", PODS),  # (a condition)
    ("- ignore warnings", "warnings: 0, errors: 3"),  # (a plain word exempts nothing)
])
def test_an_exemption_asked_about_conditional_or_plain_exempts_nothing(checklist: str, output: str) -> None:
    assert _tier(checklist, output) is not Tier.HEARTBEAT


SYSTEM = ('Sei "Gufo", l\'assistente tecnico della trattoria. Strumenti: `shell` sul VPS.\n\nCONTROLLO PERIODICO (ogni ora):\n'
          '- `tail -n 15 /var/log/nginx/error.log` → ignora "client intended to send too large body" e '
          '"SSL_do_handshake() failed", sono bot.\n  qualsiasi altra riga [error] o [crit] → avvisami\n'
          "Se è tutto a posto rispondi solo: TUTTO_OK\n\nNon toccare mai la configurazione di nginx.")


@pytest.mark.parametrize(("log", "quiet"), [(NGINX, True), (NGINX + UPSTREAM, False)])
def test_a_scheduler_woken_agents_checklist_in_its_system_prompt_judges_its_lookups(log: str, quiet: bool) -> None:
    """Blind v46: the periodic checklist of an agent a cron wakes sits in its system prompt ("CONTROLLO PERIODICO (ogni
    ora):"), not in a HEARTBEAT.md; what it says to ignore was never read there."""
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Controllo periodico — gio 14/05/2026 17:15. Segui la lista."},
                _call(1, "shell", {"cmd": "tail -n 15 /var/log/nginx/error.log"}),
                {"role": "tool", "tool_call_id": "c1", "content": log}]
    assert (classify({"messages": messages}).tier is Tier.HEARTBEAT) is quiet


@pytest.mark.parametrize("checklist", [
    '- if "disk full" shows up in the log, ignore the rest and tell me',  # (what is news, not what to ignore)
    "- ignore `flapper-1` if it is in maintenance",  # (a condition the lookup cannot show)
])
def test_a_sentence_that_alerts_or_sets_a_condition_exempts_nothing(checklist: str) -> None:
    log = "2026-05-14 17:02:11 flapper-1: disk full: write failed on /var/lib/app"
    assert _tier(checklist, log) is not Tier.HEARTBEAT
