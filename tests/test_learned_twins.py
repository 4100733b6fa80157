"""Learned heartbeats and the beats that look like them (review 24): a beat the rules read as work never takes the
name of the quiet beats learned before it, and an item due once a day is learned for its day only. Through the SDK,
as `test_learned_heartbeats.py` does (a local model on the HEARTBEAT chain, a cloud model on every other tier).
"""

from __future__ import annotations

from typing import Any, Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.agents import NO_MODEL_TOML
from tests.test_learned_heartbeats import CHAINS


@pytest.fixture
def make(make_router: Callable[..., Router], fake: Fake) -> Callable[..., Router]:
    def _make(**routing: Any) -> Router:
        return make_router(extra_toml=CHAINS.format(url=fake.url) + NO_MODEL_TOML, routing=routing)
    return _make


def ask(router: Router, messages: list[dict[str, Any]]) -> Any:
    """One `auto` call through the SDK; the response headers."""
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=messages)
    assert raw.parse().choices[0].message.content.startswith(("echo:", "tool said:"))  # (the fake model's answers)
    return raw.headers


FREEZER = ("Periodic check ({now}). Freezer: {reading} °C (alert above -15 °C). Front door: closed. "
           "If all is fine, reply HEARTBEAT_OK.")


def test_a_reading_past_its_limit_is_not_the_quiet_beats_learned(make: Callable[..., Router]) -> None:
    """The quiet beats (the rules: HEARTBEAT) are answered with acks; the beat whose freezer reads -12.4 °C has the
    same words and as many digits, and the rules read it as work: it went to the local model as the learned pattern."""
    router = make(heartbeat_min_interval=0)
    for now, reading in (("09:00", "-19.2"), ("09:30", "-18.7"), ("10:00", "-19.4")):
        headers = ask(router, [{"role": "user", "content": FREEZER.format(now=now, reading=reading)}])
        assert headers["x-larouter-tier"] == "HEARTBEAT", headers
    headers = ask(router, [{"role": "user", "content": FREEZER.format(now="10:30", reading="-12.4")}])
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers


POLL = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
        "prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: {day} - {now} (Europe/Berlin)")
SYSTEM = ("You are a personal assistant running inside OpenClaw.\n# Project Context\n## HEARTBEAT.md\n# HEARTBEAT.md\n"
          "- After 08:00: remind me to take my vitamins (once a day; note it in memory/heartbeat-state.json)\n")


def test_an_item_due_once_a_day_is_learned_for_its_day(make: Callable[..., Router]) -> None:
    """The item is due all day after 08:00: done at the first beat, the beats after it are acked and learned (the
    same work in the same words). Tomorrow at 08:30 it is due again in the same words: not today's pattern."""
    router = make(heartbeat_min_interval=0)

    def beat(day: str, now: str) -> Any:
        return ask(router, [{"role": "system", "content": SYSTEM},
                            {"role": "user", "content": POLL.format(day=day, now=now)}])

    today = "Thursday, April 30th, 2026"
    for now in ("9:00 AM", "9:30 AM"):
        assert beat(today, now)["x-larouter-model"] == "gpt-fake"  # the rules: the item is due
    headers = beat(today, "10:00 AM")
    assert headers["x-larouter-tier"] == "HEARTBEAT" and "learned heartbeat" in headers["x-larouter-reason"], headers
    headers = beat("Friday, May 1st, 2026", "8:30 AM")
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers


CHECKLIST = ("# HEARTBEAT.md\n- Tell me if the latest restic snapshot is older than 26 hours.\n"
             "- After 08:00: remind me to take my vitamins (once a day; note it in memory/heartbeat-state.json)")
SNAPSHOT = "latest snapshot: 2026-04-30 02:00"  # (short: the fake model's answer quotes it, and an ack is short)


def _call(i: int, name: str, args: str) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": args}}]}


def test_a_stale_lookup_beside_an_item_due_all_day_is_not_the_fresh_beats_learned(make: Callable[..., Router]) -> None:
    """The item due all day made the rules read every beat as work on the item alone: the lookup was never read, and
    the night's failed backup leaves restic's output as it was, so the beat with the snapshot 28 hours old had the
    name of the beats learned while it was fresh. What the lookups report is now part of the work found."""
    router = make(heartbeat_min_interval=0)

    def beat(now: str) -> Any:
        return ask(router, [
            {"role": "system", "content": "You are a personal assistant running inside OpenClaw."},
            {"role": "user", "content": POLL.format(day="Thursday, April 30th, 2026", now=now)},
            _call(0, "read", '{"path": "HEARTBEAT.md"}'), {"role": "tool", "tool_call_id": "c0", "content": CHECKLIST},
            _call(1, "exec", '{"command": "restic snapshots --latest 1 --json"}'),
            {"role": "tool", "tool_call_id": "c1", "content": SNAPSHOT.replace("04-30", f"04-{day}")}])

    day = "30"
    for now in ("9:00 AM", "9:30 AM"):
        assert beat(now)["x-larouter-model"] == "gpt-fake"
    assert beat("10:00 AM")["x-larouter-tier"] == "HEARTBEAT"  # learned
    day = "29"  # (the same beat, its snapshot a day older: 32 hours)
    headers = beat("10:30 AM")
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", headers
