"""An agent polling through its tools: a check-in trigger (stamped, or saying what to reply when idle) whose lookups
all came back empty is a heartbeat; a lookup that found records, new items, alerts or a failure is work, whatever the
trigger or the recurrence says."""

from __future__ import annotations

import pytest

from larouter.routing import DEFAULT, ClassifierConfig, Tier, classify
from tests.support.agents import BOTH_CONFIGS


def _after_lookup(trigger: str, result: str, config: ClassifierConfig = DEFAULT) -> Tier:
    """A session whose last user turn `trigger` made the agent call a lookup tool that returned `result`."""

    messages = [
        {"role": "system", "content": "Booking assistant. On each timed check call check_bookings; if it finds "
                                      "nothing new, answer NIENTE."},
        {"role": "user", "content": trigger},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "check_bookings", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": result},
    ]
    return classify({"model": "auto", "messages": messages}, config).tier


@pytest.mark.parametrize(("trigger", "result"), [
    ("controllo delle 19:30", '{"nuove": [], "disdette": [], "richieste_speciali": []}'),
    ("ajastatud kontroll 10:00", '{"uued_arved": [], "meeldetuletused": {"count": 0}}'),
    ("status 1545Z", "[]"),
    ("Heartbeat 2025-09-08T16:00:00+02:00", '{"messages": [], "count": 0, "checked_at": "2025-09-08T16:00:02+02:00"}'),
    ("check-in 08:00", "no results"),
    ("Kontrollimpuls · Di 03.03.2026 · 09:20", '{"termine": [], "nachrichten": 0}'),  # separators are no words
    ("⏰ sweep — Mon 06:00 — inbox", "[]"),
    ("தானியங்கி சோதனை (06:00): ஆர்டர்களைச் சரிபார். ஒன்றும் இல்லையெனில் HEARTBEAT_OK என்று பதிலளி.",
     '{"orders": [], "count": 0}'),  # the rules do not read this language: the named token and the empty lookup do
    ("ራስ-ሰር ፍተሻ 07:00፦ ትዕዛዞችን ፈትሽ። ምንም ከሌለ HEARTBEAT_OK ብለህ መልስ።",
     '{"status": "success", "data": {"alerts": []}, "new_orders": 0}'),
    # blind v39: a page's size and offset are the lookup's paging, not its answer
    ("Overnight poll 2026-03-12 03:40 CET.", '{"incidents":[],"limit":25,"offset":0,"total":null,"more":false}'),
])
def test_a_timed_trigger_whose_lookups_found_nothing_is_a_heartbeat(trigger: str, result: str) -> None:
    """A bare stamped turn that sent the agent to its lookup tools, every one of which came back empty."""
    assert _after_lookup(trigger, result) is Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize(("trigger", "result"), [
    ("Ukaguzi wa oda: angalia oda mpya. Kama hakuna kitu, jibu 'SAWA' tu.", '{"oda": [], "jumla": 0}'),
    ("Kontrola zamówień: sprawdź nowe zamówienia. Jeśli nic nie ma, odpowiedz tylko „SPOKÓJ”.", "[]"),
    ("Vérifie la boîte de réception partagée. Si rien de neuf, réponds seulement 🟢", '{"messages": []}'),
])
def test_an_unstamped_trigger_that_says_how_to_reply_when_idle(trigger: str, result: str,
                                                                config: ClassifierConfig) -> None:
    """No time stamp, but an "if nothing, reply only X" in any language the quiet-report vocabulary knows: with
    every lookup empty, X is the answer. The same trigger whose lookup found something is work."""
    assert _after_lookup(trigger, result, config) is Tier.HEARTBEAT
    assert _after_lookup(trigger, '{"items": [{"id": 7, "from": "Ana"}]}', config) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("trigger", "result"), [
    ("Check the shared inbox and draft replies to anything from Ana.", "[]"),  # no idle reply asked: a request
    ("controllo delle 19:30", '{"nuove": [{"nome": "Rossi", "persone": 4}], "disdette": []}'),  # a booking came
    ("remind me at 10:00", "{}"),  # a request, not a trigger
    ("any bookings after 19:30?", "[]"),  # a question: the empty answer must be told
    ("Deploy the release at 10:00", '{"ok": true}'),
    ("Write a migration plan for the 02:00 maintenance window", "[]"),  # long: work
    ("At 10:00 the deploy failed and the bot replied NO_REPLY to a customer; find out why", "[]"),
    ("Fix the handler that answers NO_REPLY at 10:00 even when orders are waiting", "[]"),
    ("Automatic check 15:30: new orders. If none, reply HEARTBEAT_OK.", '{"status": "ok", "orders": [{"id": 7}]}'),
    # "2時間" is two hours, no clock time: an unspaced request with a duration is no stamped trigger
    ("来週の月曜に2時間の作業枠を取りたい。空いている時間を調べて、候補を出して。", '{"events": []}'),
])
def test_a_request_or_a_lookup_that_found_something_is_not(trigger: str, result: str) -> None:
    """A lookup that found something, or a turn that asks or requests, is not the idle trigger."""
    assert _after_lookup(trigger, result) is not Tier.HEARTBEAT


def test_a_poll_whose_lookup_found_items_is_work() -> None:
    """A scheduled check whose tool lookup returned new mail (a positive count, a non-empty list) is classified on
    what it found; the same lookup returning nothing stays a heartbeat."""

    def after(result: str) -> Tier:
        return _after_lookup("Scheduled check 11:00: fetch new mail.", result)

    assert after('{"new_messages": 2, "messages": [{"from": "ana@example.com", "subject": "Invoice 418"}]}') \
        is not Tier.HEARTBEAT
    assert after('{"incidents": [{"id": "INC-7", "severity": "SEV2", "title": "p99 latency 4 s"}]}') is not Tier.HEARTBEAT
    assert after('{"new_messages": 0, "messages": []}') is Tier.HEARTBEAT
    assert after('{"services": [{"name": "api", "status": "ok"}], "checked": 14}') is Tier.HEARTBEAT


@pytest.mark.parametrize(("result", "expected_heartbeat"), [
    ('[{"from": "ana@example.com", "subject": "Contract draft", "snippet": "Can you sign by Friday?"}]', False),
    ('{"pipeline": 7, "status": "failed", "failed_job": "test:unit"}', False),
    ('[{"host": "web-01", "status": "ok"}, {"host": "db-01", "status": "ok"}]', True),
    # CI runs that each say how they ended (blind v35): every state field must say all is well
    ('[{"id": 991, "workflow": "ci", "status": "completed", "conclusion": "success"}, '
     '{"id": 990, "workflow": "nightly", "status": "completed", "conclusion": "success"}]', True),
    ('[{"id": 991, "workflow": "ci", "status": "completed", "conclusion": "failure"}, '
     '{"id": 990, "workflow": "nightly", "status": "completed", "conclusion": "success"}]', False),
    ('[{"host": "web-01", "status": "ok", "health": "degraded"}]', False),
    # records under a key of the answer, whatever the key (Home Assistant's "states", a search's "results")
    ('{"states": [{"entity_id": "binary_sensor.window_kids_room", "state": "on"}], "fetched_at": '
     '"2026-03-04T16:30:02+01:00"}', False),
    ('{"total": 1, "results": [{"from": "ana@example.com", "subject": "Contract draft"}]}', False),
    ('{"services": [{"name": "api", "status": "ok"}, {"name": "db", "status": "healthy"}]}', True),
])
def test_a_lookup_answering_with_records_or_a_failure_is_work(result: str, expected_heartbeat: bool) -> None:
    """A lookup whose whole answer is a list of records (mail, bookings, signals) or a failed status found work;
    hosts or runs that each report "ok" in every field of their state found nothing (one field fine was enough
    before: a run "completed" with the conclusion "failure" would have been fine)."""
    assert (_after_lookup("Scheduled check 17:30", result) is Tier.HEARTBEAT) is expected_heartbeat


def test_a_recurring_trigger_whose_lookup_found_alerts_is_work() -> None:
    """A trigger that recurs answered "QUIET" each time is a learned heartbeat, until its lookup comes back with
    firing alerts: then it is work, classified on what the lookup found (not SIMPLE, not HEARTBEAT)."""

    def beat(n: int, result: str, answer: str | None) -> list[dict]:
        turn = [{"role": "user", "content": f"monitor sweep #{n}"},
                {"role": "assistant", "content": None, "tool_calls": [
                    {"id": f"c{n}", "type": "function", "function": {"name": "alerts", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": f"c{n}", "content": result}]
        return turn + ([{"role": "assistant", "content": answer}] if answer else [])

    quiet = '{"firing": [], "pending": 0}'
    firing = '{"firing": [{"alert": "CheckoutHigh5xx", "severity": "critical", "value": "7.4%"}]}'
    messages = [{"role": "system", "content": "SRE agent. On each sweep call alerts; if nothing fires, answer QUIET."},
                *beat(9101, quiet, "QUIET"), *beat(9102, quiet, "QUIET"), *beat(9103, quiet, "QUIET")]
    assert classify({"model": "auto", "messages": [*messages, *beat(9104, quiet, None)]}).tier is Tier.HEARTBEAT
    tier_now = classify({"model": "auto", "messages": [*messages, *beat(9104, firing, None)]}).tier
    assert tier_now not in (Tier.HEARTBEAT, Tier.SIMPLE)


PODS = ("NAME                     READY   STATUS             RESTARTS   AGE\n"
        "api-7d9c5b6f4-2xkqp      1/1     Running            0          3d\n"
        "worker-5f8b7c9d6-hq4rl   {ready}     {status}   {restarts}          51m\n")


@pytest.mark.parametrize(("status", "work"), [("CrashLoopBackOff", True), ("Error           ", True),
                                              ("Running         ", False)])
def test_a_command_output_with_a_line_in_trouble_is_work(status: str, work: bool) -> None:
    """An ack trigger ("reply ALL_CLEAR if there is nothing to act on") whose lookup is a command's text output: a
    pod in CrashLoopBackOff or Error is work (CamelCase names read word by word), all Running is the idle reply."""
    trigger = "== watch 2025-08-04T02:30:00Z == run the pod check. Reply ALL_CLEAR if there is nothing to act on."
    result = PODS.format(ready="0/1" if work else "1/1", status=status, restarts=14 if work else 0)
    assert (_after_lookup(trigger, result) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("checklist", "due"), [
    ("<!-- Keep this file empty to skip heartbeat work.\n     Format: - [ ] <when>: <what> -->\n\n", False),
    ("# HEARTBEAT.md\n\n## Today\n<!-- nothing recurring for now -->\n", False),
    ("# HEARTBEAT.md\n- [ ] 09:00: remind Sam to send the invoice\n", True),
])
def test_a_checklist_read_with_only_comments_and_headings_holds_nothing(checklist: str, due: bool) -> None:
    """A HEARTBEAT.md with only comments, blank lines and headings is empty (OpenClaw skips such a beat): after a
    check-in that names an idle reply the rules do not know, reading it found nothing. The format line inside the
    comment is no task."""
    messages = [
        {"role": "system", "content": "You are Tessera, a home assistant."},
        {"role": "user", "content": "[tessera check-in 2026-03-02T16:00:00-05:00] Read .tessera/HEARTBEAT.md and act "
                                    "on anything due; otherwise reply [[idle]]."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read", "arguments": '{"path": ".tessera/HEARTBEAT.md"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": checklist},
    ]
    assert (classify({"model": "auto", "messages": messages}).tier is not Tier.HEARTBEAT) is due


@pytest.mark.parametrize(("last_posted", "due"), [("2026-03-02 08:00", False), ("", True)])
def test_a_checklist_read_with_nothing_due_confirms_a_check_in_only_the_model_knows(last_posted: str,
                                                                                     due: bool) -> None:
    """A bare "♥ heartbeat (scheduler) — <stamp>" that the learned model recognises, then a read of a HEARTBEAT.md
    whose items are for later or done today ("last posted <today> 08:00"): nothing to do. Its items' words
    ("error-budget") are their tasks', not trouble."""
    posted = f" (last posted {last_posted})" if last_posted else ""
    checklist = ("# ops/HEARTBEAT.md\n\nDue items (act only when due):\n"
                 "- 2026-03-05 09:00 UTC — confirm the autoscaler change merged\n"
                 f"- Daily 08:00 UTC — post the overnight error-budget summary{posted}\n\nFiring alerts: none\n")
    messages = [
        {"role": "system", "content": "You are the on-call assistant."},
        {"role": "user", "content": "♥ heartbeat (scheduler) — 2026-03-02 16:40 UTC"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read", "arguments": '{"path": "ops/HEARTBEAT.md"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": checklist},
    ]
    assert (classify({"model": "auto", "messages": messages}).tier is not Tier.HEARTBEAT) is due


@pytest.mark.parametrize(("stamp", "due"), [("2026-03-02T08:00:00-05:00", False), ("2026-03-02T16:00:00-05:00", True),
                                            ("2026-03-02T08:00:00+10:00", False)])
def test_a_check_ins_time_with_seconds_is_its_time_not_its_offset(stamp: str, due: bool) -> None:
    """"2026-03-02T16:00:00-05:00" checks in at 16:00 (the 09:00 item is due); at 08:00 it is for later. The offset's
    "05:00" or "10:00" is no time of day."""
    messages = [
        {"role": "user", "content": f"[tessera check-in {stamp}] Read .tessera/HEARTBEAT.md and act on anything due; "
                                    "otherwise reply HEARTBEAT_OK."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read", "arguments": '{"path": ".tessera/HEARTBEAT.md"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "# HEARTBEAT.md\n- [ ] 09:00: remind Sam to send the invoice\n"},
    ]
    assert (classify({"model": "auto", "messages": messages}).tier is not Tier.HEARTBEAT) is due


def test_a_lookup_that_opens_with_records_before_other_text_found_them() -> None:
    """A tool result that is JSON records followed by text (a notification, then the issue's body) found items; it
    was read as text with no trouble word in it, and the check-in as quiet (blind v36)."""
    result = ('[{"repo": "arjun-k/tidepool", "reason": "mention", "title": "next_high() returns an event from the past"}]'
              "\n\n--- issue #58 body ---\n@arjun-k after upgrading to 0.4.1 the app shows wrong times; can you look?")
    assert _after_lookup("Scheduled check 09:00", result) is not Tier.HEARTBEAT
    assert _after_lookup("Scheduled check 09:00", '[]\n\n(no notifications)') is Tier.HEARTBEAT


DISK = ("== web-1\n/dev/sda1   40G   17G   21G  45% /\n== worker-1\n/dev/sdb1  100G   {used}G  7.0G  {used}% /var\n")


@pytest.mark.parametrize(("used", "quiet"), [("61", True), ("93", False)])
def test_a_share_past_the_one_the_checklist_warns_at_is_work(used: str, quiet: bool) -> None:
    """The checklist says "Warn at 85%" and the command's output reads a disk at 93%: work (it was a heartbeat,
    blind v36); at 61% the beat is quiet."""
    messages = [
        {"role": "user", "content": "Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. If "
                                    "nothing needs attention, reply HEARTBEAT_OK."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read", "arguments": '{"path": "HEARTBEAT.md"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "# Heartbeat\n- Check disk on web-1 and worker-1 (`df -h`). "
                                                           "Warn at 85%.\n- Otherwise HEARTBEAT_OK.\n"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c2", "type": "function", "function": {"name": "shell", "arguments": '{"cmd": "df -h"}'}}]},
        {"role": "tool", "tool_call_id": "c2", "content": DISK.format(used=used)},
    ]
    assert (classify({"model": "auto", "messages": messages}).tier is Tier.HEARTBEAT) is quiet


STATION = ('{{"station": "HELL-01", "ts": "2026-05-06T10:40Z", "wind": 8.4, "gust": {gust}, "temp_c": 4.1, "rh": 79, '
           '"battery_v": {volts}, "limits": {{"wind": {{"warn": 13, "stop": 15}}, "gust": {{"warn": 18, "stop": 20}}, '
           '"temp_c": {{"warn": -8, "stop": -12}}, "battery_v": {{"warn": 11.8, "stop": 11.5}}}}}}')
QUOTES = ('{{"ts": "2026-05-06T15:20:02Z", "quotes": [{{"symbol": "BTC-USD", "last": {btc}, "chg_24h_pct": -2.41, '
          '"band": [52000, 88000]}}, {{"symbol": "GBPUSD", "last": 1.2927, "band": [1.22, 1.36]}}]}}')


@pytest.mark.parametrize(("trigger", "quiet", "work"), [
    ("Periodic check of station HELL-01, 10:45. If all is within limits, reply only ALL_CLEAR.",
     STATION.format(gust=11.9, volts=12.7), STATION.format(gust=23.4, volts=12.7)),
    ("Periodic check of station HELL-01, 10:45. If all is within limits, reply only ALL_CLEAR.",
     STATION.format(gust=11.9, volts=12.7), STATION.format(gust=11.9, volts=11.4)),  # bounded from below
    ("price-poll seq=5512 at=2026-05-06T16:20:00+01:00", QUOTES.format(btc=70912.5), QUOTES.format(btc=50100.0)),
])
def test_readings_within_the_limits_their_record_carries_are_nothing(trigger: str, quiet: str, work: str) -> None:
    """Blind v37: a station's readings beside their warn/stop limits, quotes beside their bands; each limited reading
    inside its limits is a quiet lookup (the record's name and unlimited readings say nothing), one past them is work
    (a stop below its warn bounds from below: a battery's volts)."""
    assert _after_lookup(trigger, quiet) is Tier.HEARTBEAT
    assert _after_lookup(trigger, work) is not Tier.HEARTBEAT


def test_a_trigger_is_counted_in_words_not_stamps_and_an_echoed_query_is_no_finding() -> None:
    """Blind v37: "SWEEP 2026-05-06 13:40 EDT (sweep #31 today)" is three words around a stamp, a zone and a counter;
    its lookup echoing the mailbox it read ({"mailbox": "INBOX", ...}) found nothing; with a message it is work."""
    trigger = "SWEEP 2026-05-06 13:40 EDT (sweep #31 today)"
    assert _after_lookup(trigger, '{"mailbox": "INBOX", "unread": 0, "messages": []}') is Tier.HEARTBEAT
    found = ('{"mailbox": "INBOX", "unread": 1, "messages": [{"from": "Dana Ruiz", "subject": "Client detained at '
             'the border, need the invitation letter today"}]}')
    assert _after_lookup(trigger, found).rank >= Tier.MEDIUM.rank


@pytest.mark.parametrize("result", [
    '{"hosts": [{"host": "web-01", "status": "ok", "note": "cert expires in 2 days"}, {"host": "web-02", "status": "ok"}]}',
    '{"results": [{"id": 4411, "status": "resolved", "customer_reply": "still broken, I want a refund"}]}',
    '[{"symbol": "ACME", "last": 70.5, "band": [52, 88], "halted": true}]',
    '{"window": "open", "checked_at": "2026-05-06T14:00:00Z"}',
    # review 15: short values that say something is wrong
    '{"hosts": [{"host": "web-01", "status": "ok", "note": "disk nearly full"}]}',
    '{"host": "nas", "status": "ok", "raid": "degraded"}',
    '{"host": "nas", "status": "ok", "last_backup": "missed"}',
])
def test_a_record_that_reports_itself_fine_but_says_more_is_a_finding(result: str) -> None:
    """Review 14: a record whose status (or band) is fine was read as an empty lookup whatever its other fields said
    (a note, a customer's reply, a flag set); and any string under "window" was taken for the query's echo."""
    assert _after_lookup("controllo delle 19:30", result) is not Tier.HEARTBEAT


OPENCLAW = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks "
            "from prior chats. If nothing needs attention, reply HEARTBEAT_OK.")


@pytest.mark.parametrize("result", [
    "ID        FROM                 SUBJECT                          DATE\n18f3a2c   dana@acme.com        Need signed "
    "NDA by 12:00         2026-05-06 08:12",
    "#412  Fix payment webhook retries   feature/webhook-retry   OPEN   review requested from you",
    "[08:02] Sarah: are you picking up the kids today? need to know by 3",
    '{"mailbox": "INBOX", "unanswered": 3, "oldest_hours": 26}',
    '{"sensor": "basement", "water_leak": true, "battery": 88}',
])
def test_a_heartbeats_lookup_that_lists_work_in_text_or_flags_it_is_work(result: str) -> None:
    """Review 14: a heartbeat's lookup was read for items only in JSON under a few keys: mail, a pull request or a
    chat line in a command's output, "unanswered": 3, "water_leak": true left it a heartbeat."""
    assert _after_lookup(OPENCLAW, result) is not Tier.HEARTBEAT
    assert _after_lookup(OPENCLAW, '{"sensor": "basement", "water_leak": false, "battery": 88}') is Tier.HEARTBEAT
