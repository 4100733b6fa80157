"""Learned heartbeats: a turn the rules do not know, repeated periodically and answered with a short ack,
is routed as HEARTBEAT from then on; a long answer or different text keeps its tier."""

from __future__ import annotations

import json
from typing import Any, Callable

import openai
import pytest

from larouter.config import ConfigError, load_settings
from larouter.routing import Tier, classify
from larouter.routing.repeats import RepeatTracker, signature
from larouter.routing.triggers import MAX_RESULTS
from tests.conftest import Fake, Router
from tests.support.agents import NO_MODEL_TOML, RULES_ONLY
from tests.support.fake_openai import VERBOSE
from tests.support.servers import http_json

# A check-in in a convention the rules were never given (a runner's "sync" with an emoji ack).
TICK = "Ops sync #{n} at 2026-11-25T1{n}:00Z: the usual round over the racks. Send ✅ if you have nothing to add."
SYSTEM = "You are the ops bot of ACME. Tools: shell, http. Be terse."
CHAINS = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
          '\n[routing.policies.cost-optimized]\nHEARTBEAT = ["local-fake"]\nSIMPLE = ["gpt-fake"]\n'
          'MEDIUM = ["gpt-fake"]\nCOMPLEX = ["gpt-fake"]\nREASONING = ["gpt-fake"]\n')


@pytest.fixture
def make(make_router: Callable[..., Router], fake: Fake) -> Callable[..., Router]:
    """A router with a local model on the HEARTBEAT chain and a cloud model on every other tier."""

    def _make(**routing: Any) -> Router:
        return make_router(extra_toml=CHAINS.format(url=fake.url) + NO_MODEL_TOML, routing=routing)

    return _make


def turn(text: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]


def ask(router: Router, text: str, stream: bool = False) -> Any:
    """One `auto` call through the SDK; the response headers."""
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=turn(text), stream=stream)
    if stream:
        assert "".join(ch.choices[0].delta.content or "" for ch in raw.parse() if ch.choices).startswith("echo:")
    else:
        assert raw.parse().choices[0].message.content.startswith("echo:")
    return raw.headers


@pytest.mark.parametrize("stream", [False, True])
def test_periodic_turn_with_short_answers_becomes_heartbeat(make: Callable[..., Router], stream: bool) -> None:
    """Two answered sightings with short answers: the third goes to the HEARTBEAT chain, with the reason."""
    router = make(heartbeat_min_interval=0)
    for n in (1, 2):
        headers = ask(router, TICK.format(n=n), stream)
        assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake"
    headers = ask(router, TICK.format(n=3), stream)
    assert headers["x-larouter-tier"] == "HEARTBEAT" and headers["x-larouter-model"] == "local-fake"
    assert "learned heartbeat: the same turn came 2 times" in headers["x-larouter-reason"]
    status, health = http_json("GET", router.url + "/health")
    assert status == 200 and health["routing"]["learnedHeartbeats"] == 1
    # Other text from the same project keeps its own tier.
    assert ask(router, "queue has 3 failed jobs, retry them and tell me which ones failed again")["x-larouter-model"] == "gpt-fake"



# A scheduler that prints a calendar timestamp: a new weekday (and month) every day must not look like new text.
DAILY = "Ops sync\nCurrent time: {day}, {month} {date}, 2026 — 0{n}:30 (UTC)\nQueue empty, nothing new. Send ✅ if you have nothing to add."
DAYS = [("Monday", "November", "30th"), ("Tuesday", "December", "1st"), ("Wednesday", "December", "2nd")]


def test_a_timestamp_with_weekday_and_month_names_keeps_the_signature(make: Callable[..., Router]) -> None:
    """Learned across days: the third day's beat (new weekday, month and date) is a learned heartbeat."""
    texts = [DAILY.format(day=d, month=m, date=dt, n=n) for n, (d, m, dt) in enumerate(DAYS)]
    assert len({signature({"messages": turn(t)}, "p") for t in texts}) == 1 and classify_tier(texts[0]) != "HEARTBEAT"
    # Calendar words outside a line with a number, and the rest of the text, still count.
    assert signature({"messages": turn("You may reply on Monday")}, "p") != signature({"messages": turn("You can reply on Friday")}, "p")
    assert signature({"messages": turn(texts[0] + "\nNew: 1 ticket")}, "p") != signature({"messages": turn(texts[0])}, "p")
    router = make(heartbeat_min_interval=0)
    for text in texts[:2]:
        assert ask(router, text)["x-larouter-model"] == "gpt-fake"
    headers = ask(router, texts[2])
    assert headers["x-larouter-tier"] == "HEARTBEAT" and headers["x-larouter-model"] == "local-fake"

def test_repeats_closer_than_the_interval_are_one_check_in(make: Callable[..., Router]) -> None:
    """Retries and a chatty user are not a schedule: with the default 60 s interval nothing is learned."""
    router = make()
    for n in range(4):
        assert ask(router, TICK.format(n=n))["x-larouter-model"] == "gpt-fake"


def test_a_long_answer_breaks_the_pattern(make: Callable[..., Router]) -> None:
    """Work was due (the answer was long): the count starts again."""
    router = make(heartbeat_min_interval=0)
    verbose = TICK + " " + VERBOSE
    ask(router, verbose.format(n=1))
    ask(router, verbose.format(n=2))
    assert ask(router, verbose.format(n=3))["x-larouter-tier"] != "HEARTBEAT"


def test_off_switch(make: Callable[..., Router]) -> None:
    """`routing.learn_heartbeats = false` learns nothing."""
    off = make(heartbeat_min_interval=0, learn_heartbeats=False)
    for n in range(3):
        assert ask(off, TICK.format(n=n))["x-larouter-tier"] != "HEARTBEAT"


def test_explain_shows_learned_heartbeats_without_counting(make: Callable[..., Router]) -> None:
    router = make(heartbeat_min_interval=0)
    for _ in range(5):  # explain alone never teaches the tracker
        status, out = http_json("POST", router.url + "/api/route/explain", {"messages": turn(TICK.format(n=1))})
        assert status == 200 and out["tier"] != "HEARTBEAT"
    ask(router, TICK.format(n=1))
    ask(router, TICK.format(n=2))
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": turn(TICK.format(n=3))})
    assert out["tier"] == "HEARTBEAT" and any(r.startswith("learned heartbeat") for r in out["reasons"])
    assert out["candidates"][0]["model"] == "local-fake"


def classify_tier(text: str) -> str:
    return classify({"messages": turn(text)}, RULES_ONLY).tier.value


def test_signature_ignores_timestamps_and_counters_but_not_content() -> None:
    a = signature({"messages": turn(TICK.format(n=1))}, "p")
    assert a == signature({"messages": turn(TICK.format(n=7))}, "p")
    assert a != signature({"messages": turn(TICK.format(n=1))}, "other-project")
    assert a != signature({"messages": turn(TICK.format(n=1) + " New: 1 ticket from Ana")}, "p")
    assert classify_tier(TICK.format(n=1)) != "HEARTBEAT"  # the rules alone do not know this convention
    assert signature({"messages": [{"role": "system", "content": "x"}]}, "p") is None
    # A count of zero is not any count: the first beat with work after a learned pattern is not that pattern.
    idle, busy = (f"Inbox sweep 0{n}:30 -> unread: {k}. Send ✅ if nothing to add." for n, k in ((1, 0), (2, 3)))
    assert signature({"messages": turn(idle)}, "p") != signature({"messages": turn(busy)}, "p")
    assert signature({"messages": turn(idle)}, "p") == signature({"messages": turn(idle.replace("01:30", "02:00"))}, "p")


def test_tracker_counts_the_final_answer_of_a_tool_using_check_in_and_is_bounded() -> None:
    now = [0.0]
    tracker = RepeatTracker(max_entries=3, clock=lambda: now[0])
    for _ in range(2):
        now[0] += 1800
        tracker.arrived("k", 60)
        tracker.answered("k", 40, ok=True, tool_call=True)  # read HEARTBEAT.md first
        now[0] += 2
        tracker.arrived("k", 60)  # the tool-result turn of the same check-in
        tracker.answered("k", 3, ok=True)
    assert tracker.is_heartbeat("k") == 2
    now[0] += 1800
    assert tracker.learned == 1
    tracker.arrived("k", 60)
    tracker.answered("k", 0, ok=False)  # a failed answer resets the evidence
    assert tracker.is_heartbeat("k") == 0 and tracker.learned == 0
    for key in "abcd":
        tracker.arrived(key, 60)
    assert len(tracker) == 3


def test_bad_interval_is_a_config_error(tmp_path: Any) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[routing]\nheartbeat_min_interval = -5\n")
    with pytest.raises(ConfigError, match="routing.heartbeat_min_interval"):
        load_settings(cfg, env={})


# A check-in the rules know, whose inlined checklist item falls due as the clock moves: the text stays the same
# (its times are blanked in the signature), so the learned pattern must not hide the work the rules found.
DUE_LATER = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. If nothing needs attention, reply "
             "HEARTBEAT_OK.\n\nHEARTBEAT.md:\n- [ ] 17:00 send Priya the summary of today's client emails\n"
             "Current time: Tuesday, July 14th, 2026 — {now} (Asia/Kolkata)")


def test_a_learned_check_in_whose_item_falls_due_is_work(make: Callable[..., Router]) -> None:
    """Two quiet beats answered with an ack teach the pattern; the beat at 17:05, the same text but for its time, has
    the 17:00 item due: the rules say work, and the learned pattern does not overrule them (it did: local model)."""
    router = make(heartbeat_min_interval=0)
    for now in ("16:00", "16:30"):
        headers = ask(router, DUE_LATER.format(now=now))
        assert headers["x-larouter-tier"] == "HEARTBEAT", headers
    headers = ask(router, DUE_LATER.format(now="17:05"))
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers


def test_a_learned_tool_poll_whose_lookup_lists_work_is_work(make: Callable[..., Router]) -> None:
    """An agent that reads its HEARTBEAT.md through a tool: two quiet beats teach the pattern (the same user turn
    each time); a beat whose read lists an item due now is work all the same."""
    router = make(heartbeat_min_interval=0)
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    poll = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. If nothing needs attention, reply "
            "HEARTBEAT_OK.\nCurrent time: Tuesday, July 14th, 2026 — {now} (Asia/Kolkata)")

    def beat(now: str, checklist: str) -> Any:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": poll.format(now=now)},
                    {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                        "name": "read", "arguments": '{"path": "HEARTBEAT.md"}'}}]},
                    {"role": "tool", "tool_call_id": "c1", "content": checklist}]
        return c.chat.completions.with_raw_response.create(model="auto", messages=messages).headers

    quiet = "# HEARTBEAT.md\n- [ ] 18:00 send Priya the summary of today's client emails\n"
    for now in ("16:00", "16:30"):
        assert beat(now, quiet)["x-larouter-tier"] == "HEARTBEAT"
    headers = beat("18:05", quiet)
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers


def cron_beat(router: Router, trigger: str, tool: str, result: str) -> Any:
    """One `auto` call of a cron wake-up that called `tool` once and got `result`; the response headers."""
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": trigger},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": tool, "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": result}]
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    return c.chat.completions.with_raw_response.create(model="auto", messages=messages).headers


def test_a_learned_tool_poll_in_an_unknown_convention_whose_lookup_finds_mail_is_work(make: Callable[..., Router]) -> None:
    """A cron wake-up the rules do not know ("wake: inbox-check") whose lookup comes back empty twice is learned; the
    beat whose lookup returns new mail (records under "results") is work, not the learned pattern (it went to the
    local model: v18)."""
    router = make(heartbeat_min_interval=0)

    def beat(hour: int, result: str) -> Any:
        return cron_beat(router, f"[cron 0 */2 * * * @ {hour}:00] wake: inbox-check", "search_inbox", result)

    empty = '{"total": 0, "results": []}'
    for hour in (10, 12):
        beat(hour, empty)
    assert beat(14, empty)["x-larouter-model"] == "local-fake"  # learned
    mail = ('{"total": 1, "results": [{"from": "reception@example.com", "subject": "Locum cancelled Thursday PM", '
            '"snippet": "14 patients booked. Can you take some or shall we rebook?"}]}')
    headers = beat(16, mail)
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers


def test_a_learned_tool_poll_whose_lookup_says_something_else_is_not_that_pattern(make: Callable[..., Router]) -> None:
    """Blind v37/v38: a cron wake-up learned while its lookup said "success" matched the beat whose lookup said
    "failed" (the user turn was the same). The lookups' text, read as the turn is (numbers blanked), is part of the
    learned signature now."""
    router = make(heartbeat_min_interval=0)

    def beat(hour: int, result: str) -> Any:
        return cron_beat(router, f"[cron 0 */2 * * * @ {hour}:00] wake: cert-check", "journal", result)

    for hour in (10, 12):
        beat(hour, f"certbot.service: run at {hour}:00 finished, renewal not due")
    assert beat(14, "certbot.service: run at 14:00 finished, renewal not due")["x-larouter-model"] == "local-fake"
    headers = beat(16, "certbot.service: run at 16:00 aborted, challenge rejected by the ACME server")
    assert headers["x-larouter-model"] == "gpt-fake", headers


def _tiers(router: Router, conversations: list[list[dict[str, Any]]]) -> list[str]:
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    return [c.chat.completions.with_raw_response.create(model="auto", messages=m).headers["x-larouter-tier"]
            for m in conversations]


def test_new_work_in_a_check_in_whose_work_was_learned_is_not_that_pattern(make: Callable[..., Router]) -> None:
    """Review 12: a check-in answered briefly while its item was due learns that work as a pattern; a new task due
    in the inlined HEARTBEAT.md, or a lookup's new record that differs from the learned one only in its numbers
    (an order id and amount, a job and exit code, a ticket and priority), is other work: it keeps its tier."""
    router = make(heartbeat_min_interval=0)
    poll = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks "
            "from prior chats. If nothing needs attention, reply HEARTBEAT_OK.")

    def inlined(items: str, now: str) -> list[dict[str, Any]]:
        return [{"role": "system", "content": f"You are Orbit.\n\n# Project Context\n\n## HEARTBEAT.md\n\n{items}\n"},
                {"role": "user", "content": f"Current time: 2026-12-06 {now} UTC\n{poll}"}]

    due = "- 17:00 send Priya the summary\n"
    tiers = _tiers(router, [inlined(due, t) for t in ("17:05", "17:06", "17:07")])
    assert tiers[:2] != ["HEARTBEAT", "HEARTBEAT"] and tiers[2] == "HEARTBEAT", tiers  # the same work, learned
    bank = due + "- 17:10 call the bank to stop the wire transfer\n"
    assert _tiers(router, [inlined(bank, "17:12")]) != ["HEARTBEAT"]

    def looked(result: Any) -> list[dict[str, Any]]:
        return [{"role": "user", "content": "Inbox patrol: check the mail with the tool. If nothing needs attention, "
                                            "reply PATROL_IDLE."},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "lookup", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": json.dumps(result)}]

    for old, new in (([{"order_id": 1001, "amount_usd": 25, "status": "new"}],
                      [{"order_id": 1002, "amount_usd": 9999, "status": "new"}]),
                     ({"failed_jobs": [{"job": "backup-7", "exit": 1}]}, {"failed_jobs": [{"job": "backup-9", "exit": 137}]}),
                     ({"tickets": [{"id": "T-100", "prio": "P3"}]}, {"tickets": [{"id": "T-200", "prio": "P1"}]})):
        router = make(heartbeat_min_interval=0)  # (a fresh tracker for each)
        tiers = _tiers(router, [looked(old), looked(old), looked(old), looked(new)])
        assert tiers[2] == "HEARTBEAT" and tiers[3] != "HEARTBEAT", (old, new, tiers)


def test_a_reasoning_request_repeated_and_answered_briefly_is_never_learned(make: Callable[..., Router]) -> None:
    """A proof asked again and again (a benchmark's loop, a retry) and answered in a few tokens keeps its tier: no
    learned pattern overrules reasoning (review 12: it became HEARTBEAT on the third sighting)."""
    router = make(heartbeat_min_interval=0)
    proof = "Prove that there are infinitely many primes of the form 4k+3."
    assert [ask(router, proof)["x-larouter-tier"] for _ in range(4)] == ["REASONING"] * 4


REPORT = ("[cron {stamp}] host=db-replica-2 cores=8\ndisk / 41%  /var/lib/postgresql {pg}%  /var/log 22%\n"
          "load 0.42 0.51 0.48 | mem used 61%\nsystemctl --failed: 0 loaded units listed")


def test_a_learned_report_whose_share_climbs_past_80_percent_is_not_that_pattern(make: Callable[..., Router]) -> None:
    """Blind v37: a nightly report the rules misread was learned at "postgresql 67%"; the night the disk reached 96%
    had the same signature (digits blanked) and went to the local model. A share of 80% or more keeps its own
    signature; lower shares still drift freely (68% is the learned pattern)."""
    router = make(heartbeat_min_interval=0)
    for stamp, pg in (("2026-05-06T03:15", 67), ("2026-05-07T03:15", 67)):
        ask(router, REPORT.format(stamp=stamp, pg=pg))
    assert ask(router, REPORT.format(stamp="2026-05-08T03:15", pg=68))["x-larouter-tier"] == "HEARTBEAT"
    headers = ask(router, REPORT.format(stamp="2026-05-09T03:15", pg=96))
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers


def test_a_count_keeps_its_size_and_a_full_house_its_fullness_on_a_short_line() -> None:
    """Review 14: the first short lines with a number were read as time stamps, every number on them one mark: a
    learned report at "failed units: 1" matched "failed units: 14", "12/12 hosts" matched "3/12". Only a date's or a
    time's numbers are one mark now ("March 9th" and "March 10th", "9:05" and "10:05" alike)."""
    report = "Nightly report [cron 2026-05-0{d}]\n{line}\nSend a thumbs up if nothing to add."

    def sig(line: str, d: int = 6) -> str | None:
        return signature({"messages": turn(report.format(d=d, line=line))}, "p")

    assert sig("failed units: 1") != sig("failed units: 14", 7)
    assert sig("backups ok: 12/12 hosts") != sig("backups ok: 3/12 hosts", 7)
    assert sig("backups ok: 12/12 hosts") == sig("backups ok: 11/11 hosts", 7)
    assert sig("failed units: 1") == sig("failed units: 2", 7)  # (the same size: a count that moves, learned alike)


def test_a_share_keeps_its_band_in_the_signature() -> None:
    """Review 15: "battery 64%" learned, "battery 12%" matched it (the same number of digits); a share keeps its band
    now (under 1, 1-9, 10-19, 20-79, 80 and over), so 64% and 58% are alike and 12% is not."""
    report = "Nightly report [cron 2026-05-0{d}]\nbattery front-door lock {v}%  garage sensor 71%\nThumbs up if nothing."

    def sig(v: int, d: int) -> str | None:
        return signature({"messages": turn(report.format(d=d, v=v))}, "p")

    assert sig(64, 6) == sig(58, 7) != sig(12, 8)
    assert sig(3, 8) != sig(12, 8) != sig(96, 8)


def test_a_long_tool_loop_has_no_signature() -> None:
    """A check-in makes a few lookups; a turn followed by more than the classifier reads (6) is a tool loop, work,
    never learned (reading every result of a 60-step loop cost ~16 ms a request)."""
    def loop(steps: int) -> dict[str, Any]:
        messages: list[dict[str, Any]] = turn("fix the failing test in parser.py")
        for i in range(steps):
            messages += [{"role": "assistant", "content": None, "tool_calls": [{"id": f"c{i}", "type": "function",
                                                                               "function": {"name": "exec", "arguments": "{}"}}]},
                         {"role": "tool", "tool_call_id": f"c{i}", "content": f"step {i} output"}]
        return {"messages": messages}

    assert signature(loop(MAX_RESULTS), "p") is not None and signature(loop(MAX_RESULTS + 1), "p") is None


def test_a_lookups_readings_that_look_like_times_keep_the_work_apart() -> None:
    """Blind v44: a check-in the rules read as work every beat ("load average: 13.84, 11.02, 11.61" beside "if the
    15-minute load is higher than 12") was learned; its twin at "14.10, 13.22, 12.37" had the same key (the readings
    blanked as "HH.MM" times) and would have gone to the local model. A date or a time in the work is still blanked."""

    from larouter.routing.repeats import pattern_key
    from tests.test_stated_limits import beat_messages

    checklist = "- `uptime`: only the 15-minute load average matters: if it's higher than 12, tell me."

    def key(load: str, clock: str = "14:02:11") -> str | None:
        body = {"messages": beat_messages(checklist, f"{clock} up 23 days,  5:48,  1 user,  load average: {load}")}
        return pattern_key(body, "p", classify(body))

    assert key("13.84, 11.02, 11.61") != key("14.10, 13.22, 12.37")
    assert key("13.84, 11.02, 11.61") == key("13.84, 11.02, 11.61", "14:32:09")


def test_a_check_in_read_as_work_is_learned_only_with_the_same_readings() -> None:
    """Blind v39 over a day: a daily TLS check the rules read as work every time was learned; its twin whose API
    certificate expires in 3 days (the same text, digits blanked) then went to the local model. The lookups of a
    check-in the rules read as work keep their numbers in its key (its time stamps still blanked)."""

    from larouter.routing.repeats import pattern_key

    def key(api: str, run: str = "2026-03-24T07:00:04Z") -> str | None:
        body = {"messages": [
            {"role": "user", "content": f"job: tls-expiry (daily 07:00 UTC)\nrun at: {run}\nhosts: shop, api\n"
                                        "threshold: alert if any certificate expires in fewer than 14 days"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "exec", "arguments": '{"command": "check"}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "subject=CN = shop.example.com\nnotAfter=May 28 "
             f"23:59:59 2026 GMT\nsubject=CN = api.example.com\nnotAfter={api} 08:14:51 2026 GMT"}]}
        decision = classify(body)
        assert decision.tier.rank >= Tier.MEDIUM.rank  # (read as work: the case the learned key keeps apart)
        return pattern_key(body, "p", decision)

    assert key("Jun  2") != key("Mar 27")
    assert key("Jun  2") == key("Jun  2", "2026-03-25T07:00:03Z")
