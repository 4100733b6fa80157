"""Review 27 (an adversarial pass over the fixes of reviews 25 and 26) and blind v47's false heartbeat: a case of each
family that was right before and broke, beside its quiet twin (reproductions in the session notes).
"""

from __future__ import annotations

import logging

import pytest

from larouter.routing import Tier, classify
from tests.test_lookup_absences import _redis
from tests.test_stated_limits import _call, beat_messages, lookup_tier

DOCKER = "traefik\tUp 3 days\nauthelia\tUp 3 days (healthy)\nauthelia-redis\tUp 3 days\nredis\tUp 3 days"
ANSIBLE = ("nas-01 | SUCCESS => {\"changed\": false, \"ping\": \"pong\"}\n"
           "web-01 | SUCCESS => {\"changed\": false, \"ping\": \"pong\"}")
FREEZER = ('{{"entity_id": "sensor.gefriertruhe_temperatur", "state": "{}", "attributes": {{"friendly_name": '
           '"Gefriertruhe Temperatur", "unit_of_measurement": "°C"}}}}')




@pytest.mark.parametrize(("checklist", "command", "quiet", "news"), [
    # another container whose name ends in a listed one shows no listed one (compose v2's "-1" suffix does)
    ("- these must be running: traefik, authelia, redis", "docker ps", DOCKER,
     DOCKER.replace("\nredis\tUp 3 days", "")),
    # an exemption of a notice about a host is no exemption of the host
    ("- Tell me if any host is unreachable.\n- Ignore the apt 'kept back' notice on nas-01, pinned on purpose.",
     "ansible all -m ping -o", ANSIBLE, ANSIBLE.replace("nas-01 | SUCCESS => {\"changed\": false, \"ping\": \"pong\"}",
                                                       "nas-01 | UNREACHABLE! => {\"changed\": false}")),
    # blind v47: a German comparative, an alert after the arrow ("→ melden")
    ("- Gefriertruhe wärmer als -12 °C → melden.", "curl -s $HA/api/states/sensor.gefriertruhe_temperatur",
     FREEZER.format("-18.4"), FREEZER.format("-9.7")),
])
def test_review_27_and_blind_v47(checklist: str, command: str, quiet: str, news: str) -> None:
    assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, news) is not Tier.HEARTBEAT


@pytest.mark.parametrize("checklist", [
    "- free disk space on the NAS above 15%",  # (free of a share: which side? unread, never quiet)
    "- Today: remind me the car inspection is due in May.",  # ("in May" is no date: a reminder due now)
])
def test_what_is_not_read_for_sure_is_not_quiet(checklist: str) -> None:
    output = "Filesystem  Size  Used Avail Use% Mounted on\n/dev/md0  7.3T  6.8T  0.5T  94% /volume1"
    assert lookup_tier(checklist, "ssh nas df -h /volume1", output) is not Tier.HEARTBEAT


@pytest.mark.parametrize("turn", [
    "Heartbeat {}. Server room: {} °C - tell me if above 27 °C.",  # (an ASCII hyphen for the dash)
    "Heartbeat {}. Server room: {} °C — tell me if above 27 °C, otherwise stay quiet.",
    "Heartbeat {}. Server room: {} °C (tell me if the temperature is above 27 °C).",  # (five words before it)
    "Heartbeat {}. Server room: {} °C (ping me if it hits 27 °C).",
])
def test_review_27_a_turns_alert_in_more_forms(turn: str) -> None:
    def tier(reading: str) -> Tier:
        text = turn.format("10:30", reading) + " Reply HEARTBEAT_OK if nothing needs attention."
        return classify({"messages": [{"role": "user", "content": text}]}).tier
    assert tier("22.1") is Tier.HEARTBEAT
    assert tier("29.6") is not Tier.HEARTBEAT


DF_SRV = "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sdb1       3.6T  {}T  1.1T  {}% /srv"


def scheduled_df_tier(system: str, wake: str, used: str, share: int) -> Tier:
    """The tier of a scheduler's wake whose agent ran `df -h /srv` (its checklist in the system prompt)."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": wake},
                _call(1, "shell", {"cmd": "df -h /srv"}),
                {"role": "tool", "tool_call_id": "c1", "content": DF_SRV.format(used, share)}]
    return classify({"messages": messages}).tier


def test_review_27_a_system_checklists_own_subheadings_are_its_content() -> None:
    """"### Disk" right under the periodic header ended the checklist before its limit."""
    system = ("You are the ops bot. A scheduler wakes you.\n\nNODE CHECKLIST (run on every `node-watch` wake):\n"
              "### Disk\n- `df -h /srv`: use under 60%.\n### Output\n- all fine: reply NOOP.\n")
    wake = "[scheduler] wake job=node-watch at 2026-05-14T09:40:00Z."
    assert scheduled_df_tier(system, wake, "1.2", 33) is Tier.HEARTBEAT
    assert scheduled_df_tier(system, wake, "2.5", 70) is not Tier.HEARTBEAT


KPODS = ("NAME                   READY   STATUS    RESTARTS   AGE\napi-7d9c8b6f4-2xkqz    1/1     Running   0          3d\n"
         "api-7d9c8b6f4-9wq7m    1/1     Running   0          3d\napi-7d9c8b6f4-kq2ds    1/1     Running   0          3d")
ES = '{\n  "status" : "green",\n  "number_of_nodes" : %d,\n  "number_of_data_nodes" : %d,\n  "unassigned_shards" : 0\n}'
STACKS = ("nextcloud-app-1\tUp 3 days (healthy)\nnextcloud-redis-1\tUp 3 days\nnextcloud-cron-1\tUp 3 days\n"
          "nextcloud-db-1\tUp 3 days\npaperless-db-1\tUp 3 days")
DPS = "CONTAINER ID   IMAGE       COMMAND                  CREATED      STATUS      PORTS     NAMES"
UPSC = "input.voltage: {}\ninput.voltage.nominal: 230\nups.load: 17\nups.status: OL"


@pytest.mark.parametrize(("checklist", "command", "quiet", "news"), [
    # a bound whose side is unsaid, on a reading the lookup names otherwise ("mains", "Netzspannung": input.voltage)
    ("- mains above 220 V", "upsc ups@localhost", None, UPSC.format("198.0")),
    ("- Netzspannung über 220 V", "upsc ups@localhost", None, UPSC.format("198.0")),
    # a count from kubectl's rows; from the key that counts the kind the checklist qualifies ("data nodes")
    ("- prod: all three api pods Running.", "kubectl -n prod get pods -l app=api", KPODS, KPODS.rsplit("\n", 1)[0]),
    ("- Elasticsearch: all 3 data nodes in the cluster.", "curl -s localhost:9200/_cluster/health?pretty",
     ES % (4, 3), ES % (3, 2)),
    # a compose service shown only in another project's stack is not shown
    ("- Nextcloud stack on dock2: app, db, redis and cron should all be running.", "docker ps", STACKS,
     STACKS.replace("nextcloud-db-1\tUp 3 days\n", "")),
    # a filtered listing that printed its header alone found nothing
    ("- Tell me if the caddy container is not running.", "docker ps --filter name=caddy",
     DPS + "\n3f2a9c1b7d4e   caddy:2.8   \"caddy run\"   3 days ago   Up 3 days   443/tcp   caddy", DPS),
])
def test_review_27_left_over(checklist: str, command: str, quiet: str | None, news: str) -> None:
    if quiet is not None:  # (a sideless bound is the model's to judge: never quiet, whatever the reading)
        assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, news) is not Tier.HEARTBEAT


def test_review_27_a_threshold_after_a_dash_is_read_as_in_brackets() -> None:
    def tier(share: int) -> Tier:
        text = f"Heartbeat 10:30 — Disk /srv: {share} % used — warn at 85 %. Reply HEARTBEAT_OK if nothing needs attention."
        return classify({"messages": [{"role": "user", "content": text}]}).tier
    assert tier(41) is Tier.HEARTBEAT
    assert tier(91) is not Tier.HEARTBEAT


def test_a_system_checklist_in_polish_is_read() -> None:
    """"Lista kontrolna przy każdej pobudce:" (blind v47) heads a checklist; "zajętość" is a use, bad high."""
    system = ("Jesteś agentem utrzymaniowym serwera `srv-biuro`. Budzi cię cron co 30 min.\n\n"
              "Lista kontrolna przy każdej pobudce:\n1. `df -h /srv` — zajętość /srv poniżej 60%.\n"
              "Jeśli nie ma nic do zgłoszenia, odpowiedz dokładnie: OK_NIC_NOWEGO\n")
    wake = "[cron */30 * * * *] pobudka — wt 12.05.2026 09:00 CEST"
    assert scheduled_df_tier(system, wake, "1.2", 33) is Tier.HEARTBEAT
    assert scheduled_df_tier(system, wake, "2.4", 66) is not Tier.HEARTBEAT


def test_two_names_said_to_be_both_are_a_list() -> None:
    """Review 25: "nextcloud and nextcloud-db containers should both be running": a pair, the commonest list (an app
    and its database), where one shown is the other missing."""
    checklist = "- nextcloud and nextcloud-db containers should both be running on dock2."
    both = "traefik\tUp 3 days\nnextcloud\tUp 3 days (healthy)\nnextcloud-db\tUp 3 days\nredis\tUp 3 days"
    assert lookup_tier(checklist, "docker ps", both) is Tier.HEARTBEAT
    assert lookup_tier(checklist, "docker ps", both.replace("nextcloud-db\tUp 3 days\n", "")) is not Tier.HEARTBEAT


def test_a_superscript_digit_is_no_count(caplog: pytest.LogCaptureFixture) -> None:
    """"all ² redis replicas": "²" is a digit to `str.isdigit` and none to `int`; it reads as no count, with no
    traceback in the log (the classifier used to catch a ValueError, log it, and send the check-in to MEDIUM)."""
    messages = beat_messages("- all ² redis replicas online, lag under 10 s", _redis(2))
    messages[-2] = _call(1, "exec", {"command": "redis-cli INFO replication"})
    with caplog.at_level(logging.WARNING):
        assert classify({"messages": messages}).tier is Tier.HEARTBEAT
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
