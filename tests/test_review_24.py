"""Review 24 (an adversarial pass over names listed, presence checks, tool forms and learned heartbeats): a
representative case of each family of false heartbeats it found, each beside its quiet twin where it has one
(reproductions in the session notes). The inlined HEARTBEAT.md's own headings are in `test_heartbeat_workspace.py`.
"""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from tests.test_stated_limits import lookup_tier

DOCKER_CMD = "docker ps --format '{{.Names}}\\t{{.Status}}'"
DOCKER4 = ("traefik\tUp 3 days\nauthelia\tUp 3 days (healthy)\npaperless-webserver\tUp 3 days (healthy)\n"
           "paperless-db\tUp 3 days")
DOCKER3 = DOCKER4.rsplit("\n", 1)[0]  # paperless-db stopped: a stopped container is not in `docker ps` at all




@pytest.mark.parametrize(("checklist", "command", "quiet", "trouble"), [
    ("Containers that must be running on dock2:\n- traefik\n- authelia\n- paperless-webserver\n- paperless-db",
     DOCKER_CMD, DOCKER4, DOCKER3),
    ("Must be running on dock2:\n1. traefik\n2. authelia\n3. `paperless-webserver`\n4. `paperless-db`",
     DOCKER_CMD, DOCKER4, DOCKER3),
    ("- Paperless stack on dock2: traefik / authelia / paperless-webserver / paperless-db should all be up.",
     DOCKER_CMD, DOCKER4, DOCKER3),
    ("- Paperless on dock2: traefik & authelia & paperless-webserver & paperless-db should all be running.",
     DOCKER_CMD, DOCKER4, DOCKER3),
    ("- These should be running on dock2: `traefik` `authelia` `paperless-webserver` `paperless-db`",
     DOCKER_CMD, DOCKER4, DOCKER3),
    ("- Tell me if any of web01–web04 stops answering ping.", "fping -a -q web01 web02 web03 web04",
     "web01\nweb02\nweb03\nweb04", "web01\nweb02\nweb03"),  # (`fping -a` prints only the hosts alive)
    ("- Paperless on dock2: paperless-webserver, paperless-db and paperless-redis should all be running.",
     "docker ps --filter name=paperless --format '{{.Names}}\\t{{.Status}}'",
     "paperless-webserver\tUp 3 days (healthy)\npaperless-db\tUp 3 days\npaperless-redis\tUp 3 days", ""),
    ("- Tell me if the 15-minute load average on the mac mini is above 8.", "sysctl vm.loadavg",
     "vm.loadavg: { 0.52 0.58 0.61 }", "vm.loadavg: { 14.20 12.10 9.97 }"),
    ("- Tell me if the 15-minute load average on the mac mini is above 8.", "sysctl -n vm.loadavg",
     "{ 0.52 0.58 0.61 }", "{ 31.20 28.10 26.40 }"),
    ("- Tell me if the 15-minute load average is above 8.", "cat /proc/loadavg", "0.52 0.58 0.61 1/234 5678",
     "9.52 9.58 9.61 14/234 5678"),
])
def test_what_the_lookup_leaves_out_or_prints_in_its_own_form_is_read(checklist: str, command: str, quiet: str,
                                                                       trouble: str) -> None:
    """Names listed as bullets, numbers, with "/", "&", in backticks or as a range, one of them missing; a filtered
    listing printing none of them; load averages as macOS' sysctl and /proc/loadavg print them (its "{ … }" with the
    numbers taken out was read as an empty record)."""
    assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, trouble) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("checklist", "command"), [
    ("- Tell me if caddy is not running on the VPS.", "ssh vps pgrep -a caddy"),
    ("- Tell me if postgres stops listening on 5432.", "ss -ltn | grep ':5432'"),
    ("- Tell me if the NAS share /mnt/nas is not mounted.", "findmnt /mnt/nas"),
])
def test_an_empty_lookup_is_the_absence_the_checklist_asks_about(checklist: str, command: str) -> None:
    """`pgrep`, `ss | grep` and `findmnt` print nothing for what is not there: no longer read as nothing found."""
    assert lookup_tier(checklist, command, "") is not Tier.HEARTBEAT


@pytest.mark.parametrize(("turn", "quiet", "news"), [
    ("Heartbeat {}. Server room: {} °C (tell me if above 27 °C). Reply HEARTBEAT_OK if nothing needs attention.",
     "22.1", "29.6"),
    ("Heartbeat {} — disk /srv: {}% used (warn at 75%). Backups: ok. Reply HEARTBEAT_OK if nothing needs attention.",
     "65", "78"),
    ("Heartbeat {} — disk /srv: {}% free (warn at 20%). Backups: ok. Reply HEARTBEAT_OK if nothing needs attention.",
     "35", "15"),  # (what is free is bad low, whatever the line's name)
])
def test_a_check_in_turn_with_its_own_reading_past_its_own_alert_is_work(turn: str, quiet: str, news: str) -> None:
    """The alert in brackets said as an instruction ("tell me if above 27 °C"), or after a state ("78% used (warn at
    75%)"): the reading past it is news."""
    def tier(reading: str) -> Tier:
        return classify({"messages": [{"role": "user", "content": turn.format("10:00", reading)}]}).tier
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(news) is not Tier.HEARTBEAT
