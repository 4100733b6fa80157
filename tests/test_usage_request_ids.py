"""Every ledger row carries its call's request id (`x-request-id`) and its provider's (`x-upstream-request-id`), and
the CSV export shows them as its last two columns, so a row can be found from a client's or a provider's log; rows
recorded before the ledger kept them (an older ledger, an older journal) have them empty."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import openai
import pytest

from larouter.config import load_settings
from larouter.proxy.call import Call
from larouter.usage import journal, schema
from larouter.usage.ledger import build_pricer
from larouter.usage.records import COLUMNS, MAX_TEXT, epoch_us, to_row
from tests.support import usage
from tests.support.servers import http_json, http_raw
from tests.support.usage import HELLO, UTC, UsageRouter, fake_usage

start_router, router = usage.start_router, usage.router  # the shared fixtures

CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")  # a COMPLEX turn
POLICY = '\n[routing.policies.cost-optimized]\nCOMPLEX = ["{first}", "{second}"]\n'
DEAD = '\n[providers.dead]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-dead-0123456789"\nmodels = ["dead-1"]\n'
# The export's columns before this change, in their order: scripts read them by place.
EARLIER = ("time,project,requested_model,model,provider,tier,reason,streamed,status,input_tokens,output_tokens,"
           "cached_tokens,tokens_estimated,cost_usd,baseline_cost_usd,price_known,latency_ms,ttft_ms,error_type,"
           "price_version,baseline_model")


def client(router: UsageRouter, request_id: str | None) -> openai.OpenAI:
    """An SDK client, sending this X-Request-ID (if any) on every request."""
    headers = {} if request_id is None else {"X-Request-ID": request_id}
    return openai.OpenAI(base_url=router.url + "/v1", api_key="x", max_retries=0, default_headers=headers)


@pytest.mark.parametrize("stream", [False, True])
def test_the_clients_request_id_and_the_providers_are_the_last_columns(router: UsageRouter, stream: bool) -> None:
    """A call with `X-Request-ID: abc-123` is exported with that id and the id the fake provider gave its answer,
    after every column the export had before, in their order."""
    raw = client(router, "abc-123").chat.completions.with_raw_response.create(model="gpt-fake", messages=HELLO,
                                                                               stream=stream)
    if stream:
        list(raw.parse())
    router.settle(1)
    assert router.export().split("\r\n")[0] == EARLIER + ",request_id,upstream_request_id"
    (row,) = router.rows()
    assert (row["request_id"], row["upstream_request_id"]) == ("abc-123", "req_fake_1"), row
    assert raw.headers["x-upstream-request-id"] == "req_fake_1"


def test_a_call_without_an_id_is_exported_with_the_one_it_was_given(router: UsageRouter) -> None:
    """No X-Request-ID: the row holds the generated id its answer's `x-request-id` header carried."""
    raw = client(router, None).chat.completions.with_raw_response.create(model="gpt-fake", messages=HELLO)
    given = raw.headers["x-request-id"]
    router.settle(1)
    (row,) = router.rows()
    assert re.fullmatch("[0-9a-f]{16}", given) and row["request_id"] == given, (given, row)
    assert row["upstream_request_id"] == raw.headers["x-upstream-request-id"] == "req_fake_1"


def test_a_call_no_provider_answered_has_its_id_formula_escaped_and_no_providers(router: UsageRouter) -> None:
    """A 404 (unknown model) is recorded with the client's id and no provider's; an id a spreadsheet would take for
    a formula is exported as text."""
    status, _ = http_raw("POST", router.url + "/v1/chat/completions", {"model": "no-such-model", "messages": HELLO},
                         headers={"X-Request-ID": "=HYPERLINK(1)"})
    assert status == 404
    router.settle(1)
    (row,) = router.rows()
    assert (row["status"], row["request_id"], row["upstream_request_id"]) == ("404", "'=HYPERLINK(1)", ""), row


@pytest.mark.parametrize("stream", [False, True])
def test_an_abandoned_attempt_carries_the_calls_id_and_its_own_providers(start_router: Callable[..., UsageRouter],
                                                                        stream: bool) -> None:
    """`auto`: the first candidate answers an empty 200 (billed: its own row), the next answers. Both rows carry the
    id the client sent (and each candidate was sent), each with the id its provider gave."""
    router = start_router(POLICY.format(first="fake-empty", second="gpt-fake"))
    raw = client(router, "trace-9").chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": CODING}], stream=stream)
    if stream:
        list(raw.parse())
    router.settle(2)
    rows = [(r["model"], r["status"], r["request_id"], r["upstream_request_id"]) for r in router.rows()]
    assert rows == [("fake-empty", "502", "trace-9", "req_fake_1"), ("gpt-fake", "200", "trace-9", "req_fake_2")]
    assert raw.headers["x-upstream-request-id"] == "req_fake_2"


@pytest.mark.parametrize("stream", [False, True])
def test_a_providers_error_is_recorded_with_its_id(router: UsageRouter, stream: bool) -> None:
    """A provider's 429 carries its own id (`x-upstream-request-id`) to the client, and the row names it too."""
    with pytest.raises(openai.RateLimitError) as info:
        client(router, "abc-429").chat.completions.create(model="fake-429-retry", messages=HELLO, stream=stream)
    assert info.value.response.headers["x-upstream-request-id"] == "req_fake_1"
    router.settle(1)
    (row,) = router.rows()
    assert (row["status"], row["request_id"], row["upstream_request_id"]) == ("429", "abc-429", "req_fake_1"), row


def test_a_candidate_no_provider_answered_has_no_providers_id(start_router: Callable[..., UsageRouter]) -> None:
    """`auto`: the first candidate answers an empty 200 (its own row, with its provider's id), the next cannot be
    reached: the call fails with that one's error, which no provider gave an id; neither the call's row nor its
    headers name the first candidate's."""
    router = start_router(DEAD)
    chain = {"COMPLEX": ["fake-empty", "dead-1"]}
    policy = {"routing": {"default_model": "dead-1", "policies": {"cost-optimized": chain}}}
    assert http_json("PATCH", router.url + "/api/config", policy)[0] == 200  # (the default model is the last resort)
    with pytest.raises(openai.APIStatusError) as info:
        client(router, "trace-10").chat.completions.create(model="auto", messages=[{"role": "user", "content": CODING}])
    headers = info.value.response.headers
    assert headers["x-larouter-model"] == "dead-1" and "x-upstream-request-id" not in headers, dict(headers)
    router.settle(2)
    rows = [(r["model"], r["error_type"], r["request_id"], r["upstream_request_id"]) for r in router.rows()]
    assert rows == [("fake-empty", "degraded", "trace-10", "req_fake_1"),
                    ("dead-1", "upstream_unreachable", "trace-10", "")], rows


def test_an_old_ledger_upgrades_and_its_rows_export_with_empty_ids(start_router: Callable[..., UsageRouter],
                                                                  home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ledger made by the migrations before the request ids, holding a row: the next start adds the columns in
    place; that row is exported with both cells empty, and a new call beside it with its ids."""
    before = tuple(m for m in schema.MIGRATIONS if m[0] != "m005_request_ids")
    assert len(before) == len(schema.MIGRATIONS) - 1
    with monkeypatch.context() as patch, duckdb.connect(str(home / "usage.duckdb")) as con:
        patch.setattr(schema, "MIGRATIONS", before)
        schema.migrate(con)
        con.execute("INSERT INTO usage_calls VALUES (1, ?, 'default', 'gpt-fake', 'gpt-fake', 'fake', NULL, NULL, "
                    "false, 200, 11, 5, 0, false, 0.000054, 0.0000675, true, 12.5, 3.0, NULL, 'config', 'gpt-4o')",
                    [datetime.now(UTC).replace(tzinfo=None)])
    router = start_router()
    client(router, "abc-123").chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(1)
    old, new = router.rows("?period=all")
    assert (old["input_tokens"], old["baseline_model"], old["request_id"], old["upstream_request_id"]) == (
        "11", "gpt-4o", "", ""), old
    assert (new["request_id"], new["upstream_request_id"]) == ("abc-123", "req_fake_1"), new
    applied = router.ledger.query(schema.applied)
    assert applied[-1] == "m005_request_ids" and len(applied) == len(schema.MIGRATIONS)


def test_journal_rows_of_an_older_version_replay_with_empty_ids(start_router: Callable[..., UsageRouter],
                                                               home: Path) -> None:
    """Rows an older version journaled and did not commit (a hard kill), in both earlier shapes (with the baseline
    model but no request ids; without either), are committed at the next start and exported with empty ids."""
    ts = epoch_us(datetime.now(UTC))
    earlier = (1, ts, "default", "gpt-fake", "gpt-fake", "fake", None, None, False, 200, 11, 5, 0, False, 0.000054,
               0.0000675, True, 12.5, 3.0, None, "config", "gpt-4o")
    oldest = (2, *earlier[1:-1])  # before rows recorded their baseline model
    log, _ = journal.Journal.open(home / journal.FILENAME)
    try:
        log.append([earlier, oldest])
    finally:
        log.close()
    router = start_router()
    assert router.ledger.writer.stats.recovered == 2
    client(router, "abc-123").chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(1)
    rows = [(r["input_tokens"], r["baseline_model"], r["request_id"], r["upstream_request_id"])
            for r in router.rows("?period=all")]
    prompt = str(fake_usage(HELLO)[0])
    assert rows == [("11", "gpt-4o", "", ""), ("11", "", "", ""), (prompt, "gpt-4o", "abc-123", "req_fake_1")], rows


def test_a_request_id_is_kept_as_printable_ascii_and_capped() -> None:
    """Whatever id reaches the ledger, a provider's above all, is kept as printable ASCII of at most MAX_TEXT
    characters (anything else dropped); an id with nothing left is none."""
    call = Call(requested_model="gpt-4o", stream=False, id="ok id/1", usage={"prompt_tokens": 1})
    call.upstream_id = "req\x00\u00e9\n-" + "x" * (2 * MAX_TEXT)
    call.finish(200)
    pricer = build_pricer(load_settings(None, {"LAROUTER_HOME": "/nonexistent"}))
    row = dict(zip(COLUMNS, to_row(call, pricer)))
    assert row["request_id"] == "ok id/1" and row["upstream_request_id"] == "req-" + "x" * (MAX_TEXT - 4)
    call.upstream_id = "\u00e9\r\n"
    assert dict(zip(COLUMNS, to_row(call, pricer)))["upstream_request_id"] is None
