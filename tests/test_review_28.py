"""Review 28 (an adversarial pass over review 27's fixes): a header row alone, voltage by other names, a reading's
kind from its own clause; each trouble check-in beside its quiet twin (reproductions in the session notes)."""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from tests.test_stated_limits import lookup_tier

DPS = "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES"
CADDY = DPS + "\n3f2a9c1b7d4e   caddy:2.8   \"caddy run\"   3 days ago   Up 3 days   443/tcp   caddy"
THREE = DPS + "".join(f"\n{i}a2b3c4d5e6f   {n}:1   \"/init\"   3 days ago   Up 3 days   80/tcp   {n}"
                      for i, n in enumerate(("traefik", "authelia", "vaultwarden")))
APC = ("STATUS   : ONLINE\nLINEV    : 231.0 Volts\nLOADPCT  : 17.0 Percent\nBCHARGE  : 100.0 Percent\n"
       "TIMELEFT : 49.0 Minutes\nBATTV    : {} Volts\nNOMINV   : 230 Volts\nNOMBATTV : 12.0 Volts")
PODS = "NAME                          READY   STATUS        RESTARTS   AGE"


@pytest.mark.parametrize(("checklist", "command", "quiet", "news"), [
    # a header row alone leaves a limit unanswered: the model judges it
    ("- Tell me if caddy has been up less than 1 hour.", "docker ps --filter name=caddy", CADDY, DPS),
    # ... and lists nothing that should run, whatever words ask for it
    ("- Make sure the caddy container is running.", "docker ps --filter name=caddy", CADDY, DPS),
    ("- traefik, authelia and vaultwarden should all be running.", "docker ps", THREE, DPS),
    # a battery's voltage is not the mains': LINEV does not answer a limit on the battery (BATTV is no name the
    # limit is read against: the model judges either twin)
    ("- Tell me if the UPS battery voltage drops below 12.5 V.", "apcaccess", None, APC.format("11.2")),
])
def test_review_28(checklist: str, command: str, quiet: str | None, news: str) -> None:
    if quiet is not None:
        assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, news) is not Tier.HEARTBEAT


def test_a_listing_of_trouble_that_lists_nothing_is_quiet() -> None:
    assert lookup_tier("- Tell me about unhealthy containers.", "docker ps --filter health=unhealthy",
                       DPS) is Tier.HEARTBEAT
    assert lookup_tier("- Tell me about any pod listed.", "kubectl get pods -A | grep -v Running", PODS) is Tier.HEARTBEAT


@pytest.mark.parametrize(("template", "bad", "good"), [
    ("uptime 41 d, CPU {} % — alarm at 90 %", "95", "12"),  # ("uptime" names no bad-low CPU in its own clause)
    ("Server room: {} °C — warn at 27 °C", "29.6", "22.1"),  # (no kind word: an alert level is a ceiling)
    ("Humidity {} % (warn at 65 %)", "71", "48"),
])
def test_a_readings_kind_from_its_own_clause(template: str, bad: str, good: str) -> None:
    def tier(reading: str) -> Tier:
        text = f"Heartbeat 10:30. {template.format(reading)}. Reply HEARTBEAT_OK if nothing needs attention."
        return classify({"messages": [{"role": "user", "content": text}]}).tier
    assert tier(good) is Tier.HEARTBEAT
    assert tier(bad) is not Tier.HEARTBEAT


KH = "NAME                          READY   STATUS    RESTARTS   AGE"
KN = "NAME     STATUS   ROLES                  AGE    VERSION"


def pod(name: str, ready: str = "1/1") -> str:
    return f"{name:<29} {ready:<7} Running   0          3d"


def node(name: str, role: str = "<none>") -> str:
    return f"{name:<8} Ready    {role:<22} 210d   v1.30.4+k3s1"


API = ["api-7d9c8b6f4-2xkqz", "api-7d9c8b6f4-9wq7m", "api-7d9c8b6f4-kq2ds"]


@pytest.mark.parametrize(("checklist", "command", "quiet", "news"), [
    # other deployments' pods are no api pods; a pod not ready is none
    ("- prod: all three api pods Running.", "kubectl -n prod get pods",
     "\n".join([KH, *map(pod, API), pod("worker-5c6d7f8b9-x7k2p"), pod("redis-0")]),
     "\n".join([KH, pod(API[0]), pod(API[1]), pod("worker-5c6d7f8b9-x7k2p"), pod("redis-0")])),
    ("- prod: all three api pods Ready.", "kubectl -n prod get pods -l app=api", "\n".join([KH, *map(pod, API)]),
     "\n".join([KH, pod(API[0]), pod(API[1]), pod(API[2], "0/1")])),
    # a control plane is no worker
    ("- k3s: all 3 worker nodes Ready.", "kubectl get nodes",
     "\n".join([KN, node("k3s-s1", "control-plane,master"), node("k3s-w1"), node("k3s-w2"), node("k3s-w3")]),
     "\n".join([KN, node("k3s-s1", "control-plane,master"), node("k3s-w1"), node("k3s-w2")])),
])
def test_kubectl_rows_count_the_members_expected(checklist: str, command: str, quiet: str, news: str) -> None:
    assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, news) is not Tier.HEARTBEAT
