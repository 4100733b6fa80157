"""The adversarial reviews of the stated-limit reader (19-23): a representative case of each family of false
heartbeats each found, every one a lookup that reports what the checklist asks about and must not read as quiet
(reproductions in the session notes). The readers are in `test_stated_limits.py`.
"""

from __future__ import annotations

from typing import Any

import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import ClassifierConfig
from tests.support.agents import BOTH_CONFIGS
from tests.test_stated_limits import APC, MYSQL, REDIS, _call, beat_messages, tier


# Review 19: lookups that report what the check-in asked about, each read as quiet by a first version of the reader.
REVIEW_19: list[tuple[str, Any]] = [
    # a negation turns a limit's side; "unless" states what healthy is
    ("- Disk usage on / must not exceed 90%.", {"mount": "/", "disk_used_pct": 96}),
    ("- Replication lag should never go above 30 s.", REDIS.format(45)),
    ("- The lock's battery should not drop below 20%.", [{"entity_id": "sensor.front_lock_battery", "state": "8",
                                                          "attributes": {"unit_of_measurement": "%"}}]),
    ("- Festplatte: sollte nicht über 90 % liegen, sonst melden.", {"disk_used_pct": 94}),
    ("- Alert me unless free space on / is above 10%.", {"mount": "/", "disk_free_pct": 4}),
    # what is left is not what is taken
    ("- Alert me if disk usage goes over 90%.", {"mount": "/", "disk_free_pct": 3}),
    ("- Alert me if free space drops below 10 GB.",
     "Filesystem      Size  Used Avail Use% Mounted on\n/dev/vda1        40G   31G  7.2G  79% /"),
    # units: a bare reading may be in the base unit; °F is not °C; a size in bytes
    ("- Alert me if the shop's total time exceeds 800 ms.", "   time_connect:  0.021\n     time_total:  2.934"),
    ("- Alert me if the fridge goes above 40 °F.", {"fridge_temp_c": 11.0}),
    ("- Alert me if free memory drops below 8 GB.", {"mem": {"free": 4831838208}}),
    ("- Alert me if the replica is more than 1500 ms behind.", MYSQL.format("Yes", 40)),
    # the rest of a dump, record or listing is read too
    ("- UPS: alert if runtime drops under 15 minutes.", APC.format("41.0").replace("STATUS   : ONLINE",
                                                                                   "STATUS   : ONLINE REPLACEBATT")),
    ("- UPS: alert if the battery charge drops below 50%.", APC.format("41.0").replace("100.0 Percent", "35.0 Percent")),
    ("- Tell me if the download drops below 50 Mbit/s.", "Ping: 14.2 ms\nDownload: 3.12 Mbit/s\nUpload: 0.81 Mbit/s"),
    ("- Alert me if the shop's response time exceeds 800 ms.", {"status_code": 503, "response_time_ms": 120}),
    ("- Tell me if replication lag exceeds 30 s.", {"replication_lag_s": 0.4, "last_error": "connection refused"}),
    ("- Ping me if the last backup is older than 26 hours.",
     [{"job": "nightly-backup", "finished_at": "2026-04-30T02:03:12+02:00", "exit_code": 2}]),
    ("- Tell me if replication slot lag exceeds 1024 MB.", "   slot_name   | active | lag_mb\n---------------+--------+"
     "--------\n pg_orders_2   | t      |    0.4\n pg_orders_3   | f      |   12.1\n(2 rows)"),
    ("- Tell me if replication lag exceeds 30 s or the last backup is older than 26 hours.",
     "replication_lag_s: 0\nlast_backup: Mon Apr 20 02:00:14 CEST 2026"),
    # dates: each machine's newest backup, a run still going, what a list is of
    ("- Ping me if the last restic backup of any machine is older than 26 hours.",
     [{"time": "2026-04-30T02:00:14+02:00", "hostname": "nas", "short_id": "8c1f0a2e"},
      {"time": "2026-04-24T02:00:09+02:00", "hostname": "laptop", "short_id": "77ab1c02"}]),
    ("- Ping me if the last successful backup is older than 26 hours.",
     [{"started_at": "2026-04-30T02:00:03Z", "finished_at": None, "status": "running"},
      {"started_at": "2026-04-26T02:00:02Z", "finished_at": "2026-04-26T02:41:10Z", "status": "succeeded"}]),
    ("- Ping me if the newest borg archive of each machine is older than 30 hours.",
     "Archive                              Time\nlaptop-2026-04-24T02:00:07           Fri, 2026-04-24 02:00:09\n"
     "nas-2026-04-30T03:15:02              Thu, 2026-04-30 03:15:05"),
    ("- Ping me if the last backup is older than 26 hours.\n- Tell me about anything new on my calendar.",
     {"items": [{"summary": "Contract renewal call with ACME", "created": "2026-04-30T07:40:12.000Z"}]}),
]


# Review 20: lookups that report what the check-in asks about, read as quiet after review 19's fixes.
REVIEW_20: list[tuple[str, Any]] = [
    # which side is news: "unless" after staying quiet names the news; a noun is no alert; what is fine, said after
    ("- Reply HEARTBEAT_OK unless disk usage on / is over 90%.", {"mount": "/", "disk_used_pct": 97}),
    ("- Stay quiet unless replication lag goes above 30 s.", REDIS.format(340)),
    ("- Ping to the router is usually under 5 ms.", {"target": "192.168.1.1", "ping_ms": 240.5, "loss_pct": 0}),
    ("- Page load under 2 s is fine.", {"url": "https://shop.example.com", "page_load_s": 7.8}),
    ("- No alert needed while lag is under 30 s.", REDIS.format(340)),
    # a negation belongs to its own condition
    ("- Alert me if /data is not mounted or over 90% full.", {"mount": "/data", "mounted": True, "disk_used_pct": 97}),
    # what the limit is of: its head word, the side of a share after its number, a qualifier
    ("- Alert me if less than 10% is left on /.", {"mount": "/", "disk_used_pct": 93}),
    ("- Alert me if under 10% of the disk is free.", {"mount": "/", "disk_used_pct": 95}),
    ("- Tell me if the lag on db-2 exceeds 30 s.", {"replica": "db-2", "lag": 340, "state": "streaming"}),
    ("- Alert me if the UPS battery drops below 50%.", "battery.charge: 100\nups.load: 97\nups.status: OL"),
    ("- Ping me if the last snapshot is older than 26 hours.", "last_backup: 2026-04-24T02:00:14+02:00\nerrors: 0"),
    # units and value forms
    ("- SLO: p95_latency_ms < 800", {"service": "api", "p95_latency_s": 2.4}),
    ("- Alert me if available memory drops below 512M.", "MemTotal:       16318480 kB\nMemAvailable:     402112 kB"),
    ("- Tell me if replication lag exceeds 30 s.", {"replica": "db-2", "replication_lag": "4m12s"}),
    ("- Tell me if replication lag exceeds 30 s.", "replication_lag: 00:12:41\nstate: streaming"),
    ("- Ping me if the last backup is older than 26 hours.", "hours_since_last_backup: 50\nrepository: b2:nas"),
    # the rest of a dump: states in words, codes, lines that look like headings, a lock held
    ("- Tell me if replication lag exceeds 30 s.", "lag_s: 0\nstatus: connection refused"),
    ("- Tell me if replication lag exceeds 30 s.", "lag_s: 0\nreplicas: 3\nstatus: 0 of 2 replicas streaming"),
    ("- Alert me if the shop's total time exceeds 800 ms.", "HTTP status: 503\ntime_total: 0.120"),
    ("- Tell me if replication lag exceeds 30 s.", "lag_s: 0\n[WARN] replica db-3 stopped replicating"),
    ("- Ping me if the last backup is older than 26 hours.",
     "last_backup: 2026-04-30T02:14:55+02:00\nrepository: b2:nas-photos\nlock: held by PID 8812 on nas since 2026-04-28"),
    # listings: machines whose names differ by a digit
    ("- Ping me if the newest borg archive of each machine is older than 30 hours.",
     "Archive                              Time\nweb01-2026-04-30T03:15:02            Thu, 2026-04-30 03:15:05\n"
     "web02-2026-04-24T03:15:02            Fri, 2026-04-24 03:15:05"),
    # a report under a heading that names a check is no checklist
    ("- Ping me if the last backup is older than 26 hours.", "# Backup check — nas\n- last backup: 3 days ago"),
    ("- Tell me if replication lag exceeds 30 s.", "## Health check\nreplica db-2 lag 6 min\nstate streaming"),
]


ATTACKS = [*(("r19", *case) for case in REVIEW_19), *(("r20", *case) for case in REVIEW_20)]


@BOTH_CONFIGS
@pytest.mark.parametrize(("review", "checklist", "output"), ATTACKS,
                         ids=[f"{review}-{i}" for i, (review, *_) in enumerate(ATTACKS)])
def test_reviews_19_and_20_lookups_that_report_what_the_checklist_asks_about_are_work(
        review: str, checklist: str, output: Any, config: ClassifierConfig) -> None:
    assert tier(checklist, output, config) is not Tier.HEARTBEAT
    assert tier(checklist, output, config, inlined=True) is not Tier.HEARTBEAT


# Review 21: the bound itself, sides said after the condition, `systemctl status` lines of a crash; a limit stated
# in a form not read keeps the lookups from answering (the other limit within, the unread one past); a dead-letter
# queue's count beside the depth the check-in bounds.
REVIEW_21: list[tuple[str, Any]] = [
    ("- Alert me if disk usage on / is at or above 90%.", {"mount": "/", "disk_used_pct": 90}),
    ("- alert if disk ≥ 90%", {"mount": "/", "disk_used_pct": 90}),
    ("- If replication lag is under 30 s, there is nothing to report.", REDIS.format(340)),
    ("- Replication lag should be no more than 30 s.", REDIS.format(340)),
    ("- Tell me if disk usage is over 90% or the shop gets pricier than 40 EUR.", "disk_used_pct: 41\nprice_eur: 55"),
    ("- Tell me if disk usage is over 90% or it goes over 3.", "disk_used_pct: 41\nconnected_clients: 7"),
    ("- Tell me if the jobs queue has more than 1000 messages.",
     [{"name": "jobs", "messages": 12, "consumers": 4}, {"name": "jobs.dead-letter", "messages": 57, "consumers": 0}]),
    ("- Alert me if nginx is not active or uses more than 1 GB of memory.",
     "● nginx.service - nginx\n     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; preset: enabled)\n"
     "     Active: active (running) since Mon 2026-04-27 10:12:01 CEST; 2 days ago\n   Main PID: 1201 (nginx)\n"
     "     Memory: 2.7G\n"),
]


@BOTH_CONFIGS
@pytest.mark.parametrize(("checklist", "output"), REVIEW_21, ids=range(len(REVIEW_21)))
def test_review_21_a_reading_at_the_bound_or_on_the_side_said_after_is_work(
        checklist: str, output: Any, config: ClassifierConfig) -> None:
    assert tier(checklist, output, config) is not Tier.HEARTBEAT


# Review 22: "otherwise reply HEARTBEAT_OK" after the condition, negations in an aside, "reaches"/"hits", what a time
# left is of ("10 minutes of runtime left"), a reading asked about that is NULL, dead-letter queues by other names.
REVIEW_22: list[tuple[str, Any]] = [
    ("- Tell me if the nightly backup fails or takes longer than 2 hours.",
     {"job": "nightly", "status": "success", "started_at": "2026-04-30T02:00:03+02:00",
      "finished_at": "2026-04-30T05:12:44+02:00", "elapsed_s": 11561}),  # (a limit no reading is named for: not quiet)
    ("- Tell me if the nightly backup fails or takes longer than 2 hours.",
     "status: success\nstarted: 2026-04-30 02:00:03\nfinished: 2026-04-30 05:12:44"),
    ("- Tell me if the backup fails or finishes later than 04:00.", "status: ok\nfinished: 05:12\nfiles: 412331"),
    ("- Alert me if the UPS would last less than 10 minutes.",
     "STATUS   : ONLINE\nBCHARGE  : 100.0 Percent\nTIMELEFT : 4.0 Minutes"),
    ("- Tell me if disk usage is over 90% or there's been no backup in the last 26 hours.",
     "disk_used_pct: 41\nlast_backup: 2026-04-27T02:00:03+02:00"),
    ("- Tell me if disk usage is over 90% or replication lag is greater than or equal to 60 s.",
     "disk_used_pct: 41\nreplication_lag_s: 340"),
    ("- Tell me if disk usage is over 90% or replication lag is more than ~60 s.",
     "disk_used_pct: 41\nreplication_lag_s: 340"),
    ("- Tell me if free space on /srv/media drops below 50 GB.",
     "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sdb1       120G   73G   47G  61% /srv/media"),
    ("- Tell me if any container uses more than 1.5 GB of memory.",
     "CONTAINER ID   NAME        CPU %     MEM USAGE / LIMIT     MEM %     NET I/O           BLOCK I/O         PIDS\n"
     "3f2a1b4c5d6e   postgres    2.31%     1.87GiB / 7.66GiB     24.41%    1.2GB / 3.4GB     12.1GB / 48.2GB   31\n"
     "8c7d6e5f4a3b   gitea       0.12%     212.4MiB / 7.66GiB    2.71%     88MB / 120MB      1.1GB / 2.3GB     14"),
    ("- Let me know if replication lag is over 30 s, otherwise reply HEARTBEAT_OK.", {"replication_lag_s": 340}),
    ("- If replication lag is over 30 s, ping me, otherwise reply HEARTBEAT_OK.", {"replication_lag_s": 340}),
    ("- Tell me if the backup disk (not the NAS) is over 90% full.", {"mount": "/mnt/backup", "disk_used_pct": 97}),
    ("- Tell me if lag on the non-prod replica goes over 5 minutes.", {"replica": "staging-db",
                                                                      "replication_lag_s": 1840}),
    ("- Tell me if disk usage is over 90% or replication lag reaches 5 minutes.",
     "disk_used_pct: 41\nreplication_lag_s: 340"),
    ("- Tell me if disk usage is over 90% or replication lag hits 60 s.", "disk_used_pct: 41\nreplication_lag_s: 340"),
    ("- Alert me if the UPS has less than 10 minutes of runtime left.",
     "STATUS   : ONLINE\nBCHARGE  : 100.0 Percent\nTIMELEFT : 4.0 Minutes"),
    ("- Alert me if the UPS has less than 10 minutes of runtime left.",
     "battery.charge: 100\nbattery.runtime: 240\nups.status: OL"),
    ("- Tell me if the replica falls more than 60 seconds behind or replication stops.",
     "        Seconds_Behind_Master: NULL"),
    ("- Tell me if the jobs queue has more than 1000 messages or anything lands in the dead-letter queue.",
     [{"name": "jobs", "messages": 120, "consumers": 4}, {"name": "jobs.dlq", "messages": 57, "consumers": 0}]),
    ("- Tell me if the jobs queue has more than 1000 messages or anything is in the parking lot.",
     [{"name": "jobs", "messages": 120, "consumers": 4}, {"name": "jobs.parking-lot", "messages": 57, "consumers": 0}]),
]


@BOTH_CONFIGS
@pytest.mark.parametrize(("checklist", "output"), REVIEW_22, ids=range(len(REVIEW_22)))
def test_review_22_lookups_past_what_the_checklist_asks_are_work(checklist: str, output: Any,
                                                                 config: ClassifierConfig) -> None:
    assert tier(checklist, output, config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize("checklist", [
    "- Let me know if replication lag is over 30 s, otherwise reply HEARTBEAT_OK.",
    "- Tell me if lag on the non-prod replica goes over 5 minutes.",
    "- Replication lag must not exceed 30 s.",
])
def test_review_22_the_same_checklists_read_a_quiet_lookup_as_quiet(checklist: str, config: ClassifierConfig) -> None:
    assert tier(checklist, {"replica": "db-2", "replication_lag_s": 0.4}, config) is Tier.HEARTBEAT


# Review 23 (on this session's late additions): every figure a line bounds, not the first alone; a word a key must
# read; a bound with no unit and no side; SMART's bad blocks; plain names of a listing; articles, verbs after the
# figure, hyphenated numbers.
REVIEW_23: list[tuple[str, str, str]] = [
    ("- Server room: temperature should stay between 18 and 24 °C and humidity between 40 and 60%.",
     "temperature: 21.4 °C\nhumidity: 77 %\nprobe_battery: 96 %",
     "curl -s http://10.0.0.40/sensor | jq -r 'to_entries[] | \"\\(.key): \\(.value)\"'"),
    ("- Redis on cache-1: connected_slaves must be 2. Lag on each slave should be 0.",
     "# Replication\nrole:master\nconnected_slaves:2\nslave0:ip=10.0.4.12,port=6379,state=online,offset=884120933,lag=0\nslave1:ip=10.0.4.13,port=6379,state=online,offset=884001210,lag=143\nmaster_failover_state:no-failover\nmaster_repl_offset:884120933\nrepl_backlog_active:1",
     "redis-cli -h cache-1 INFO replication"),
    ("- Redis on cache-1: connected_slaves must be 2 and every slave must be at lag=0.",
     "# Replication\nrole:master\nconnected_slaves:2\nslave0:ip=10.0.4.12,port=6379,state=online,offset=884120933,lag=0\nslave1:ip=10.0.4.13,port=6379,state=online,offset=884001210,lag=143\nmaster_failover_state:no-failover\nmaster_repl_offset:884120933\nrepl_backlog_active:1",
     "redis-cli -h cache-1 INFO replication"),
    ("- Galera: wsrep_cluster_size = 3, wsrep_local_state_comment = Synced",
     "wsrep_cluster_size\t3\nwsrep_local_state_comment\tDonor/Desynced\nwsrep_ready\tON",
     "mysql -N -B -e \"SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_local_state_comment','wsrep_ready')\""),
    ("Redis (cache-1):\n- Tell me if replication lag exceeds 10.\n- connected_clients < 500",
     "# Replication\nrole:master\nconnected_slaves:1\nslave0:ip=10.0.4.12,port=6379,state=online,offset=884120933,lag=0\n# Clients\nconnected_clients:1873\ncluster_connections:0\nmaxclients:10000\nblocked_clients:0",
     "redis-cli -h cache-1 INFO replication; redis-cli -h cache-1 INFO clients"),
    ("- Tell me if the SSD temperature is over 50 °C or any SMART attribute looks bad.",
     "ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE\n  5 Reallocated_Sector_Ct   0x0033   100   100   010    Pre-fail  Always       -       0\n  9 Power_On_Hours          0x0032   092   092   000    Old_age   Always       -       38211\n 12 Power_Cycle_Count       0x0032   099   099   000    Old_age   Always       -       112\n183 Runtime_Bad_Block       0x0013   099   099   010    Pre-fail  Always       -       37\n187 Reported_Uncorrect      0x0032   100   100   000    Old_age   Always       -       0\n194 Temperature_Celsius     0x0022   062   047   000    Old_age   Always       -       38\n197 Current_Pending_Sector  0x0012   100   100   000    Old_age   Always       -       0\n199 UDMA_CRC_Error_Count    0x003e   100   100   000    Old_age   Always       -       0",
     "smartctl -A /dev/sda"),
    ("- Tell me if traefik, authelia or vaultwarden is not running.",
     "traefik\tUp 3 days\nauthelia\tUp 3 days (healthy)",
     "docker ps --format '{{.Names}}\\t{{.Status}}'"),
    ("- These containers should all be running: traefik, authelia, paperless-webserver, paperless-db (restart policy: unless-stopped)",
     "traefik\tUp 3 days\nauthelia\tUp 3 days (healthy)\npaperless-webserver\tUp 3 days (healthy)",
     "docker ps --format '{{.Names}}\\t{{.Status}}'"),
    ("- Sag mir Bescheid, wenn battery.charge 30 % unterschreitet oder ups.load über 80 % liegt.",
     "battery.charge: 24\nbattery.charge.low: 10\nbattery.runtime: 1260\nbattery.voltage: 26.1\ninput.voltage: 230.0\nups.load: 31\nups.status: OL\nups.temperature: 29.2",
     "upsc eaton@localhost"),
    ("- Préviens-moi si la batterie de l'onduleur descend sous les 30 % ou si la charge dépasse 80 %.",
     "battery.charge: 24\nbattery.charge.low: 10\nbattery.runtime: 1260\nbattery.voltage: 26.1\ninput.voltage: 230.0\nups.load: 31\nups.status: OL\nups.temperature: 29.2",
     "upsc eaton@localhost"),
    ("- Avísame si battery.charge baja del 30 %.\n- Avísame si ups.load supera 80 %.",
     "battery.charge: 24\nbattery.charge.low: 10\nbattery.runtime: 1260\nbattery.voltage: 26.1\ninput.voltage: 230.0\nups.load: 31\nups.status: OL\nups.temperature: 29.2",
     "upsc eaton@localhost"),
    ("- Tell me if the UPS battery charge drops below 50% or the runtime is less than forty-five minutes.",
     "APC      : 001,036,0870\nDATE     : 2026-04-30 09:58:02 +0200\nHOSTNAME : nas\nSTATUS   : ONLINE\nLINEV    : 230.0 Volts\nLOADPCT  : 17.0 Percent\nBCHARGE  : 100.0 Percent\nTIMELEFT : 42.0 Minutes\nALARMDEL : 30 Seconds\nSELFTEST : NO\nNUMXFERS : 0",
     "apcaccess status"),
    ("- Tell me if the UPS battery charge drops below 50%.\n- Tell me if TIMELEFT is less than half an hour.",
     "APC      : 001,036,0870\nDATE     : 2026-04-30 09:58:02 +0200\nHOSTNAME : nas\nSTATUS   : ONLINE\nLINEV    : 230.0 Volts\nLOADPCT  : 17.0 Percent\nBCHARGE  : 100.0 Percent\nTIMELEFT : 22.0 Minutes\nALARMDEL : 30 Seconds\nSELFTEST : NO\nNUMXFERS : 0",
     "apcaccess status"),
]


@BOTH_CONFIGS
@pytest.mark.parametrize(("checklist", "output", "command"), REVIEW_23, ids=range(len(REVIEW_23)))
def test_review_23_lookups_past_what_the_checklist_asks_are_work(checklist: str, output: str, command: str,
                                                                 config: ClassifierConfig) -> None:
    messages = beat_messages(checklist, output)
    messages[-2] = _call(1, "exec", {"command": command})
    assert classify({"messages": messages}, config).tier is not Tier.HEARTBEAT
