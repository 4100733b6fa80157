"""A heartbeat's tool lookups: quiet only when they read as nothing to handle (`routing/lookup_news.py`).

Review 15 (N2): under OpenClaw's own heartbeat prompt, a lookup was asked for positive evidence of work (a few item
keys, three text shapes), so a `gh pr list` table, a himalaya envelope list, a pod in Pending, `{"status":
"offline"}` or `{"unresolved": 4}` stayed a heartbeat and the local model answered HEARTBEAT_OK. Now every lookup
must read as quiet: an empty answer, a checklist read, a record whose answer is none, a table whose every row is fine.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import openai
import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import DEFAULT, ClassifierConfig
from larouter.routing.triggers import MAX_RESULTS
from tests.conftest import Fake, Router
from tests.support.agents import BOTH_CONFIGS, RULES_ONLY
from tests.test_heartbeat_requests import CHAINS

OC = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
      "prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Wednesday, March 4th, 2026 - "
      "7:12 AM (Europe/Berlin) / 2026-03-04 06:12 UTC")


def beat(result: str | dict[str, Any], config: ClassifierConfig = DEFAULT, user: str = OC,
         command: str = "check") -> Tier:
    """OpenClaw's heartbeat whose agent ran one command (or tool) that answered `result`."""
    content = result if isinstance(result, str) else json.dumps(result)
    return classify({"messages": [
        {"role": "system", "content": "You are Juniper, a personal assistant running inside OpenClaw."},
        {"role": "user", "content": user},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "exec",
                                                          "arguments": json.dumps({"command": command})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": content}]}, config).tier


KUBECTL = "NAME                       READY   STATUS      RESTARTS   AGE\n"
DOCKER = "CONTAINER ID   IMAGE          STATUS                     NAMES\n"
DF = "Filesystem      Size  Used Avail Use% Mounted on\n"
GH_RUNS = "STATUS  TITLE          WORKFLOW  BRANCH  EVENT  ID          ELAPSED  AGE\n"

WORK = [
    # text listings (review 15)
    "Showing 2 of 2 open pull requests in acme/api\n\n#412  Fix payment webhook retries  feature/webhook-retry  "
    "about 2 hours ago\n#409  Bump deps                    chore/deps              about 1 day ago",
    "412\tFix payment webhook retries\tfeature/webhook-retry\tOPEN\t2026-05-06T06:12:00Z",
    "| ID  | FLAGS | SUBJECT                  | FROM     | DATE             |\n|-----|-------|------------------------"
    "--|----------|------------------|\n| 812 | *     | Need signed NDA by 12:00 | Dana Kim | 2026-05-06 08:12 |",
    "From: Dana Kim <dana@acme.com>\nSubject: Need signed NDA by 12:00\nDate: Wed, 06 May 2026 08:12",
    "[06/05/2026, 08:02:13] Sarah: are you picking up the kids today?",
    "08:02 Sarah: are you picking up the kids today? need to know by 3",
    "4 unread messages in INBOX (oldest 26h)",
    "ID  Due         Task\n 3  2026-03-03  Renew passport photos appointment\n 7  2026-03-04  Send invoice to Acme",
    "Wed Mar 04   9:30am          Standup with Dana\n             2:00pm          Dentist (bring insurance card)",
    # commands whose output is in trouble, row by row
    KUBECTL + "api-7d9c6b5f8-2xkqp        1/1     Running     0          6d\n"
              "worker-5b8f7c9d4-lm2vw     0/1     Pending     0          14m",
    KUBECTL + "api-7d9c6b5f8-2xkqp        1/1     Running     7 (2m ago)    6d",
    DOCKER + "3f2a1b9c8d7e   postgres:16    Up 3 days (healthy)        db\n"
             "9a8b7c6d5e4f   app:latest     Exited (1) 2 minutes ago   web",
    DF + "/dev/sda1        40G   39G  1.2G  97% /\n/dev/sdb1       200G   88G  102G  47% /srv",
    GH_RUNS + "X       Bump deps      CI        main    push   9123456781  3m12s    about 1 hour ago",
    "  UNIT                  LOAD   ACTIVE SUB    DESCRIPTION\n● certbot-renew.service loaded failed failed Certbot "
    "renewal\n\n1 loaded units listed.",
    "HTTP/1.1 503 Service Unavailable\ncontent-type: text/plain\n\nupstream connect error",
    "app.example.com  notAfter=Mar  7 12:00:00 2026 GMT  (3 days left)",
    "job\tlast_run\texit\tduration\ndb-dump\t2026-05-20 02:00\t1\t4m12s\nsync-oss\t2026-05-20 03:30\t0\t11m48s",
    "Live Context:\n- names: Garagentor\n  domain: cover\n  state: open\n- names: Haustür\n  state: 'off'",
    "Live Context:\n- names: Gefrierschrank\n  domain: sensor\n  state: '-7.9'\n- names: Haustür\n  state: 'off'",
    # records: counts that need attention, states and flags in trouble
    {"queue": "support", "unresolved": 4},
    {"missed_calls": 2, "voicemails": 1},
    {"flagged": 3, "starred": 0},
    {"needs_reply": 2},
    {"certs_expiring_7d": 1},
    {"entity": "cover.garage_door", "state": "open", "last_changed": "2026-03-04T05:40:00Z"},
    {"entity": "binary_sensor.front_door", "state": "on", "device_class": "door"},
    {"device": "smoke alarm hall", "low_battery": True},
    {"lock": "front_door", "unlocked": True},
    {"device": "camera-garden", "status": "offline"},
    {"printer": "office", "state": "paper_jam"},
    {"number": 412, "title": "Fix payment webhook retries", "state": "open"},
    # the work twins of quiet records: a count beside the empty answer
    {"orders": [], "count": 3},
    {"messages": [], "resultSizeEstimate": 3},
    {"base": "BGO", "alerts": [], "sick_calls": 3, "fdp_warnings": 0},
]

QUIET = [
    "",
    "no pull requests match your search in acme/api",
    "  UNIT LOAD ACTIVE SUB DESCRIPTION\n\n0 loaded units listed.",
    KUBECTL + "api-7d9c6b5f8-2xkqp        1/1     Running     0          6d\n"
              "migrate-28461-x2k          0/1     Completed   0          2h",
    DOCKER + "3f2a1b9c8d7e   postgres:16    Up 3 days (healthy)        db\n"
             "9a8b7c6d5e4f   app:latest     Up 3 days (healthy)        web",
    DF + "/dev/sda1        40G   12G   26G  31% /\n/dev/sdb1       200G   88G  102G  47% /srv",
    GH_RUNS + "✓       Bump deps      CI        main    push   9123456781  3m12s    about 1 hour ago",
    "| ID | FLAGS | SUBJECT | FROM | DATE |\n|----|-------|---------|------|------|",
    'HTTP/1.1 200 OK\ncontent-type: application/json\n\n{"status":"ok"}',
    "all pools are healthy",
    "job\tlast_run\texit\tduration\ndb-dump\t2026-05-20 02:00\t0\t4m12s\nsync-oss\t2026-05-20 03:30\t0\t11m48s",
    "Live Context:\n- names: Garagentor\n  domain: cover\n  state: closed\n- names: Haustür\n  state: 'off'",
    "# HEARTBEAT.md\n\n## Today (Tue 3 Mar)\n- [x] 09:00 remind Sam: pay council tax (he confirmed 09:12)\n\n## Later",
    {"events": [], "next_poll_s": 900},
    {"items": [], "timeZone": "Europe/Madrid"},
    {"ok": True, "messages": [], "has_more": False, "latest_checked": "2026-03-11T16:00:03Z"},
    {"devices": 112, "online": 112, "offline": 0, "alerts": 0, "firmware_pending": 0},
    {"status": "OK", "message": "No results found.", "time": "2025-02-14 03:00:01 AM PST-0800"},
    {"papers": [], "queries": ["diffusion policy", "tactile sensing"], "scanned": 1204},
    {"group": "boorgate", "readings": [{"id": "BG-1", "level_m": 12.4, "status": "ok"}], "alerts": []},
]


@BOTH_CONFIGS
@pytest.mark.parametrize("result", WORK, ids=range(len(WORK)))
def test_a_heartbeat_whose_lookup_reports_something_is_work(result: str | dict[str, Any],
                                                            config: ClassifierConfig) -> None:
    assert beat(result, config) is not Tier.HEARTBEAT


@pytest.mark.parametrize("result", WORK[:3] + WORK[-3:], ids=range(6))
def test_a_lookups_news_goes_to_a_model_that_reads_it(result: str | dict[str, Any]) -> None:
    """What a lookup reports is classified at least MEDIUM: "FATAL: 2" alone scores as a one-word request."""
    assert beat(result).rank >= Tier.MEDIUM.rank


@pytest.mark.parametrize("result", QUIET, ids=range(len(QUIET)))
def test_a_heartbeat_whose_lookup_reads_as_quiet_stays_one(result: str | dict[str, Any]) -> None:
    assert beat(result) is Tier.HEARTBEAT


def test_a_reading_with_no_limit_beside_it_is_for_the_model_to_judge() -> None:
    """A fare, a rate, a temperature with no bound stated in the lookup: whether it crosses the user's bound is work
    for the model (the bound is in a checklist the classifier does not compare against)."""
    assert beat("USD / JPY  158.41  +0.22 (0.14%)  Jul 9, 1:00:12 PM GMT+9") is not Tier.HEARTBEAT
    assert beat({"tunnel_A": {"air_c": 23.4, "rh": 68}, "read_at": "2026-05-06T13:20:04+01:00"}) is not Tier.HEARTBEAT


def test_a_recurring_trigger_whose_lookup_reports_something_is_work() -> None:
    """The same stamped trigger acked twice before: recurrence would call it a heartbeat, but a lookup's news wins
    over it (before, only a lookup listing records did: a pod in Pending went to the local model)."""
    turns: list[dict[str, Any]] = [{"role": "system", "content": "Cluster watcher. Reply CLEAR when all is well."}]
    for i, stamp in enumerate(("09:00", "09:15", "09:30")):
        turns += [{"role": "user", "content": f"sweep {stamp}"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": f"c{i}", "type": "function", "function": {"name": "kubectl", "arguments": "{}"}}]},
                  {"role": "tool", "tool_call_id": f"c{i}", "content": KUBECTL +
                   "api-7d9c6b5f8-2xkqp        1/1     Running     0          6d"}]
        if i < 2:
            turns.append({"role": "assistant", "content": "CLEAR"})
    assert classify({"messages": turns}).tier is Tier.HEARTBEAT
    turns[-1] = dict(turns[-1], content=KUBECTL + "api-7d9c6b5f8-2xkqp        0/1     Pending     0          6d")
    assert classify({"messages": turns}).tier is not Tier.HEARTBEAT


# Review 17: tool results the quiet reader passed while they plainly report work, one or two of each family.
REVIEW_17 = [
    "- backup-nas: FAILED (exit 1)\n- cert-renew: ok",  # bullets were cut before anything read them
    "1. Dana Kim — Need signed NDA by noon\n2. Bank — please confirm the transfer",
    {"status": "ok", "unresolved": 4},  # a fine status hid every number beside it
    [{"host": "db-1", "status": "up", "disk_pct": 97}, {"host": "db-2", "status": "up", "disk_pct": 41}],
    {"host": "db-1", "cpu_pct": 98, "alerts": []},  # shares held to the limit the text reader uses
    {"status": "ok", "disk_free_pct": 3},
    {"cluster": "prod", "nodes_not_ready": 2, "alerts": []},  # a negated key counts trouble
    {"target_group": "api-prod", "healthy_host_count": 0},  # none of what should be there
    {"sku": "TSHIRT-M-BLK", "stock": 0},
    {"from": "Dana Kim", "text": "call me back", "media": []},  # a message's text
    {"estado": "fallido", "reintentos": 0},  # a status in another language
    {"expired": ["mail.acme.com"], "expiring_soon": []},  # names under a key of trouble
    {"name": "Garage camera", "online": False, "events": []},  # false where true is expected
    "NAME   SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT\n"
    "tank  7.25T  6.90T   350G        -         -    45%    95%  1.00x    ONLINE  -",  # a fine word hid 95%
    "CONTAINER      IMAGE          CREATED          STATE    NAME   ATTEMPT  POD ID\n"
    "3f2a1b9c8d7e   sha256:4e1f2   2 minutes ago    Running  api    14       7d9c6b5f8",  # a counter column
    "JOB       RESULT\nbackup    success\nsync      unsuccessful",  # "success" inside "unsuccessful"
    "- name: HighRequestLatency\n  state: firing",  # any word counted as a fine state
    "Live Context:\n- names: Hall smoke detector\n  state: 'off'\n  attributes:\n    battery_level: 3",
    "All systems operational except Payments API",  # a verdict with a contrast
    "No space left on device",  # none of what a service needs
    "Keine Verbindung zur Datenbank seit 3 Stunden",
    "deployment/api: available replicas: 0",
    "## Disk\n/ 97% used\n## Backups\nlast run: 9 days ago",  # a heading is no checklist
    "# HELP probe_success Displays whether the probe was a success\n# TYPE probe_success gauge\nprobe_success 0",
]


@pytest.mark.parametrize("result", REVIEW_17, ids=range(len(REVIEW_17)))
def test_review_17_lookups_that_report_work_are_work(result: str | dict[str, Any]) -> None:
    assert beat(result) is not Tier.HEARTBEAT
    assert beat(result, RULES_ONLY) is not Tier.HEARTBEAT


def _recurring(result: str) -> dict[str, Any]:
    """A stamped sweep acked twice before; its third lookup answered `result`."""
    turns: list[dict[str, Any]] = [{"role": "system", "content": "Cluster watcher. Reply CLEAR when all is well."}]
    for i, stamp in enumerate(("09:00", "09:15", "09:30")):
        turns += [{"role": "user", "content": f"sweep {stamp}"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": f"c{i}", "type": "function", "function": {"name": "check", "arguments": "{}"}}]},
                  {"role": "tool", "tool_call_id": f"c{i}", "content": "all checks passed" if i < 2 else result}]
        if i < 2:
            turns.append({"role": "assistant", "content": "CLEAR"})
    return {"messages": turns}


@pytest.mark.parametrize("result", [
    "# TODO\n\n- Reply to Dana about the NDA (she is waiting)\n- Pay electricity bill, due today",
    '{"service": "checkout-api", "error_rate": 0.41, "status": "degraded"}',
])
def test_every_path_reads_the_lookup_the_same_way(result: str) -> None:
    """Review 17: recurrence and the idle-token trigger read only part of what the heartbeat branch reads (no item
    due in a checklist, no line in trouble); now they share one reading (`lookup_news` and the due-task reader)."""
    assert classify(_recurring(result)).tier is not Tier.HEARTBEAT
    assert classify(_recurring("all checks passed")).tier is Tier.HEARTBEAT


def test_a_tool_loop_longer_than_the_lookups_read_is_never_quiet() -> None:
    """Review 17: only the first MAX_RESULTS tool results are read; one more that said `{"status": "offline"}` was
    never seen. More results than a check-in's lookups is a tool loop: work."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": OC}]
    for i, content in enumerate(["[]"] * MAX_RESULTS + ['{"status": "offline"}']):
        messages += [{"role": "assistant", "content": None, "tool_calls": [
                          {"id": f"c{i}", "type": "function", "function": {"name": "exec", "arguments": "{}"}}]},
                     {"role": "tool", "tool_call_id": f"c{i}", "content": content}]
    assert classify({"messages": messages}).tier is not Tier.HEARTBEAT
    assert classify({"messages": messages[:-2]}).tier is Tier.HEARTBEAT


@pytest.mark.parametrize("result", [
    {"entity_id": "binary_sensor.front_door", "state": "off", "attributes": {"device_class": "door"},
     "last_changed": "2026-03-04T05:40:00+00:00"},  # a fine state that is not a status word
    {"entity_id": "alarm_control_panel.home", "state": "armed_away"},  # a mode
    {"id": "INBOX", "messagesTotal": 4120, "messagesUnread": 0, "threadsTotal": 3900, "threadsUnread": 0},
    {"status": "UP", "components": {"diskSpace": {"status": "UP", "details": {"total": 500107862016,
                                                                             "free": 250053931008}}}},
    "NAME        STATUS   VOLUME        CAPACITY   AGE\ndata-pg-0   Bound    pvc-3f2a1b9c  20Gi       90d",
    "NAME    NAMESPACE  REVISION  STATUS    CHART\napi     prod       42        deployed  api-1.2.3",
    "PONG",
    "  cluster:\n    id:     3f2a1b9c\n    health: HEALTH_OK",
])
def test_review_17_quiet_lookups_stay_heartbeats(result: str | dict[str, Any]) -> None:
    """Review 17's other side: quiet results the reader took for news (a door sensor "off", an alarm "armed_away", a
    label's totals, a health check's nested readings, kubectl's "Bound", helm's "deployed", redis' "PONG")."""
    assert beat(result) is Tier.HEARTBEAT


NUT = ("battery.charge: 100\nbattery.runtime: 1740\ndevice.model: 5E 850i\ndriver.state: quiet\ninput.voltage: 231.0\n"
       "ups.load: 18\nups.status: {status}")
VERCEL = ("Vercel CLI 44.2.7\n> Deployments for leo/recipe-box [341ms]\n\n  Age     Deployment                          "
          "Status      Environment     Duration\n  2d      https://recipe-box-8kq2m1x7a.vercel.app  ● {state}     "
          "Production      38s\n  5d      https://recipe-box-3hf0zr2pc.vercel.app  ● Ready     Production      41s")


@pytest.mark.parametrize(("quiet", "work"), [
    ({"issues": [], "isLast": True}, {"issues": [], "isLast": True, "total_count": 3}),
    ({"lastAudit": "2026-05-20", "lastAuditResult": "clean"}, {"lastAudit": "2026-05-20", "lastAuditResult": "critical"}),
    ({"kind": "calendar#events", "defaultReminders": [{"method": "popup", "minutes": 30}], "items": []},
     {"kind": "calendar#events", "defaultReminders": [{"method": "popup", "minutes": 30}],
      "items": [{"summary": "Dentist", "start": {"dateTime": "2026-05-23T10:00:00-04:00"}}]}),
    ({"QueryResponse": {}, "time": "2026-05-20T01:30:12.408-07:00"},
     {"QueryResponse": {"Invoice": [{"Id": "1042", "Balance": 120.0}]}, "time": "2026-05-20T01:30:12.408-07:00"}),
    ([{"id": "6650a1c2", "state": "ready", "branch": "main", "error_message": None}],
     [{"id": "6650a1c2", "state": "error", "branch": "main", "error_message": "Build script returned 1"}]),
    (NUT.format(status="OL"), NUT.format(status="OB")),
    (VERCEL.format(state="Ready"), VERCEL.format(state="Error")),
])
def test_blind_v40_formats_read_quiet_and_their_twins_as_work(quiet: str | dict[str, Any] | list[Any],
                                                             work: str | dict[str, Any] | list[Any]) -> None:
    """Blind v40's quiet lookups of other ecosystems (Jira, npm audit, Google Calendar, QuickBooks, Netlify, NUT's
    `upsc`, a CLI that prints a banner before its table) and each one's work twin."""
    assert beat(quiet) is Tier.HEARTBEAT
    assert beat(work) is not Tier.HEARTBEAT


# Review 18: what the v40 loosenings (settings, fine flags and states, descriptions, metadata numbers, banners before
# a table, status lines of dotted keys) let through; one or two of each family.
REVIEW_18 = [
    {"alerts": [], "configErrors": ["nginx.conf: unknown directive 'proxy_passs'"]},  # a settings-looking key
    {"incidents": [], "outage": {"active": True}},  # a flag set under a key of trouble
    {"events": [], "siren": {"active": True}},
    {"PowerState": "Off", "Status": {"State": "Enabled", "Health": "OK"}},  # "off" said of a power, not a door
    {"alerts": [], "account": {"status": "locked"}},
    {"alerts": [], "description": "Customer asks for a callback about invoice 1182 before Friday"},
    {"open_tickets": 0, "tickets_created_since_last_check": 3},  # metadata words inside a count's key
    {"alerts": [], "total_timeouts": 12},
    {"files_added": 0, "files_removed": 0, "files_modified": 3},
    {"alerts": [], "tags": ["needs-triage", "customer-escalation"]},
    "*** System restart required ***\n3 updates can be applied immediately.\n"
    "NAME     READY   STATUS    RESTARTS   AGE\nweb-1    1/1     Running   0          3d",  # a banner that is news
    "MEMBER_HOST  MEMBER_STATE  MEMBER_ROLE  LAG_SECONDS\ndb-1  ONLINE  PRIMARY  0\ndb-2  ONLINE  SECONDARY  3600",
    "battery.charge: 12\nbattery.runtime: 180\nups.status: OL\nups.load: 23",  # every line of a status dump
    "battery.charge: 100\nups.status: OL\nups.test.result: Aborted",
    "Status: OK\nNew messages: 3",
]


@pytest.mark.parametrize("result", REVIEW_18, ids=range(len(REVIEW_18)))
def test_review_18_lookups_that_report_work_are_work(result: str | dict[str, Any]) -> None:
    assert beat(result) is not Tier.HEARTBEAT
    assert beat(result, RULES_ONLY) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("days", "quiet"), [(0, False), (5, False), (13, False), (14, True), (71, True)])
def test_days_left_before_a_certificate_lapses_are_news_when_few(days: int, quiet: bool) -> None:
    """Review 17: `{"days_remaining": 0}` read as a count of nothing; days left are news under 14 (where certificate
    and domain monitors warn), quiet from 14 on, whatever the key calls them."""
    for key in ("days_remaining", "daysUntilExpiry", "expires_in_days"):
        assert (beat({"cert": "api.acme.com", key: days, "errors": []}) is Tier.HEARTBEAT) is quiet


def test_through_the_sdk_a_quiet_lookup_goes_local_and_one_with_news_to_the_cloud(make_router: Callable[..., Router],
                                                                                   fake: Fake) -> None:
    """The same OpenClaw heartbeat, its agent's `kubectl get pods` answered all Running (the local model's) or with a
    pod in Pending (the cloud chain's), through the OpenAI SDK and larouterd's headers."""
    router = make_router(extra_toml=CHAINS.format(url=fake.url))
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    for rows, local in (("api-7d9c6b5f8-2xkqp        1/1     Running     0          6d", True),
                        ("api-7d9c6b5f8-2xkqp        0/1     Pending     0          6d", False)):
        messages: list[Any] = [
            {"role": "user", "content": OC},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "exec", "arguments": '{"command": "kubectl"}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": KUBECTL + rows}]
        raw = client.chat.completions.with_raw_response.create(model="auto", messages=messages)
        assert raw.parse().choices[0].message.content
        assert (raw.headers["x-larouter-tier"] == "HEARTBEAT") is local, raw.headers
        assert raw.headers["x-larouter-model"] == ("local-fake" if local else "gpt-fake"), raw.headers
