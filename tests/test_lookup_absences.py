"""What a lookup leaves out that the checklist names (`routing/listed_names.py`): a container, a member, a mount
point. A stopped container is not in `docker ps` at all, so no line of it reads as trouble.
"""

from __future__ import annotations

from typing import Any

import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import ClassifierConfig
from tests.support.agents import BOTH_CONFIGS
from tests.test_stated_limits import PATRONI, _call, beat_messages, lookup_tier, tier


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


REDIS_REPLICATION = ("# Replication\nrole:master\nconnected_slaves:{n}\n{slaves}master_failover_state:no-failover\n"
                     "master_repl_offset:884120933\nmin_slaves_to_write:0\nrepl_backlog_active:1")
SLAVE = "slave{i}:ip=10.0.4.1{i},port=6379,state=online,offset=884120933,lag=0\n"
PG_REPLICATION = (" client_addr |   state   | replay_lag_s\n-------------+-----------+--------------\n{rows}"
                  "({n} row{s})")




def _redis(n: int) -> str:
    return REDIS_REPLICATION.format(n=n, slaves="".join(SLAVE.format(i=i) for i in range(n)))


def _pg(n: int) -> str:
    rows = "".join(f" 10.0.4.1{i}   | streaming |          0.4\n" for i in range(n))
    return PG_REPLICATION.format(rows=rows, n=n, s="" if n == 1 else "s")


@pytest.mark.parametrize("checklist, command, output", [
    ("- Both replicas should be online with lag under 10 s.", "redis-cli INFO replication", _redis),
    ("- Tell me if replication lag on either replica (db-2, db-3) exceeds 30 s, or if one of them is not connected.",
     "psql -c 'select client_addr, state, extract(epoch from replay_lag) as replay_lag_s from pg_stat_replication'",
     _pg),
    ("- beide Replicas müssen verbunden sein, Lag unter 10 s", "redis-cli INFO replication", _redis),
    ("- all three redis replicas online, lag under 10 s", "redis-cli INFO replication", lambda n: _redis(n + 1)),
], ids=["both-redis", "either-listed-psql", "beide", "all-three"])
def test_fewer_members_than_the_checklist_counts_is_news(checklist: str, command: str, output: Any) -> None:
    """Review 22: the count is in words ("both replicas") or in the names listed ("either replica (db-2, db-3)"); the
    lookup counts one fewer (`connected_slaves:1`, psql's "(1 row)"), and every line it shows is within the limits."""
    assert lookup_tier(checklist, command, output(2)) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, output(1)) is not Tier.HEARTBEAT


@pytest.mark.parametrize("checklist", [
    "- Tell me if only 1 replica is left or lag is over 10 s.",  # the count is the trouble, not what is expected
    "- Both replicas should have lag under 10 s; ignore min_slaves_to_write.",
])
def test_a_count_that_is_no_expectation_or_a_setting_stays_quiet(checklist: str) -> None:
    """"only 1 replica" states trouble, and `min_slaves_to_write:0` is a setting, not a count of replicas."""
    assert lookup_tier(checklist, "redis-cli INFO replication", _redis(2)) is Tier.HEARTBEAT


def test_ceph_counts_its_osds_up() -> None:
    """"all 9 osds up+in" and ceph's "osd: 9 osds: 8 up": one OSD is down while the cluster may still say HEALTH_OK
    for the minutes before it marks it out."""
    status = ("  cluster:\n    id:     3f8a2c1e\n    health: HEALTH_OK\n \n  services:\n"
              "    mon: 3 daemons, quorum pve1,pve2,pve3 (age 2w)\n    osd: 9 osds: {} up (since 6d), 9 in (since 6d)\n")
    checklist = "- `ceph -s` → want HEALTH_OK, all 9 osds up+in"
    assert lookup_tier(checklist, "ssh pve1 ceph -s", status.format(9)) is Tier.HEARTBEAT
    assert lookup_tier(checklist, "ssh pve1 ceph -s", status.format(8)) is not Tier.HEARTBEAT


PATRONI_TABLE = ("+ Cluster: pg-main (7291834019283746512) ---+----+-----------+\n"
                 "| Member | Host      | Role    | State     | TL | Lag in MB |\n"
                 "| pg-1   | 10.0.0.11 | Leader  | running   |  4 |           |\n"
                 "| pg-2   | 10.0.0.12 | Replica | streaming |  4 |         0 |\n{}"
                 "+--------+-----------+---------+-----------+----+-----------+")
PG3 = "| pg-3   | 10.0.0.13 | Replica | streaming |  4 |         0 |\n"
PSQL_X = "-[ RECORD 1 ]----+-----\napplication_name | db-2\nstate            | streaming\nreplay_lag       | 00:00:00.4"
PSQL_X2 = PSQL_X + "\n-[ RECORD 2 ]----+-----\napplication_name | db-3\nstate            | streaming\nreplay_lag       | 00:00:00.6"
ES = '{{\n  "cluster_name" : "logs",\n  "status" : "green",\n  "number_of_nodes" : {},\n  "unassigned_shards" : 0\n}}'


@pytest.mark.parametrize(("checklist", "command", "quiet", "news"), [
    ("- Patroni: both replicas streaming, lag under 16 MB.", "patronictl list", PATRONI_TABLE.format(PG3),
     PATRONI_TABLE.format("")),  # (a table's rows whose cell names the kind)
    ("- Elasticsearch: all 3 nodes in the cluster.", "curl -s es:9200/_cluster/health?pretty", ES.format(3), ES.format(2)),
    ("- Both replicas streaming, replay lag under 30 s.", "psql -xc 'select * from pg_stat_replication'", PSQL_X2,
     PSQL_X),  # (psql -x: one record a row)
    ("- redis-1: 2 replicas connected, lag under 10 s.", "redis-cli INFO replication", _redis(2), _redis(1)),
    ("- redis-1: both of its read replicas connected, lag under 10 s.", "redis-cli INFO replication", _redis(2),
     _redis(1)),
    ("- redis-1: beide Replikas verbunden, Lag unter 10 s.", "redis-cli INFO replication", _redis(2), _redis(1)),
    ("- redis-1: replicas redis-2 and redis-3 connected, lag under 10 s.", "redis-cli INFO replication", _redis(2),
     _redis(1)),
])
def test_review_25_counts_in_other_words_and_other_forms(checklist: str, command: str, quiet: str, news: str) -> None:
    """Review 25: a count said as a number or a word alone, with words between it and its noun, in German, or as the
    names after the noun; counted by a table's rows, psql -x's records, a pretty JSON's key."""
    assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, news) is not Tier.HEARTBEAT
