"""A check-in's lookups read against the limits its HEARTBEAT.md states (`routing/stated_limits.py`).

"Tell me if replication lag exceeds 30 s", "ping me if the last backup is older than 26 hours": the checklist says
which reading matters and where it turns into news. A reading with no limit beside it is the model's to judge; with
the user's own limit the classifier judges it. Each quiet lookup here has a twin with one reading past its limit.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import openai
import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import ClassifierConfig
from tests.conftest import Fake, Router
from tests.support.agents import BOTH_CONFIGS
from tests.test_heartbeat_requests import CHAINS

OC = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
      "prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Thursday, April 30th, 2026 - "
      "10:00 AM (Europe/Berlin) / 2026-04-30 08:00 UTC")


def _call(i: int, name: str, args: dict[str, str]) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}


def beat_messages(checklist: str, output: str | Any, inlined: bool = False, user: str = OC) -> list[dict[str, Any]]:
    """OpenClaw's heartbeat: its HEARTBEAT.md read by a tool (or inlined in the system prompt), then one command."""
    content = output if isinstance(output, str) else json.dumps(output)
    system = "You are Juniper, a personal assistant running inside OpenClaw."
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system + ("\n## HEARTBEAT.md\n" + checklist if inlined else "")},
        {"role": "user", "content": user}]
    if not inlined:
        messages += [_call(0, "read", {"path": "HEARTBEAT.md"}),
                     {"role": "tool", "tool_call_id": "c0", "content": "# HEARTBEAT.md\n\n" + checklist}]
    return messages + [_call(1, "exec", {"command": "check"}), {"role": "tool", "tool_call_id": "c1", "content": content}]


def lookup_tier(checklist: str, command: str, output: str) -> Tier:
    """The tier of OpenClaw's heartbeat whose checklist was read by a tool and whose one lookup ran `command`."""
    messages = beat_messages(checklist, output)
    messages[-2] = _call(1, "exec", {"command": command})
    return classify({"messages": messages}).tier


def tier(checklist: str, output: str | Any, config: ClassifierConfig, inlined: bool = False, user: str = OC) -> Tier:
    return classify({"messages": beat_messages(checklist, output, inlined, user)}, config).tier


REDIS = ("# Replication\nrole:master\nconnected_slaves:1\nslave0:ip=10.0.4.12,port=6379,state=online,offset=884120933,"
         "lag={}\nmaster_failover_state:no-failover\nmaster_repl_offset:884120933\nrepl_backlog_active:1\n"
         "repl_backlog_size:1048576")
MYSQL = ("*************************** 1. row ***************************\n"
         "             Slave_IO_State: Waiting for source to send event\n                Master_Host: 10.0.0.5\n"
         "        Read_Master_Log_Pos: 88412093\n           Slave_IO_Running: {}\n          Slave_SQL_Running: Yes\n"
         "                 Last_Errno: 0\n                 Last_Error: \n      Seconds_Behind_Master: {}\n"
         "              Connect_Retry: 60\n         Source_Retry_Count: 86400\n")
APC = ("APC      : 001,036,0870\nDATE     : 2026-04-30 09:58:02 +0200\nHOSTNAME : nas\nSTATUS   : ONLINE\n"
       "LINEV    : 230.0 Volts\nLOADPCT  : 17.0 Percent\nBCHARGE  : 100.0 Percent\nTIMELEFT : {} Minutes\n"
       "ALARMDEL : 30 Seconds\nSELFTEST : NO\nNUMXFERS : 0")
RESTIC = [{"time": "{}T02:00:14.531+02:00", "short_id": "8c1f0a2e", "hostname": "nas", "paths": ["/volume1/photos"],
           "summary": {"files_new": 212, "data_added": 1893200117}},
          {"time": "{}T02:00:09.101+02:00", "short_id": "77ab1c02", "hostname": "nas", "paths": ["/volume1/photos"]}]
PSQL = ("application_name |   state   | sync_state | replay_lag_s\n------------------+-----------+------------+-----------"
        "---\n pg-orders-2      | streaming | async      |          0.4\n pg-orders-3      | streaming | async      |"
        "          {}\n(2 rows)")
BORG = ("Archive                              Time\nweb01-2026-04-28T03:15:02            Tue, 2026-04-28 03:15:04\n"
        "web01-2026-04-29T03:15:01            Wed, 2026-04-29 03:15:03\nweb01-{0}T03:15:02            Thu, {0} 03:15:05")

SENSORS = ("coretemp-isa-0000\nAdapter: ISA adapter\nPackage id 0:  +{}°C  (high = +80.0°C, crit = +100.0°C)\n"
           "Core 0:        +51.0°C  (high = +80.0°C, crit = +100.0°C)\n\nnct6798-isa-0290\nAdapter: ISA adapter\n"
           "fan1:                    0 RPM  (min =    0 RPM)\nfan2:                  812 RPM  (min =    0 RPM)")
ZPOOL = ("  pool: tank\n state: ONLINE\n  scan: scrub repaired 0B in 05:41:17 with {} errors on {} 2026\nconfig:\n\n"
         "\tNAME        STATE     READ WRITE CKSUM\n\ttank        ONLINE       0     0     0\n"
         "\t  raidz1-0  ONLINE       0     0     0\n\nerrors: No known data errors")
RESTIC_TEXT = ("repository 7c2f1e0a opened (version 2, compression level auto)\nID        Time                 Host  "
               "Paths\n--------------------------------------------------\na81f03d2  2026-04-28 02:14:07  nas   /home\n"
               "9b02ce61  {} 02:14:03  nas   /home\n--------------------------------------------------\n2 snapshots")
DF_H = ("Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        58G   21G   35G  38% /\n"
        "tank/photos     2.0T  1.7T  317G  {}% /mnt/tank/photos")


def _restic(newest: str, older: str) -> list[dict[str, Any]]:
    first, second = (dict(r) for r in RESTIC)
    first["time"] = f"{newest}T02:00:14.531+02:00"
    second["time"] = f"{older}T02:00:09.101+02:00"
    return [first, second]


PATRONI = ("+ Cluster: pg-orders (7234567890123456789) ----+----+-----------+\n"
           "| Member | Host       | Role    | State     | TL | Lag in MB |\n"
           "+--------+------------+---------+-----------+----+-----------+\n"
           "| pg1    | 10.0.0.11  | Leader  | running   |  5 |           |\n"
           "| pg2    | 10.0.0.12  | Replica | streaming |  5 |         0 |\n"
           "| pg3    | 10.0.0.13  | Replica | {:9} |  5 | {:>9} |\n"
           "+--------+------------+---------+-----------+----+-----------+")
PSQL_X = ("-[ RECORD 1 ]----+----------------\napplication_name | db2\nclient_addr      | 10.20.0.12\n"
          "state            | streaming\nsync_state       | async\nreplay_lag       | {}\n\n"
          "-[ RECORD 1 ]----+------------------------------\narchived_count   | 48213\nfailed_count     | {}\n"
          "last_failed_time | 2026-04-21 17:03:55.918+00")  # psql's expanded display (`-x`)
UPTIME_FREE = (" 12:30:04 up 6 days,  3:12,  1 user,  load average: 1.84, 2.10, {}\n"
               "               total        used        free      shared  buff/cache   available\n"
               "Mem:            30Gi        13Gi       1.2Gi       412Mi        16Gi        {}\n"
               "Swap:          8.0Gi       256Ki       8.0Gi")  # `uptime; free -h`
PG_REPLICATION = (" application_name | client_addr |   state   | sync_state |   replay_lag\n"
                  "------------------+-------------+-----------+------------+-----------------\n"
                  " db-2             | 10.0.3.12   | streaming | async      | 00:00:00.00184\n"
                  " db-3             | 10.0.3.13   | streaming | async      | {}\n(2 rows)")
ZPOOL_LIST = ("NAME   SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT\n"
              "tank  65.4T  53.0T  12.4T        -         -     6%    {}%  1.00x    ONLINE  -")
FREE_H = ("               total        used        free      shared  buff/cache   available\n"
          "Mem:            15Gi        12Gi       412Mi       1.1Gi       3.4Gi       {}\nSwap:          4.0Gi       {}"
          "       2.2Gi")
DOCKER_STATS = ("CONTAINER ID   NAME                      CPU %     MEM USAGE / LIMIT     MEM %     PIDS\n"
                "9c3e1f0a7b21   immich_server             1.84%     1.412GiB / 3GiB       47.07%    41\n"
                "4b7d02e5c8f3   immich_machine_learning   0.09%     2.519GiB / 3GiB       {}%    27")
REDIS_TWO = ("# Replication\nrole:master\nconnected_slaves:{}\nslave0:ip=10.0.4.12,port=6379,state=online,"
             "offset=884120933,lag=0{}\nmaster_failover_state:no-failover\nmaster_repl_offset:884120933")
SMART_A = ("=== START OF READ SMART DATA SECTION ===\nSMART Attributes Data Structure revision number: 16\n"
           "ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE\n"
           "  5 Reallocated_Sector_Ct   0x0033   100   100   005    Pre-fail  Always       -       0\n"
           "  9 Power_On_Hours          0x0012   097   097   000    Old_age   Always       -       24127\n"
           " 12 Power_Cycle_Count       0x0032   100   100   000    Old_age   Always       -       41\n"
           "193 Load_Cycle_Count        0x0012   100   100   000    Old_age   Always       -       372\n"
           "194 Temperature_Celsius     0x0002   159   159   000    Old_age   Always       -       {1} (Min/Max 18/44)\n"
           "197 Current_Pending_Sector  0x0022   100   100   000    Old_age   Always       -       {0}")  # `smartctl -A`


def _celsius(state: str) -> dict[str, Any]:
    return {"entity_id": "sensor.gewaechshaus_temperatur", "state": state,
            "attributes": {"unit_of_measurement": "°C", "friendly_name": "Gewächshaus Temperatur"}}


GALERA = "== db1\nwsrep_cluster_size\t{}\nwsrep_flow_control_paused\t{}\nwsrep_ready\tON"  # (`mysql -N`)
SPEEDTEST = "Ping: 11.207 ms\nDownload: {} Mbit/s\nUpload: 97.18 Mbit/s"
JENKINS = {"_class": "hudson.model.FreeStyleBuild", "building": False, "number": 1187, "result": "SUCCESS",
           "timestamp": 1777500000512}


def _fahrenheit(state: str) -> dict[str, Any]:
    return {"entity_id": "sensor.fridge_temperature", "state": state,
            "attributes": {"unit_of_measurement": "°F", "friendly_name": "Fridge temperature"}}


# (checklist, quiet output, its twin with one reading past the limit)
TWINS: list[tuple[str, Any, Any]] = [
    ("- Tell me if replication lag exceeds 30 s.", REDIS.format(0), REDIS.format(45)),
    ("- Alert me if the replica falls more than 60 seconds behind or stops replicating.",
     MYSQL.format("Yes", 0), MYSQL.format("No", "NULL")),
    ("- Alert me if the replica falls more than 60 seconds behind or stops replicating.",
     MYSQL.format("Yes", 0), MYSQL.format("Yes", 95)),
    ("- UPS: alert if battery charge drops below 50% or runtime under 15 minutes.", APC.format("63.0"),
     APC.format("9.0")),
    ("- Ping me if the last restic backup of the nas is older than 26 hours.", _restic("2026-04-30", "2026-04-29"),
     _restic("2026-04-28", "2026-04-27")),
    ("- Warn me if the TLS cert for shop.example.com expires within 14 days.", "notAfter=Jul 19 03:12:08 2026 GMT",
     "notAfter=May  6 03:12:08 2026 GMT"),
    ("- Tell me if replication lag exceeds 30 s.", {"replica": "db-2", "replication_lag_s": 0.4, "wal_offset": 884120},
     {"replica": "db-2", "replication_lag_s": 45.2, "wal_offset": 884120}),
    ("- Only if the CPU temp goes above 80 °C.", {"coretemp-isa-0000": {"Package id 0": {"temp1_input": 54.0,
                                                                                      "temp1_max": 100.0}}},
     {"coretemp-isa-0000": {"Package id 0": {"temp1_input": 91.0, "temp1_max": 100.0}}}),
    ("- Jobs queue: alert if its depth is above 1000 messages.", [{"name": "jobs", "messages": 12, "consumers": 4}],
     [{"name": "jobs", "messages": 18234, "consumers": 4}]),
    ("- Replicas: bound: replay_lag < 30 s", PSQL.format("0.7"), PSQL.format("41.2")),
    ("- Nightly borg backup to the USB disk: ping me if the newest archive is older than 26 hours.",
     BORG.format("2026-04-30"), BORG.format("2026-04-28")),
    ("- Freezer: alert if its temperature rises above -12 °C.",
     [{"entity_id": "sensor.freezer_temperature", "state": "-18.4", "attributes": {"unit_of_measurement": "°C"}},
      {"entity_id": "lock.front_door", "state": "locked"}],
     [{"entity_id": "sensor.freezer_temperature", "state": "-7.9", "attributes": {"unit_of_measurement": "°C"}},
      {"entity_id": "lock.front_door", "state": "locked"}]),
    ("- Tell me if the CPU goes above 80 °C, or if fan2 (the CPU fan) drops under 300 RPM.",
     SENSORS.format("54.0"), SENSORS.format("86.0")),
    ("- Alert me if the last scrub of tank is older than 35 days.", ZPOOL.format(0, "Sun Apr 12 05:41:18"),
     ZPOOL.format(0, "Sun Mar 15 05:41:18")),
    ("- Alert me if the last scrub of tank is older than 35 days.", ZPOOL.format(0, "Sun Apr 12 05:41:18"),
     ZPOOL.format(2, "Sun Apr 12 05:41:18")),
    ("- Ping me if the last restic backup of nas is older than 26 hours.", RESTIC_TEXT.format("2026-04-30"),
     RESTIC_TEXT.format("2026-04-28")),
    ("- Alert me if any filesystem is over 90% used.", DF_H.format(85), DF_H.format(93)),
    ("- payments-api SLO: p95_latency_ms < 800, error_rate_pct < 1",
     {"service": "payments-api", "p95_latency_ms": 412, "error_rate_pct": 0.12},
     {"service": "payments-api", "p95_latency_ms": 1240, "error_rate_pct": 0.12}),
    # review 21: comparatives, binary sizes, lags in words, time left as a number, degrees in words, one run's length
    ("- Alert me if the nightly build takes longer than 2 hours.", "job: nightly\nlast_duration_s: 3100",
     "job: nightly\nlast_duration_s: 11560"),
    ("- Alert me if the shop's error rate goes above 1% or it gets slower than 800 ms.",
     "error_rate_pct: 0.2\nresponse_time_ms: 310", "error_rate_pct: 0.2\nresponse_time_ms: 2400"),
    ("- Disk usage should be under 90% and replication lag at most 30 s.", "disk_used_pct: 41\nreplication_lag_s: 30",
     "disk_used_pct: 41\nreplication_lag_s: 340"),
    ("- Tell me if the log directory grows bigger than 5 GB.", "log_dir_size: 3.1G", "log_dir_size: 12.4G"),
    ("- Tell me if Redis memory exceeds 2 GiB.", "used_memory_human:1.62G\nmaxmemory_human:0B",
     "used_memory_human:2.05G\nmaxmemory_human:0B"),
    ("- Tell me if replication lag on any replica exceeds 30 s.",
     "Replication lag (db-2): 0.4 s\nReplication lag (db-3): 2 seconds behind",
     "Replication lag (db-2): 0.4 s\nReplication lag (db-3): 6 minutes behind"),
    ("- Warn me if the TLS cert expires within 14 days or disk usage is over 90%.",
     "disk_used_pct: 41\ncert expires in: 61 days", "disk_used_pct: 41\ncert expires in: 6 days"),
    ("- Alert me if the fridge goes above 40 degrees F.", [_fahrenheit("37.9")], [_fahrenheit("48.2")]),
    ("- Tell me if replication lag exceeds 100 MB.", PATRONI.format("streaming", 0), PATRONI.format("streaming", 340)),
    ("- Tell me if replication lag exceeds 100 MB.", PATRONI.format("streaming", 0), PATRONI.format("starting", "")),
    ("- Tell me if the nightly build is not SUCCESS or ran > 2 h.", {**JENKINS, "duration": 4211378},
     {**JENKINS, "duration": 9011378}),  # (Jenkins stamps in epoch ms: its durations are in ms too)
    ("- download is normally above 800 Mbit/s but the ISP is flaky in the evenings; only tell me if it's under 500 "
     "Mbit/s, or ping over 40 ms.", SPEEDTEST.format(612.44), SPEEDTEST.format(412.44)),  # (blind v43: what is usual,
    # then the alert on "it"; the upload is no load)
    ("- Replica lag on db2 must not exceed 30s.\n- pg_stat_archiver.failed_count was 2 after the NFS hiccup on Apr 21; "
     "tell me if it's higher than that.", PSQL_X.format("00:00:00.410278", 2), PSQL_X.format("00:00:41.410278", 2)),
    ("- Replica lag on db2 must not exceed 30s.\n- pg_stat_archiver.failed_count was 2 after the NFS hiccup on Apr 21; "
     "tell me if it's higher than that.", PSQL_X.format("00:00:00.410278", 2), PSQL_X.format("00:00:00.410278", 3)),
    ("2. uptime — tell me if the 15-minute load average is above 10\n3. free -h — tell me if available memory is under "
     "2 GiB", UPTIME_FREE.format("1.97", "17Gi"), UPTIME_FREE.format("11.97", "17Gi")),
    ("2. uptime — tell me if the 15-minute load average is above 10\n3. free -h — tell me if available memory is under "
     "2 GiB", UPTIME_FREE.format("1.97", "17Gi"), UPTIME_FREE.format("1.97", "1.7Gi")),
    ("Both standbys must be there and streaming, and replay lag at most 10 seconds. Report only if that's not the "
     "case.", PG_REPLICATION.format("00:00:07.412903"), PG_REPLICATION.format("00:00:12.004113")),
    ("- `zpool list tank`: CAP at 85% or above means I need to order disks → tell me.", ZPOOL_LIST.format(81),
     ZPOOL_LIST.format(85)),  # (the check-in's own "CAP" is no tool's bound)
    ("- Available memory dropping below 1.5 GiB → message me.\n- Swap use past 2 GiB → also message me.",
     FREE_H.format("2.1Gi", "1.8Gi"), FREE_H.format("2.1Gi", "2.3Gi")),  # (no "Mem used" nor "Swap total" is swap use)
    ("- If any container is using more than 85% of its memory limit (MEM % column), tell me which.",
     DOCKER_STATS.format("83.97"), DOCKER_STATS.format("92.70")),  # (blind v44: what the share is of follows it)
    ("Warn me when fewer than thirty days remain on either.", "notAfter=Jul  4 11:59:59 2026 GMT",
     "notAfter=May 19 11:59:59 2026 GMT"),
    ("- BCHARGE at least 95 percent\n- TIMELEFT at least 20 minutes\nAny of these off → message me.",
     APC.format("23.4") + "\nLASTXFER : Low line voltage", APC.format("14.0") + "\nLASTXFER : Low line voltage"),
    ("- Najnowsze archiwum nie może być starsze niż 30 godzin. Jeśli jest starsze — napisz do mnie.",
     BORG.format("2026-04-30"), BORG.format("2026-04-28")),
    ("- `redis-cli INFO replication`: connected_slaves must be 2 and both slaves state=online.",
     REDIS_TWO.format(2, "\nslave1:ip=10.0.4.13,port=6379,state=online,offset=884120933,lag=1"),
     REDIS_TWO.format(1, "")),  # (a figure the reading must equal: news on either side)
    ("- Gewächshaus: die Temperatur soll zwischen 18 und 24 °C liegen.", [_celsius("23.7")], [_celsius("25.3")]),
    ("- Reallocated_Sector_Ct und Current_Pending_Sector müssen bei 0 bleiben.\n- Temperatur darf höchstens 45 °C "
     "sein.", SMART_A.format(0, 41), SMART_A.format(8, 41)),
    ("- Reallocated_Sector_Ct und Current_Pending_Sector müssen bei 0 bleiben.\n- Temperatur darf höchstens 45 °C "
     "sein.", SMART_A.format(0, 41), SMART_A.format(0, 47)),
    ("- wsrep_cluster_size = 3\n- tell me if wsrep_flow_control_paused goes over 0.1", GALERA.format(3, "0.0413"),
     GALERA.format(2, "0.0413")),  # (a key and its value a line, a tab between; "key = N" in the checklist)
    ("- wsrep_cluster_size = 3\n- tell me if wsrep_flow_control_paused goes over 0.1", GALERA.format(3, "0.0413"),
     GALERA.format(3, "0.31")),
    ("- Tell me if the jobs queue has more than 1000 messages.", "name: jobs\nmessages: 904",
     "name: jobs\nmessages: 1,204"),  # (thousands grouped in a dump: 1204, not 1.204)
    ("- Tell me if replication lag exceeds 30 s.", "role:slave\nmaster_link_status:up\nmaster_sync_in_progress:0\n"
     "slave_lag:0", "role:slave\nmaster_link_status:up\nmaster_sync_in_progress:1\nslave_lag:0"),
]


@BOTH_CONFIGS
@pytest.mark.parametrize("inlined", [False, True], ids=["read-by-a-tool", "inlined"])
@pytest.mark.parametrize(("checklist", "quiet", "twin"), TWINS, ids=range(len(TWINS)))
def test_a_reading_within_the_checklists_limit_is_quiet_and_its_twin_past_it_is_work(
        checklist: str, quiet: Any, twin: Any, inlined: bool, config: ClassifierConfig) -> None:
    assert tier(checklist, quiet, config, inlined) is Tier.HEARTBEAT
    assert tier(checklist, twin, config, inlined).rank >= Tier.MEDIUM.rank


@BOTH_CONFIGS
def test_the_checklist_read_by_its_call_states_limits_under_any_heading(config: ClassifierConfig) -> None:
    """The agent's `read HEARTBEAT.md` answered a file whose heading names no checklist ("## UPS"): it is the checklist
    (quiet, and its limits are read) because of the call that read it."""
    for minutes, quiet in (("63.0", True), ("9.0", False)):
        messages = beat_messages("", APC.format(minutes))
        messages[3]["content"] = "## UPS\nRun `apcaccess`. Warn me if TIMELEFT drops below 15 minutes."
        assert (classify({"messages": messages}, config).tier is Tier.HEARTBEAT) is quiet


@BOTH_CONFIGS
def test_without_a_stated_limit_the_same_readings_stay_the_models_to_judge(config: ClassifierConfig) -> None:
    for checklist, quiet, _ in TWINS[:3]:
        assert tier("- Check the replica and the UPS.", quiet, config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
def test_a_backup_time_without_its_zone_is_read_with_the_widest_offset(config: ClassifierConfig) -> None:
    """A listing's times carry no zone: 03:15 could be 14 hours off the check-in's UTC clock either way. 30 hours
    allowed: the newest archive (at most ~19 hours old) is within; 12 hours allowed it may not be, so it is work."""
    listing = BORG.format("2026-04-30")
    assert tier("- Ping me if the newest borg archive is older than 30 hours.", listing, config) is Tier.HEARTBEAT
    assert tier("- Ping me if the newest borg archive is older than 12 hours.", listing, config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
def test_a_stated_limit_does_not_hide_trouble_elsewhere_in_the_lookup(config: ClassifierConfig) -> None:
    checklist = "- Tell me if replication lag exceeds 30 s."
    assert tier(checklist, REDIS.format(0) + "\nmaster_link_status:down", config) is not Tier.HEARTBEAT
    assert tier(checklist, {"replica": "db-2", "replication_lag_s": 0.4, "errors_last_hour": 12},
                config) is not Tier.HEARTBEAT
    assert tier(checklist, MYSQL.format("Yes", 0).replace("Last_Error: ", "Last_Error: error connecting to master"),
                config) is not Tier.HEARTBEAT


def test_through_the_sdk_a_reading_within_the_stated_limit_goes_local_and_past_it_to_the_cloud(
        make_router: Callable[..., Router], fake: Fake) -> None:
    """OpenClaw's heartbeat, HEARTBEAT.md saying "tell me if replication lag exceeds 30 s", `redis-cli INFO
    replication` answering lag=0 (the local model's) or lag=45 (the cloud chain's), per larouterd's headers."""
    router = make_router(extra_toml=CHAINS.format(url=fake.url))
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    for lag, local in ((0, True), (45, False)):
        messages = beat_messages("- Tell me if replication lag exceeds 30 s.", REDIS.format(lag))
        raw = client.chat.completions.with_raw_response.create(model="auto", messages=messages)  # type: ignore[arg-type]
        assert raw.parse().choices[0].message.content
        assert (raw.headers["x-larouter-tier"] == "HEARTBEAT") is local, raw.headers
        assert raw.headers["x-larouter-model"] == ("local-fake" if local else "gpt-fake"), raw.headers


@pytest.mark.parametrize(("call", "reads"), [
    ('read {"path": "HEARTBEAT.md"}', True),
    ('exec {"command": "cat HEARTBEAT.md"}', True),
    ('exec {"command": "cat HEARTBEAT.md; backup-status"}', False),  # (review 20: prints more than the checklist)
    ('exec {"command": "grep -n disk HEARTBEAT.md && df -h"}', False),
    ('exec {"command": "backup-status", "description": "read HEARTBEAT.md first"}', False),
])
def test_only_a_call_that_reads_the_checklist_alone_makes_its_answer_the_checklist(call: str, reads: bool) -> None:
    from larouter.routing.triggers import Lookup
    assert Lookup("text", None, call).reads_checklist is reads


UPSC = ("battery.charge: 100\nbattery.charge.low: 20\nbattery.runtime: {}\nbattery.type: PbAc\ninput.transfer.high: 264\n"
        "outlet.1.status: on\nups.load: 23\nups.status: OL")


@BOTH_CONFIGS
def test_a_limit_on_something_the_lookups_do_not_show_keeps_them_from_answering(config: ClassifierConfig) -> None:
    """Blind v43: the checklist asks for the UPS's "Restlaufzeit" (runtime), which the reader cannot tie to NUT's
    `battery.runtime`; the charge within its limit must not make the dump quiet, for the runtime may be 9 minutes."""
    checklist = "- Sag mir Bescheid, wenn die Batterie unter 50 % fällt oder die Restlaufzeit unter 15 Minuten liegt."
    assert tier(checklist, UPSC.format(540), config) is not Tier.HEARTBEAT
    assert tier("- UPS: alert if the battery drops below 50% or the runtime under 15 minutes.", UPSC.format(540),
                config) is not Tier.HEARTBEAT
    assert tier("- UPS: alert if the battery drops below 50% or the runtime under 15 minutes.", UPSC.format(2460),
                config) is Tier.HEARTBEAT  # (NUT's outlet "on", its transfer bounds: no news)


KUBECTL_TOP = ("NAME      CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%\nk3s-cp1   412m         10%    2871Mi          36%\n"
               "k3s-w1    2893m        72%    13214Mi         {}%\nk3s-w2    3104m        77%    14402Mi         89%")


@BOTH_CONFIGS
@pytest.mark.parametrize(("memory", "quiet"), [("83", True), ("90", True), ("93", False)])
def test_a_checklist_inlined_under_its_path_keeps_its_own_headings(memory: str, quiet: bool,
                                                                   config: ClassifierConfig) -> None:
    """Blind v44: OpenClaw inlines each workspace file under its path ("## /home/aisha/.openclaw/workspace/HEARTBEAT.md");
    the file's own "## Cluster (k3s)" is its content, not the next file. Its bound said as one ("CPU% no more than 80",
    90 within "no more than 90"), the alert after it ("Over that → post in #ops")."""
    system = ("You are Juniper, a personal assistant running inside OpenClaw.\n# Project Context\n"
              "## /home/aisha/.openclaw/workspace/USER.md\n- Name: Aisha\n"
              "## /home/aisha/.openclaw/workspace/HEARTBEAT.md\n## Cluster (k3s)\n- `kubectl top nodes`: CPU% no more "
              "than 80 and MEMORY% no more than 90 on any node. Over that → post in #ops with the node name.\n"
              "- Don't report anything else from the cluster during heartbeats.\n\n## Runtime\nRuntime: agent=main")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": OC},
                _call(1, "exec", {"command": "kubectl top nodes"}),
                {"role": "tool", "tool_call_id": "c1", "content": KUBECTL_TOP.format(memory)}]
    assert (classify({"messages": messages}, config).tier is Tier.HEARTBEAT) is quiet


@BOTH_CONFIGS
def test_a_bound_whose_side_is_unsaid_keeps_the_others_from_answering(config: ClassifierConfig) -> None:
    """Found on the way (this session's equality limits): "Stratum must be 1" answered `chronyc tracking` while the
    bound beside it, "|System time| under 50 us", names no side and was not read: 612 us read as quiet."""
    chrony = ("Reference ID    : 50505300 (PPS)\nStratum         : 1\nSystem time     : {} seconds fast of NTP time\n"
              "Leap status     : Normal")
    for value in ("0.000000312", "0.000612"):
        assert tier("- Stratum must be 1\n- |System time| under 50 us", chrony.format(value), config) is not Tier.HEARTBEAT


def test_a_reader_that_fails_routes_the_check_in_as_work(monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """A bug in a lookup reader (review 22's run found one: a "0B" size) must not fail the request: the check-in's
    lookups go to the model that does the work, and the failure is logged."""
    import larouter.routing.classifier as classifier

    def broken(*args: Any, **kwargs: Any) -> str:
        raise ValueError("reader bug")

    monkeypatch.setattr(classifier, "lookup_news", broken)
    decision = classify({"messages": beat_messages("- Tell me if replication lag exceeds 30 s.", REDIS.format(0))})
    assert decision.tier.rank >= Tier.MEDIUM.rank
    assert "lookup reader failed" in caplog.text

