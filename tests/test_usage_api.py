"""The usage ledger through the HTTP API: exact billing of proxied calls, filters, series, CSV and bad input."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import aiohttp
import openai
import pytest

from larouter import appkeys
from larouter.openapi import document
from larouter.proxy.call import Call
from larouter.usage import schema
from larouter.usage.records import epoch_us
from tests.conftest import Fake
from tests.support import usage
from tests.support.servers import http_json
from tests.support.usage import HELLO, UTC, UsageRouter, fake_usage

start_router, router = usage.start_router, usage.router  # the shared fixtures


def test_stream_and_json_calls_of_the_same_tokens_cost_the_same(router: UsageRouter) -> None:
    """A streamed and a non-streamed call with identical usage are recorded with identical tokens and cost."""
    c = router.client()
    c.chat.completions.create(model="gpt-fake", messages=HELLO)
    list(c.chat.completions.create(model="gpt-fake", messages=HELLO, stream=True))
    router.settle(2)
    plain, streamed = router.rows()
    assert (plain["streamed"], streamed["streamed"]) == ("false", "true")
    prompt, completion = fake_usage(HELLO)
    for row in (plain, streamed):
        assert (int(row["input_tokens"]), int(row["output_tokens"]), row["tokens_estimated"]) == (prompt, completion, "false")
        assert Decimal(row["cost_usd"]) == (Decimal(prompt) * 2 + Decimal(completion) * 8) / 1_000_000
    summary = router.get("/api/usage")
    assert summary["totalCost"] == float(Decimal(plain["cost_usd"]) * 2)
    assert summary["byModel"]["gpt-fake"] == {"calls": 2, "cost": summary["totalCost"], "tokens": 2 * (prompt + completion)}


@pytest.mark.parametrize("model", ["gpt-fake", "fake-late-usage"])
def test_usage_chunk_is_hidden_from_the_client_but_billed_exactly(router: UsageRouter, model: str) -> None:
    """A client that did not ask for usage never sees it, and the ledger still has the exact (even late) usage."""
    chunks = list(router.client().chat.completions.create(model=model, messages=HELLO, stream=True))
    assert chunks and all(ch.usage is None and ch.choices for ch in chunks)
    router.settle(1)
    (row,) = router.rows()
    assert (int(row["input_tokens"]), int(row["output_tokens"])) == fake_usage(HELLO)
    assert row["tokens_estimated"] == "false" and row["price_known"] == "true"


async def test_abandoned_stream_is_billed_with_marked_estimates(router: UsageRouter, fake: Fake) -> None:
    """A client that leaves mid-stream is recorded as 499 with estimated tokens (the upstream reported none)."""
    body = json.dumps({"model": "fake-slow", "messages": HELLO, "stream": True}, separators=(",", ":")).encode()
    async with aiohttp.ClientSession() as s:
        resp = await s.post(router.url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
        for _ in range(4):
            await resp.content.readline()
        resp.close()
    await asyncio.to_thread(router.settle, 1)
    (row,) = router.rows()
    assert (row["status"], row["error_type"], row["tokens_estimated"]) == ("499", "client_disconnected", "true")
    plain = json.dumps({"model": "fake-slow", "messages": HELLO}, separators=(",", ":")).encode()  # (not "stream")
    assert int(row["input_tokens"]) == math.ceil(len(plain) / 4) and int(row["output_tokens"]) >= 1
    assert Decimal(row["cost_usd"]) > 0 and row["price_known"] == "true"


def test_unknown_price_is_flagged_never_zero(router: UsageRouter) -> None:
    """A model without a price has a NULL cost, counts as unpriced, and stays out of the total."""
    router.client().chat.completions.create(model="fake/brand-new-model", messages=HELLO)
    router.settle(1)
    (row,) = router.rows()
    assert (row["cost_usd"], row["price_known"], row["price_version"]) == ("", "false", "")
    summary = router.get("/api/usage")
    assert summary["unpricedCalls"] == 1 and summary["totalCost"] == 0
    assert summary["byModel"]["brand-new-model"]["cost"] is None
    assert summary["byModel"]["brand-new-model"]["unpricedCalls"] == 1
    (model,) = router.get("/api/usage/models")["data"]
    assert model["cost"] is None and model["unpricedCalls"] == 1


def test_a_price_patch_during_a_call_applies_to_every_later_call(router: UsageRouter, fake: Fake) -> None:
    """A call in flight while its model's price is PATCHed keeps the price it was sent under; every later call, and
    every budget check, has the new one (the ended call left the old price memoised for that model until the next
    change: $8/M recorded where $800/M was set, and a budget admitted calls the new price refuses; review V)."""
    import threading

    from tests.support.servers import wait_until

    def price(output: float) -> None:
        patch = {"providers": {"fake": {"prices": {"fake-slow-first": {"input": 2.0, "output": output}}}}}
        assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200

    price(8.0)
    client, done = router.client(), threading.Event()  # its answer comes a second after the provider has it
    threading.Thread(target=lambda: (client.chat.completions.create(model="fake-slow-first", messages=HELLO),
                                     done.set()), daemon=True).start()
    wait_until(lambda: bool(fake.state.requests), 10, "the slow call to reach the provider")
    price(800.0)
    assert done.wait(30), "the slow call did not end"
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "capped", "budgetUsd": 0.02})
    capped = openai.OpenAI(base_url=router.url + "/v1", api_key=proj["token"], max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:  # 100 tokens out at $800/M: $0.08 worst case, over $0.02
        capped.chat.completions.create(model="fake-slow-first", messages=HELLO, max_tokens=100)
    assert info.value.status_code == 402, info.value
    later = client.chat.completions.with_raw_response.create(model="fake-slow-first", messages=HELLO, max_tokens=3)
    router.settle(2)
    (row,) = [r for r in router.rows() if r["request_id"] == later.headers["x-request-id"]]
    expected = int(row["input_tokens"]) * 2.0 / 1e6 + int(row["output_tokens"]) * 800.0 / 1e6
    assert math.isclose(float(row["cost_usd"]), expected, rel_tol=1e-6), row


def test_a_dated_snapshot_is_priced_as_its_model_unless_it_has_its_own_price(router: UsageRouter) -> None:
    """`gpt-4o-2024-08-06` and `claude-sonnet-4-5-20250929` have no row of their own: they cost what gpt-4o and
    claude-sonnet-4-5 cost, and the row says so; `gpt-4o-2024-05-13`, dearer than gpt-4o, keeps its own price; a
    dated name of an unknown model stays unpriced."""
    prompt, completion = fake_usage(HELLO)
    cases = {"gpt-4o-2024-08-06": ((2.5, 10.0), "2026-11-01 as gpt-4o"),
             "claude-sonnet-4-5-20250929": ((3.0, 15.0), "2026-11-01 as claude-sonnet-4-5"),
             "gpt-4o-2024-05-13": ((5.0, 15.0), "2026-11-01"), "brand-new-model-20250101": (None, "")}
    for model in cases:
        router.client().chat.completions.create(model=f"fake/{model}", messages=HELLO)
    router.settle(len(cases))
    for row, (model, (rate, version)) in zip(router.rows(), cases.items()):
        assert (row["model"], row["price_version"]) == (model, version), row
        cost = "" if rate is None else Decimal(str(prompt * rate[0] + completion * rate[1])) / 1_000_000
        assert (Decimal(row["cost_usd"]) if row["cost_usd"] else "") == cost, row


def test_prices_the_ledger_cannot_store_are_refused_and_the_highest_one_bills_any_call(router: UsageRouter) -> None:
    """A price that is not finite, negative or above the documented maximum is a 400 naming it (and nothing
    changes); at the maximum, a call of the most tokens the ledger counts (2^31 - 1 in, 2^31 - 1 out) is recorded
    with its exact cost, not lost."""
    for bad in (1e308, -1, 10_000.01):  # (Infinity and NaN are no JSON: the body is refused before)
        patch = {"providers": {"fake": {"prices": {"gpt-fake": {"input": 1.0, "output": bad}}}}}
        status, out = http_json("PATCH", router.url + "/api/config", patch)
        assert status == 400 and out["error"]["param"] == "providers.fake.prices.gpt-fake.output", (bad, out)
        assert "must be a price in USD per million tokens from 0 to 10,000" in out["error"]["message"], out
    assert router.get("/api/config")["providers"]["fake"]["prices"]["gpt-fake"]["output"] == 8.0
    top = {"providers": {"fake": {"prices": {"fake-max-usage": {"input": 10_000, "output": 10_000}}}}}
    assert http_json("PATCH", router.url + "/api/config", top)[0] == 200
    reply = router.client().chat.completions.create(model="fake/fake-max-usage", messages=HELLO)
    assert reply.usage is not None and reply.usage.prompt_tokens == 2**31 - 1
    router.settle(1)
    (row,) = router.rows()
    assert (int(row["input_tokens"]), int(row["output_tokens"]), row["price_known"]) == (2**31 - 1, 2**31 - 1, "true")
    assert Decimal(row["cost_usd"]) == pytest.approx(Decimal("42949672.94"))
    assert router.get("/health")["ledger"]["failed"] == 0


def test_local_model_costs_zero_and_counts_as_savings(router: UsageRouter) -> None:
    """Local calls cost exactly 0 with a known price, and their baseline cost is all saved."""
    router.client().chat.completions.create(model="gemma-fake", messages=HELLO)
    router.settle(1)
    (row,) = router.rows()
    assert (Decimal(row["cost_usd"]), row["price_known"], row["price_version"]) == (0, "true", "local")
    prompt, completion = fake_usage(HELLO)
    baseline = (prompt * 2.5 + completion * 10.0) / 1_000_000  # gpt-4o in the shipped table
    savings = router.get("/api/usage")["savings"]
    assert savings["baselineModel"] == "gpt-4o"
    assert savings["baselineCost"] == pytest.approx(baseline) and savings["saved"] == pytest.approx(baseline)


def test_routed_calls_record_tier_and_reason(router: UsageRouter) -> None:
    """An `auto` call is recorded with the routing tier and reason, and counted under that tier."""
    router.client().chat.completions.create(model="auto", messages=HELLO)
    router.settle(1)
    (row,) = router.rows()
    assert row["requested_model"] == "auto" and row["tier"] and row["reason"]
    assert router.get("/api/usage")["byTier"][row["tier"]]["calls"] == 1


def test_named_model_calls_are_in_no_tier(router: UsageRouter) -> None:
    """byTier's keys are routing tiers: a call to a named model has none, so it counts in the totals and byModel
    only, never under a made-up tier such as "NONE"."""
    c = router.client()
    c.chat.completions.create(model="gpt-fake", messages=HELLO)
    c.chat.completions.create(model="auto", messages=HELLO)
    router.settle(2)
    tier = next(row["tier"] for row in router.rows() if row["requested_model"] == "auto")
    summary = router.get("/api/usage")
    assert summary["totalCalls"] == 2 and sum(m["calls"] for m in summary["byModel"].values()) == 2
    assert list(summary["byTier"]) == [tier] and summary["byTier"][tier]["calls"] == 1, summary["byTier"]


def record(router: UsageRouter, when: datetime, project: str = "default", model: str = "gpt-fake",
           prompt: int = 1000, completion: int = 100, requested: str | None = None) -> None:
    """Record one finished call directly through the ledger's recorder (as the proxy does)."""
    target = router.app[appkeys.REGISTRY].resolve(model)
    call = Call(requested_model=requested or model, stream=False, project=project, target=target,
                created_us=epoch_us(when), usage={"prompt_tokens": prompt, "completion_tokens": completion})
    call.mark_first_byte()
    call.finish(200)
    router.ledger.record(call)


TODAY = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)  # a Wednesday; its ISO week starts Monday 2026-03-16
AT = {"today": TODAY, "monday": datetime(2026, 3, 16, 0, 0, tzinfo=UTC), "sunday": datetime(2026, 3, 15, 23, 59, tzinfo=UTC),
      "month_start": datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC), "last_month": datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
      "last_year": datetime(2025, 3, 18, 9, 0, tzinfo=UTC)}


@pytest.fixture
def dated(router: UsageRouter) -> UsageRouter:
    """A router whose clock says TODAY, with one call at each moment of AT and one in another project."""
    router.ledger.clock = lambda: TODAY
    for when in AT.values():
        record(router, when)
    record(router, TODAY, project="proj_other", completion=7)
    router.settle(len(AT) + 1)
    return router


@pytest.mark.parametrize(("period", "calls"), [("daily", 1), ("weekly", 2), ("monthly", 4), ("all", 6)])
def test_periods_are_utc_day_iso_week_calendar_month(dated: UsageRouter, period: str, calls: int) -> None:
    """Each period counts exactly the calls inside its UTC boundaries."""
    summary = dated.get(f"/api/usage?period={period}")
    assert summary["totalCalls"] == calls and summary["succeededCalls"] == calls
    assert summary["outputTokens"] == 100 * calls
    assert len(dated.rows(f"?period={period}")) == calls


def test_project_filter(dated: UsageRouter) -> None:
    """projectId selects one project's records, in the summary and the export; a project the ledger holds calls
    of stays queryable when it is not a current one (a deleted project keeps its history); an id that is neither
    is a 404, not a project without usage (a typo read as zero spend)."""
    other = dated.get("/api/usage?projectId=proj_other&period=all")
    assert (other["totalCalls"], other["outputTokens"]) == (1, 7)
    assert [r["project"] for r in dated.rows("?projectId=proj_other&period=all")] == ["proj_other"]
    for path in ("", "/daily", "/models", "/export"):
        status, body = http_json("GET", dated.url + f"/api/usage{path}?projectId=nobody")
        assert status == 404 and body["error"]["code"] == "project_not_found", (path, body)
        assert body["error"]["param"] == "projectId" and "GET /api/projects" in body["error"]["message"]


def test_daily_series_is_zero_filled(dated: UsageRouter) -> None:
    """Every day from the start of the period to today has a point, zero where nothing was recorded."""
    series = dated.get("/api/usage/daily?period=monthly")
    days = [p["date"] for p in series["data"]]
    assert days == [f"2026-03-{d:02d}" for d in range(1, 19)]
    calls = {p["date"]: p["calls"] for p in series["data"]}
    assert (calls["2026-03-01"], calls["2026-03-15"], calls["2026-03-16"], calls["2026-03-18"]) == (1, 1, 1, 1)
    assert sum(calls.values()) == 4 and calls["2026-03-10"] == 0
    summary = dated.get("/api/usage")
    assert [p["date"] for p in summary["dailyCosts"]] == days
    assert summary["dailyCosts"][9] == {"date": "2026-03-10", "cost": 0.0}
    weekly = dated.get("/api/usage/daily?period=weekly")["data"]
    assert [p["date"] for p in weekly] == ["2026-03-16", "2026-03-17", "2026-03-18"]
    all_days = dated.get("/api/usage/daily?period=all")["data"]
    assert all_days[0]["date"] == "2025-03-18" and all_days[-1]["date"] == "2026-03-18" and len(all_days) == 366


def test_usage_totals_equal_the_sum_of_exported_rows(router: UsageRouter) -> None:
    """Totals from /api/usage match the CSV rows exactly: calls, tokens and cost (unknown prices excluded)."""
    c = router.client()
    for i, model in enumerate(["gpt-fake", "gpt-fake", "gemma-fake", "fake/unpriced", "fake-late-usage"]):
        c.chat.completions.create(model=model, messages=[{"role": "user", "content": "word " * (i + 1)}], stream=i % 2 == 1)
    router.settle(5)
    rows = router.rows()
    summary = router.get("/api/usage")
    assert summary["totalCalls"] == len(rows) == 5
    assert summary["inputTokens"] == sum(int(r["input_tokens"]) for r in rows)
    assert summary["outputTokens"] == sum(int(r["output_tokens"]) for r in rows)
    assert summary["totalCost"] == float(sum(Decimal(r["cost_usd"]) for r in rows if r["cost_usd"]))
    assert sum(m["calls"] for m in summary["byModel"].values()) == 5


def test_totals_are_the_same_before_and_after_the_rollup_fold(router: UsageRouter) -> None:
    """Rows not yet folded into the daily rollup count exactly once, before and after the fold."""
    c = router.client()
    for _ in range(3):
        c.chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(3)
    before = router.get("/api/usage")
    router.ledger.query(lambda cur: schema.fold(cur, schema.last_seq(cur)))
    assert router.get("/api/usage") == before and before["totalCalls"] == 3
    assert router.ledger.query(lambda cur: cur.execute("SELECT sum(calls) FROM usage_daily").fetchall()) == [(3,)]
    c.chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(4)
    after = router.get("/api/usage")
    assert after["totalCalls"] == 4 and after["totalCost"] == pytest.approx(before["totalCost"] * 4 / 3)


@pytest.mark.parametrize(("query", "param"), [
    ("?period=yearly", "period"), ("?period=", "period"), ("?period=daily&period=all", "period"),
    ("?projectId=../etc", "projectId"), ("?projectId=", "projectId"), ("?projectId=" + "x" * 65, "projectId"),
    ("?projectId=a%27%20OR%201=1", "projectId"),
])
@pytest.mark.parametrize("path", ["/api/usage", "/api/usage/daily", "/api/usage/models", "/api/usage/export"])
def test_bad_query_parameters_are_400_naming_them(router: UsageRouter, path: str, query: str, param: str) -> None:
    """Bad period or project id values give an OpenAI-shaped 400 whose param names the parameter."""
    status, body = http_json("GET", router.url + path + query)
    assert status == 400
    assert body["error"]["param"] == param and param in body["error"]["message"]
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(("method", "path", "unknown", "hint"), [
    ("GET", "/api/usage?projectid=foo", "projectid", "projectId"),
    ("GET", "/api/usage?period=all&project=foo", "project", None),
    ("GET", "/api/usage/daily?Period=all", "Period", "period"),
    ("GET", "/api/usage/models?sort=calls&limit=5", "limit", None),
    ("GET", "/api/usage?sort=calls", "sort", None),  # /api/usage/models' parameter, not /api/usage's
    ("GET", "/api/usage/export?projectId=default&since=2026-01-01", "since", None),
    ("GET", "/api/models/tiny/logs?line=5", "line", None),
    ("POST", "/api/route/explain?project=default", "project", None),
])
def test_unknown_query_parameters_are_400_naming_them(router: UsageRouter, method: str, path: str, unknown: str,
                                                      hint: str | None) -> None:
    """A parameter the endpoint does not take is a 400 naming it and listing those it takes, never a silent answer
    for the default project."""
    body = {"messages": HELLO} if method == "POST" else None
    status, out = http_json(method, router.url + path, body)
    assert status == 400, out
    err = out["error"]
    assert (err["param"], err["code"], err["type"]) == (unknown, "unknown_parameter", "invalid_request_error"), err
    assert f"unknown query parameter {unknown!r}" in err["message"] and "accepts" in err["message"]
    assert (f"did you mean {hint!r}" in err["message"]) == (hint is not None)


def test_every_documented_query_parameter_is_accepted(router: UsageRouter) -> None:
    """Each query parameter /openapi.json documents (period, projectId, sort, order, lines) is taken with a valid
    value: none is refused as unknown."""
    checked = 0
    for path, item in document()["paths"].items():
        for method, op in item.items():
            if method == "parameters":  # the path's own (`{id}`), not an operation
                continue
            query = {p["name"]: p["schema"].get("enum", [p["schema"].get("default", "default")])[0]
                     for p in op.get("parameters", []) if p["in"] == "query"}
            if not query:
                continue
            url = router.url + path.replace("{id}", "gemma-4-e2b") + "?" + urlencode(query)
            data = json.dumps({"messages": HELLO}).encode() if method == "post" else None
            try:
                with urlopen(Request(url, data, method=method.upper()), timeout=30) as resp:
                    status, raw = resp.status, resp.read()
            except HTTPError as exc:
                status, raw = exc.code, exc.read()
            assert status != 400 or b"unknown_parameter" not in raw, (path, query, raw)
            checked += 1
    assert checked == 6  # 4 usage, route explain, model logs


@pytest.mark.parametrize(("query", "param"), [("?sort=cost%3BDROP%20TABLE%20usage_calls", "sort"), ("?sort=", "sort"),
                                              ("?order=sideways", "order")])
def test_bad_sort_keys_are_400(router: UsageRouter, query: str, param: str) -> None:
    """Sort keys are whitelisted; anything else is a 400 naming the parameter."""
    status, body = http_json("GET", router.url + "/api/usage/models" + query)
    assert status == 400 and body["error"]["param"] == param


def test_models_breakdown_sorts_by_whitelisted_keys(dated: UsageRouter) -> None:
    """Per-model rows sort by the chosen key and order."""
    record(dated, TODAY, model="gemma-fake", prompt=10, completion=1)
    record(dated, TODAY, model="gemma-fake", prompt=10, completion=1)
    dated.settle(len(AT) + 3)
    by_calls = dated.get("/api/usage/models?period=daily&sort=calls&order=asc")["data"]
    assert [(m["model"], m["calls"]) for m in by_calls] == [("gpt-fake", 1), ("gemma-fake", 2)]
    by_cost = dated.get("/api/usage/models?period=daily")["data"]
    assert [m["model"] for m in by_cost] == ["gpt-fake", "gemma-fake"]
    assert by_cost[1]["provider"] == "local" and by_cost[1]["cost"] == 0


def test_project_token_reads_only_its_own_usage(router: UsageRouter) -> None:
    """A project's token records under that project and reads only that project's usage."""
    status, project = http_json("POST", router.url + "/api/projects", {"name": "billing-test"})
    assert status == 201
    client = openai.OpenAI(base_url=router.url + "/v1", api_key=project["token"], max_retries=0)
    client.chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(1)
    assert router.get(f"/api/usage?projectId={project['id']}")["totalCalls"] == 1
    assert router.get("/api/usage")["totalCalls"] == 0
    with urlopen(_bearer(router.url + "/api/usage", project["token"])) as resp:
        assert json.load(resp)["totalCalls"] == 1


def _bearer(url: str, token: str) -> Any:
    return Request(url, headers={"Authorization": f"Bearer {token}"})
