"""A turn that recurs in its own conversation, answered each time with the same short ack, is a heartbeat on
the first request the router sees (no learning across requests needed); work keeps its tier."""

from __future__ import annotations

from typing import Any, Callable

import openai
import pytest

from larouter.routing import Tier, classify
from larouter.routing.sameness import normalise
from tests.conftest import Fake, Router
from tests.support.agents import NO_MODEL_TOML, RULES_ONLY
from tests.support.servers import http_json

# A convention no rule knows: a Czech fleet agent's wake-up, answered "KLID" (calm); the rules cannot tell whether its
# temperature reading is news.
BEAT = "Probuzení agenta {t} · fronta: 0 · upozornění: 0 · teplota skladu: 14 °C"
CHAINS = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
          '\n[routing.policies.cost-optimized]\nHEARTBEAT = ["local-fake"]\nSIMPLE = ["gpt-fake"]\n'
          'MEDIUM = ["gpt-fake"]\nCOMPLEX = ["gpt-fake"]\nREASONING = ["gpt-fake"]\n')


def session(latest: str, answers: list[str], beat: str = BEAT) -> list[dict[str, Any]]:
    """A system prompt, earlier beats each answered as given (clock moving on), then `latest`."""
    msgs: list[dict[str, Any]] = [{"role": "system", "content": "Jsi provozní agent skladu. Buď stručný."}]
    for n, answer in enumerate(answers):
        msgs += [{"role": "user", "content": beat.format(t=f"2026-12-02 0{n}:30")},
                 {"role": "assistant", "content": answer}]
    return msgs + [{"role": "user", "content": latest}]


def tier(messages: list[dict[str, Any]]) -> Tier:
    return classify({"messages": messages}, RULES_ONLY).tier


LATEST = BEAT.format(t="2026-12-02 09:30")


@pytest.fixture
def router(make_router: Callable[..., Router], fake: Fake) -> Router:
    return make_router(extra_toml=CHAINS.format(url=fake.url) + NO_MODEL_TOML)


@pytest.mark.parametrize("stream", [False, True])
def test_recurring_turn_goes_local_on_first_sight(router: Router, stream: bool) -> None:
    """A fresh router: the request's own history shows the beat twice, answered KLID: the local model serves it."""
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    assert tier([{"role": "user", "content": LATEST}]) is not Tier.HEARTBEAT  # the rules alone do not know it
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=session(LATEST, ["KLID", "KLID"]),
                                                      stream=stream)
    chunks = raw.parse()
    if stream:
        assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert raw.headers["x-larouter-tier"] == "HEARTBEAT" and raw.headers["x-larouter-model"] == "local-fake"
    assert "the turn recurs in this conversation, answered 'KLID' each time" in raw.headers["x-larouter-reason"]
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": session(LATEST, ["KLID"] * 3)})
    assert status == 200 and out["tier"] == "HEARTBEAT" and out["candidates"][0]["model"] == "local-fake"


@pytest.mark.parametrize("answers, latest, why", [
    (["KLID"], LATEST, "seen once before: not enough"),
    (["KLID", "Sklad: přijato 40 palet, zapsáno do systému, dvě poškozené vráceny dopravci."], LATEST,
     "one earlier beat was answered at length (work)"),
    (["KLID", "OK"], LATEST, "two different answers"),
    (["KLID", "KLID"], LATEST.replace("fronta: 0", "fronta: 3"), "the queue went from 0 to 3"),
    (["KLID", "KLID"], "Probuzení agenta skončilo chybou, oprav prosím konfiguraci a pošli mi diff.", "other text"),
])
def test_work_keeps_its_tier(router: Router, answers: list[str], latest: str, why: str) -> None:
    headers = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        model="auto", messages=session(latest, answers)).headers
    assert headers["x-larouter-tier"] != "HEARTBEAT" and headers["x-larouter-model"] == "gpt-fake", why


def test_tool_calls_between_beat_and_ack_and_silent_acks() -> None:
    """The ack is the last assistant text before the next beat (after any tool calls); silence is an ack too."""
    msgs: list[dict[str, Any]] = []
    for n in range(2):
        msgs += [{"role": "user", "content": BEAT.format(t=f"0{n}:30")},
                 {"role": "assistant", "content": None, "tool_calls": [
                     {"id": f"c{n}", "type": "function", "function": {"name": "queue", "arguments": "{}"}}]},
                 {"role": "tool", "tool_call_id": f"c{n}", "content": "[]"},
                 {"role": "assistant", "content": ""}]
    assert tier([*msgs, {"role": "user", "content": BEAT.format(t="09:30")}]) is Tier.HEARTBEAT
    # A queued duplicate (no answer in between) is neither for nor against.
    dup = session(LATEST, ["KLID", "KLID"])
    dup.insert(3, {"role": "user", "content": BEAT.format(t="00:45")})
    assert tier(dup) is Tier.HEARTBEAT


def test_listed_tasks_that_fall_due_are_not_overruled() -> None:
    """A checklist's item is due now although the text only changed its clock: the tasks are classified."""
    beat = ("Periodic check-in {t}. Tasks:\n- [ ] 18:00 send the weekly invoice summary to accounting\n"
            "Reply IDLE_ACK when nothing is due.")
    msgs = session(beat.format(t="2026-12-02 18:05"), ["IDLE_ACK", "IDLE_ACK"], beat=beat)
    assert tier(msgs) is not Tier.HEARTBEAT


def test_a_go_ahead_is_a_continuation_not_a_recurrence() -> None:
    """"yes" answered "Done." twice: the third "yes" is classified by the proposal before it, not as a heartbeat."""
    msgs = [{"role": "user", "content": "Refactor the payment module into smaller services and add integration tests."}]
    for _ in range(3):
        msgs += [{"role": "assistant", "content": "Shall I proceed?"}, {"role": "user", "content": "yes"},
                 {"role": "assistant", "content": "Done."}]
    msgs = msgs[:-1]
    d = classify({"messages": msgs}, RULES_ONLY)
    assert d.tier is Tier.COMPLEX and not any("recurs" in r for r in d.reasons)


def test_an_agent_loops_steps_worked_through_with_tools_keep_their_tier() -> None:
    """"Step N: port mod_N.py ... make its unit tests pass", each step worked through with tools and answered "Done.":
    step 3 is the coding work it asks for, not a recurring check-in (it went to the local model, review T). The same
    steps answered "Done." without a tool call, and a check-in that reads its queue by a tool at one beat only, stay
    the recurrence they were."""
    step = "Step {i}: port module mod_{i}.py from Python 2 to Python 3, fix the imports, and make its unit tests pass."

    def loop(style: str) -> list[dict[str, Any]]:
        msgs: list[dict[str, Any]] = [{"role": "system", "content": "You are the migration agent. Tools: shell."}]
        for i in (1, 2, 3):
            msgs.append({"role": "user", "content": step.format(i=i)})
            if i < 3:
                msgs += CALLS[style](i)
                msgs.append({"role": "assistant", "content": "Done."})
        return msgs

    shell = {"name": "shell", "arguments": '{"cmd": "2to3 -w mod.py && pytest"}'}
    CALLS: dict[str, Callable[[int], list[dict[str, Any]]]] = {
        "none": lambda i: [],
        "tool_calls": lambda i: [{"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{i}", "type": "function", "function": shell}]},
            {"role": "tool", "tool_call_id": f"c{i}", "content": f"{12 + i} passed"}],
        # the legacy functions API, and Anthropic-shaped parts (review X: these still went to HEARTBEAT)
        "function_call": lambda i: [{"role": "assistant", "content": None, "function_call": shell},
                                    {"role": "function", "name": "shell", "content": f"{12 + i} passed"}],
        "tool_use": lambda i: [{"role": "assistant", "content": [{"type": "tool_use", "id": f"c{i}", "name": "shell",
                                                                  "input": {"cmd": "pytest"}}]},
                               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"c{i}",
                                                             "content": f"{12 + i} passed"}]}],
    }
    for style in ("tool_calls", "function_call", "tool_use"):
        assert tier(loop(style)) is Tier.COMPLEX, style
    assert tier(loop("none")) is Tier.HEARTBEAT
    once = session(LATEST, ["KLID", "KLID"])
    once[2:2] = [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "q", "type": "function", "function": {"name": "queue", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "q", "content": "[]"}]
    assert tier(once) is Tier.HEARTBEAT


def test_off_switch_and_bounds(make_router: Callable[..., Router], fake: Fake) -> None:
    """`[routing.classifier.recurrence] min_repeats = 0` turns the check off; beats further back than `lookback`
    messages do not count."""
    off = make_router(extra_toml=CHAINS.format(url=fake.url) + NO_MODEL_TOML + "\n[routing.classifier.recurrence]\nmin_repeats = 0\n")
    status, out = http_json("POST", off.url + "/api/route/explain", {"messages": session(LATEST, ["KLID", "KLID"])})
    assert status == 200 and out["tier"] != "HEARTBEAT"
    assert tier(session(LATEST, ["KLID", "KLID"])) is Tier.HEARTBEAT
    far = session(LATEST, ["KLID", "KLID"])
    far[5:5] = [{"role": "user", "content": f"question {i}"} for i in range(80)]
    assert tier(far) is not Tier.HEARTBEAT


def test_sameness_keeps_zero_counts_apart_and_blanks_the_clock() -> None:
    assert normalise("Inbox: 0 new at 14:30") == normalise("Inbox: 0 new at 15:00")
    assert normalise("Inbox: 0 new at 14:30") != normalise("Inbox: 3 new at 14:30")
    assert normalise("Réveil — lundi 13 octobre 2025 à 00h40. Tickets : 0.") == \
        normalise("Réveil — mardi 14 octobre 2025 à 01h10. Tickets : 0.")
    assert normalise("load 0.5, 0x1f, v2.0") == normalise("load 0.7, 0x2f, v3.0")
    # a zero right after a label's colon is a count too ("reportes:0" is not "reportes:3"), a time's is not
    assert normalise("!latido | reportes:0 | 21:20") != normalise("!latido | reportes:3 | 21:20")
    assert normalise("!latido | reportes:0 | 21:20") == normalise("!latido | reportes:0 | 22:00")


def _poll(counts: str, n: int) -> str:
    return f"Auto check {n:02d}:00 — {counts}. Reply DESK_QUIET if nothing to do."


@pytest.mark.parametrize(("now", "heartbeat"), [
    ("refills: 1", False),  # a count that was zero at the earlier beats rose: news
    ("refills: 0", True),
    ("refills: 0; seq: 7", True),  # a numbering field is no count of work
])
def test_a_count_that_rose_since_an_earlier_beat_is_work(now: str, heartbeat: bool) -> None:
    """The rules read the poll as a heartbeat (its ack is asked for); the conversation shows the same field at 0."""
    msgs: list[dict[str, Any]] = [{"role": "system", "content": "You are the clinic desk agent."}]
    for n in (6, 7):
        msgs += [{"role": "user", "content": _poll("refills: 0; seq: 0", n)},
                 {"role": "assistant", "content": "DESK_QUIET"}]
    latest = _poll(now, 8)
    assert tier([{"role": "user", "content": latest}]) is Tier.HEARTBEAT  # alone, the rules call it a heartbeat (with a
    # zero or none beside it, "refills: 1" is news on its own: `counted.py`; here no other field says so)
    d = classify({"messages": [*msgs, {"role": "user", "content": latest}]}, RULES_ONLY)
    assert (d.tier is Tier.HEARTBEAT) is heartbeat, d.reasons
    if not heartbeat:
        assert any("count rose" in r and "refills: 0 -> 1" in r for r in d.reasons)
