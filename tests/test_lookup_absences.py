"""What a lookup leaves out that the checklist names (`routing/listed_names.py`): a container, a member, a mount
point. A stopped container is not in `docker ps` at all, so no line of it reads as trouble.
"""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import ClassifierConfig
from tests.support.agents import BOTH_CONFIGS
from tests.test_stated_limits import PATRONI, _call, beat_messages, tier


PAPERLESS = ("Paperless stack on `dock2` — these containers should all be running:\ntraefik, authelia, paperless-webserver, "
             "paperless-db, paperless-broker.\nCheck with `docker ps`. If one isn't there, tell me.")
DOCKER_PS = ("NAMES                 STATUS                  IMAGE\n"
             "paperless-webserver   Up 3 days (healthy)     ghcr.io/paperless-ngx/paperless-ngx:2.15\n"
             "paperless-broker      Up 3 days               docker.io/library/redis:7\n"
             "paperless-db          Up 3 days (healthy)     docker.io/library/postgres:17\n"
             "authelia              Up 3 days (healthy)     authelia/authelia:4.39\n"
             "traefik               Up 3 days               traefik:v3.3")


@BOTH_CONFIGS
@pytest.mark.parametrize("inlined", [False, True], ids=["read-by-a-tool", "inlined"])
def test_a_name_the_checklist_lists_missing_from_the_lookup_is_news(inlined: bool, config: ClassifierConfig) -> None:
    """Blind v44: a container that is not running is not in `docker ps` at all, so no line of it reads as trouble."""
    assert tier(PAPERLESS, DOCKER_PS, config, inlined) is Tier.HEARTBEAT
    without = "\n".join(line for line in DOCKER_PS.splitlines() if "webserver" not in line)
    assert tier(PAPERLESS, without, config, inlined) is not Tier.HEARTBEAT


@BOTH_CONFIGS
def test_a_member_the_checklist_names_in_its_sentence_missing_from_the_table_is_news(config: ClassifierConfig) -> None:
    """Review 22: "tell me if any of pg1, pg2, pg3 is down or replication lag exceeds 100 MB" and patroni listing two
    members: the third is gone, whatever the lag of the two shown says (the list sits inside the sentence)."""
    checklist = "- Tell me if any of pg1, pg2, pg3 is down or replication lag exceeds 100 MB."
    assert tier(checklist, PATRONI.format("streaming", 0), config) is Tier.HEARTBEAT
    without = "\n".join(line for line in PATRONI.format("streaming", 0).splitlines() if "pg3" not in line)
    assert tier(checklist, without, config) is not Tier.HEARTBEAT


def test_df_without_a_mount_point_its_call_names_is_news() -> None:
    """Review 22: `df -h / /srv/media /backup` printing "/" twice: /backup is not mounted."""
    df = ("Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        58G   21G   35G  38% /\n"
          "/dev/sdb1       3.6T  1.2T  2.4T  34% /srv/media\n")
    for paths, quiet in (("/ /srv/media", True), ("/ /srv/media /backup", False)):
        messages = beat_messages("- Tell me if /backup is not mounted or any disk is over 90%.",
                                 df + ("/dev/sda1        58G   21G   35G  38% /" if not quiet else ""))
        messages[-2] = _call(1, "exec", {"command": f"ssh nas 'df -h {paths}'"})
        assert (classify({"messages": messages}).tier is Tier.HEARTBEAT) is quiet
