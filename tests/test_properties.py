"""Hypothesis property tests: the tier classifier, the SSE relay parser and the CSV export.

Bounded for CI (`max_examples` per test below, no deadline); `--hypothesis-seed` or HYPOTHESIS profiles
can run them deeper by hand.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import json
import time
from datetime import date, datetime
from typing import Any, AsyncIterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from larouter.proxy.call import MEASURE_AFTER, Call, header_safe
from larouter.proxy.sse import ClientGone, Relay
from larouter.routing import Decision, Tier, classify
from larouter.textsafe import UNSAFE_RE
from larouter.usage import schema as usage_schema
from larouter.usage.export import FORMULA_PREFIXES, HEADER, CsvExport, encode_rows, safe_cell
from larouter.usage.periods import window

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- classifier

CUES = ["HEARTBEAT", "Read HEARTBEAT.md if it exists", "HEARTBEAT_OK", "NO_REPLY", "Current time: 2026-01-01 10:00",
        "[Mon 2026-01-05 09:00 UTC]", "yes, go ahead", "prove that", "step by step", "refactor", "```python\n",
        "async command has completed", "- [ ] check email", "hi", "\n", " ", "é", "你好", "🙂", "\u202e", "\x00"]
TEXT = st.one_of(st.text(max_size=80), st.lists(st.sampled_from(CUES) | st.text(max_size=8), max_size=8).map("".join),
                 st.builds(lambda s, n: s * n, st.sampled_from(CUES), st.integers(500, 3000)))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)
PART = st.one_of(st.fixed_dictionaries({"type": st.sampled_from(["text", "input_text"]), "text": TEXT}),
                 st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.just({"url": "data:,"})}),
                 st.fixed_dictionaries({"type": st.sampled_from(["tool_result", "function_call_output"])}), JSON)
MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "tool", "developer", "function"]),
                           "content": st.one_of(TEXT, st.lists(PART, max_size=4), st.none(), JSON)},
                          optional={"tool_calls": st.just([{"id": "c", "type": "function"}]) | JSON}),
    JSON)
BODY = st.one_of(st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=8)},
                                       optional={"model": st.just("auto"), "tools": JSON, "system": JSON}),
                 st.fixed_dictionaries({"messages": JSON}), JSON)


def check_decision(decision: Decision) -> None:
    assert isinstance(decision, Decision) and decision.tier in Tier
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.reasons and all(isinstance(r, str) and r.strip() for r in decision.reasons), decision.reasons
    assert not any(map(UNSAFE_RE.search, decision.reasons)), decision.reasons  # one line, nothing disguised
    assert all(header_safe(r).isascii() for r in decision.reasons), decision.reasons


@FAST
@given(body=BODY)
def test_classify_is_total_deterministic_and_explained(body: Any) -> None:
    before = copy.deepcopy(body)
    first = classify(body)
    check_decision(first)
    assert classify(copy.deepcopy(body)) == first, "same request, different decision"
    assert body == before, "classify mutated the request"


@FAST
@given(user=TEXT, system=TEXT, tools=JSON)
def test_system_prompt_and_tools_are_not_signals(user: str, system: str, tools: Any) -> None:
    bare = classify({"messages": [{"role": "user", "content": user}]})
    dressed = classify({"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
                        "tools": tools})
    assert dressed.tier == bare.tier, (dressed, bare)


# ---------------------------------------------------------------- SSE relay


class Upstream:
    """Stands in for aiohttp's ClientResponse: `content.iter_any()` yields the given chunks."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.content = self
        self.chunks = chunks
        self.read = 0

    async def iter_any(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await asyncio.sleep(0)
            self.read += 1
            yield chunk

    def at_eof(self) -> bool:
        return self.read == len(self.chunks)


class Client:
    """Stands in for the client's StreamResponse: collects what is written."""

    def __init__(self) -> None:
        self.out = b""

    async def write(self, data: bytes) -> None:
        self.out += data

    async def write_eof(self, data: bytes = b"") -> None:
        await self.write(data)


def relay(chunks: list[bytes], strip_usage: bool = False, prime: bool = False) -> tuple[bytes, Call]:
    """Run a Relay over upstream chunks; return what the client got and the call record."""
    call = Call(requested_model="m", stream=True)
    rel = Relay(call, Client(), strip_usage=strip_usage)  # type: ignore[arg-type]

    async def go() -> None:
        up = Upstream(chunks)
        if prime:
            await rel.prime(up)  # type: ignore[arg-type]
        await rel.run(up)  # type: ignore[arg-type]

    asyncio.run(go())
    return rel.client.out, call  # type: ignore[attr-defined]


def chunk_event(i: int, text: str) -> bytes:
    data = {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}}],
            "usage": None}
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + (b"\nid: %d" % i if i % 3 == 0 else b"")


USAGE = st.fixed_dictionaries({"prompt_tokens": st.integers(0, 10**6), "completion_tokens": st.integers(0, 10**6)})
EVENTS = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=12).map(
    lambda texts: [chunk_event(i, t) for i, t in enumerate(texts)])


def usage_event(usage: dict[str, int]) -> bytes:
    return b"data: " + json.dumps({"id": "c", "choices": [], "usage": usage}).encode()


def stream_of(events: list[bytes], eol: bytes = b"\n") -> bytes:
    return b"".join(e.replace(b"\n", eol) + eol + eol for e in [*events, b"data: [DONE]"])


@st.composite
def cut(draw: st.DrawFn, data: bytes, split_crlf: bool = True) -> list[bytes]:
    """`data` split at arbitrary points (empty chunks included); optionally never inside a CR LF pair."""
    points = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    if not split_crlf:
        points = [p for p in points if data[p - 1:p + 1] != b"\r\n"]
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


@FAST
@given(events=EVENTS, usage=USAGE, data=st.data())
def test_any_chunking_relays_the_same_events(events: list[bytes], usage: dict[str, int], data: st.DataObject) -> None:
    events = [*events, usage_event(usage)]
    raw = stream_of(events)
    out, call = relay(data.draw(cut(raw)))
    assert out == raw, "the client must get exactly the upstream events"
    assert call.usage == usage
    assert call.chunks == len(events)  # every event carrying "choices" (the usage chunk's is empty)
    primed, _ = relay(data.draw(cut(raw)), prime=True)
    assert primed == raw, "priming (failover) must not change what the client gets"


@FAST
@given(events=EVENTS, usage=USAGE, data=st.data())
def test_usage_chunk_is_captured_and_hidden_when_not_asked_for(events: list[bytes], usage: dict[str, int],
                                                                 data: st.DataObject) -> None:
    raw = stream_of([*events, usage_event(usage)])
    out, call = relay(data.draw(cut(raw)), strip_usage=True)
    assert call.usage == usage
    assert out == stream_of(events)


@FAST
@given(events=EVENTS, data=st.data())
def test_crlf_streams_are_normalised(events: list[bytes], data: st.DataObject) -> None:
    crlf = stream_of(events, eol=b"\r\n")
    out, call = relay(data.draw(cut(crlf, split_crlf=False)))
    assert out == stream_of(events)
    assert call.chunks == len(events)


@FAST
@given(texts=st.lists(st.text(max_size=12), min_size=1, max_size=12), ascii_only=st.booleans(), data=st.data())
def test_a_streams_text_is_measured_whatever_its_escapes_and_reads(texts: list[str], ascii_only: bool,
                                                                  data: st.DataObject) -> None:
    """The estimate's measure of a stream (`answer_size`) is its text's UTF-8 bytes, however the provider escaped it
    (`\\u00e9` or é, `\\"`, `\\n`) and however its events were split across reads, relayed or primed."""
    keys = ["content", "reasoning_content", "refusal"]
    events = [b"data: " + json.dumps({"choices": [{"index": 0, "delta": {keys[i % 3]: text}}]},
                                     ensure_ascii=ascii_only).encode() for i, text in enumerate(texts)]
    raw = stream_of(events)
    for prime in (False, True):
        _, call = relay(data.draw(cut(raw)), prime=prime)
        assert call.answer_size() == sum(len(text.encode()) for text in texts)


def test_a_long_streams_text_is_measured_as_it_goes() -> None:
    """A stream of 300 KB: the events waiting to be measured stay under MEASURE_AFTER, and the measure is exact."""
    raw = stream_of([chunk_event(1, "é" * 50)] * 2000)
    _, call = relay([raw[i:i + 4096] for i in range(0, len(raw), 4096)])
    assert call.unmeasured_size <= MEASURE_AFTER and call.answer_size() == 2000 * 100


EVENT = b'data: {"choices": [{"delta": {"content": "hi"}}]}'


@pytest.mark.parametrize("chunks", [[EVENT + b"\r\n\r", b"\ndata: [DONE]\r\n\r\n"],
                                    [EVENT + b"\r", b"\n\r\ndata: [DONE]\r\n\r\n"]])
def test_crlf_split_across_chunks(chunks: list[bytes]) -> None:
    """Regression (found by property testing): a CR LF split across two chunks is normalised."""
    out, _ = relay(chunks)
    assert out == EVENT + b"\n\ndata: [DONE]\n\n"


def test_a_delta_that_says_choices_is_one_chunk() -> None:
    """Regression (found by property testing): a delta whose text is the word "choices" is one chunk, not two (the
    fast path counted the quoted word, key or text)."""
    event = b'data: {"choices": [{"delta": {"content": "choices"}}]}'
    _, call = relay([event + b"\n\n" + EVENT + b"\n\n", b"data: [DONE]\n\n"])  # (a read without [DONE]: fast path)
    assert call.chunks == 2


KINDS = [chunk_event(1, "text"), b'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0}]}}]}',
         b'data: {"choices": [{"index": 0, "delta": {"reasoning_content": "hm"}}]}',
         b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}',
         b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}', usage_event({"prompt_tokens": 1}),
         b'data: {"error": {"message": "boom"}}', b'error: {"message": "boom"}', b"data: {not json", b"event: ping",
         b": keep-alive",
         b'event: delta\ndata: {"choices": []}', b"data: [DONE]"]


def outcome(chunks: list[bytes], prime: bool, hold: bool = False) -> tuple[Any, ...]:
    """What a relay (primed first, as under `auto`, or not; with a reasoning hold already over, or none) does with
    these reads: whether priming found an answer, what the client got, how it ended, and what the call recorded."""
    call = Call(requested_model="m", stream=True)
    rel = Relay(call, Client(), strip_usage=True)  # type: ignore[arg-type]

    async def go() -> Any:
        up = Upstream(chunks)
        try:
            if prime and not await rel.prime(up, float("-inf") if hold else None):  # type: ignore[arg-type]
                return "degraded"
            await rel.run(up)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 (the kind of ending is the outcome)
            return type(exc).__name__
        return "ok"

    ended = asyncio.run(go())
    return (ended, rel.client.out, call.chunks, call.tool_calls, call.usage,  # type: ignore[attr-defined]
            rel.reasoning_only)


@FAST
@given(events=st.lists(st.sampled_from(KINDS), max_size=8), prime=st.booleans(), hold=st.booleans(), data=st.data())
def test_the_outcome_does_not_depend_on_how_events_are_split_across_reads(events: list[bytes], prime: bool,
                                                                          hold: bool, data: st.DataObject) -> None:
    """Tool calls, errors, finish reasons, malformed and nameless events, reasoning committed to once a hold is over:
    any split gives what one read gives (a tool call and an error event in one read was retried, and apart
    relayed)."""
    apart = [event + b"\n\n" for event in events]
    whole = outcome([b"".join(apart)], prime, hold)
    assert outcome(apart, prime, hold) == whole, "one event per read"
    assert outcome(data.draw(cut(b"".join(apart))), prime, hold) == whole, "any split"


@pytest.mark.parametrize("prime", [False, True])
def test_a_large_event_in_small_reads_is_relayed_in_linear_time(prime: bool) -> None:
    """Regression: every read was appended to the buffer and the whole buffer searched again, so an 8 MiB event
    arriving in 4 KiB reads took quadratic time (8 s, the event loop blocked all along); now a few milliseconds."""
    raw = b'data: {"choices": [{"delta": {"content": "' + b"A" * (8 << 20) + b'"}}]}\n\ndata: [DONE]\n\n'
    started = time.perf_counter()
    out, _ = relay([raw[i:i + 4096] for i in range(0, len(raw), 4096)], prime=prime)
    assert out == raw and time.perf_counter() - started < 3.0


@FAST
@given(events=EVENTS, data=st.data())
def test_stream_without_done_is_an_error(events: list[bytes], data: st.DataObject) -> None:
    raw = stream_of(events)[: -len(b"data: [DONE]\n\n")]
    with pytest.raises(Exception, match="without \\[DONE\\]"):
        relay(data.draw(cut(raw)))


def test_relay_reports_a_client_that_went_away() -> None:
    class Gone(Client):
        async def write(self, data: bytes) -> None:
            raise ConnectionResetError()

        async def write_eof(self, data: bytes = b"") -> None:
            raise ConnectionResetError()

    rel = Relay(Call(requested_model="m", stream=True), Gone(), strip_usage=False)  # type: ignore[arg-type]
    with pytest.raises(ClientGone):
        asyncio.run(rel.run(Upstream([stream_of([chunk_event(1, "x")])])))  # type: ignore[arg-type]


# ---------------------------------------------------------------- CSV export

CELL = st.one_of(st.none(), st.text(max_size=30),
                 st.tuples(st.sampled_from([*FORMULA_PREFIXES, ",", '"', "\n", "\r\n", " "]),
                           st.text(max_size=10)).map("".join))


def parse(blob: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(blob.decode("utf-8"), newline="")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=CELL)
def test_safe_cell_escapes_exactly_the_formula_starts(value: str | None) -> None:
    out = safe_cell(value)
    if value is None:
        assert out == ""
    elif value[:1] in FORMULA_PREFIXES and value:
        assert out == "'" + value
    else:
        assert out == value
    assert not out.startswith(FORMULA_PREFIXES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=6))
def test_csv_round_trips_through_the_csv_module(rows: list[list[str | None]]) -> None:
    blob = encode_rows(rows)
    assert blob.endswith(b"\r\n")
    assert parse(blob) == [[safe_cell(v) for v in row] for row in rows]
    assert not any(cell.startswith(FORMULA_PREFIXES) for row in parse(blob) for cell in row)


VARCHAR = st.text(alphabet=st.characters(codec="utf-8"), max_size=25) | st.sampled_from(["=1+1", "@SUM(A1)", "-2", "+x"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(VARCHAR, VARCHAR, st.none() | VARCHAR, st.none() | VARCHAR, st.none() | VARCHAR),
                     min_size=0, max_size=7),
       chunk_rows=st.integers(1, 4))
def test_export_from_duckdb_round_trips(rows: list[tuple[str, ...]], chunk_rows: int) -> None:
    con = duckdb.connect()
    usage_schema.migrate(con)
    for seq, (requested, model, reason, error, request_id) in enumerate(rows, 1):
        con.execute("INSERT INTO usage_calls VALUES (?, ?, 'p,\"1\"', ?, ?, NULL, NULL, ?, false, 200, 1, 2, 0, "
                    "false, NULL, NULL, false, 1.5, NULL, ?, NULL, NULL, ?, NULL)",
                    [seq, datetime(2026, 4, 1, 12, 0, seq), requested, model, reason, error, request_id])
    export = CsvExport(con.cursor(), 'p,"1"', window("all", date(2026, 4, 2)), chunk_rows=chunk_rows)
    blob = b"".join(iter(export.next_chunk, b""))
    export.close()
    table = parse(blob)
    assert table[0] == list(HEADER)
    at = {name: HEADER.index(name) for name in ("project", "requested_model", "model", "reason", "error_type",
                                                "request_id")}
    assert [[r[at[k]] for k in at] for r in table[1:]] == [
        [safe_cell(v) for v in ('p,"1"', *row)] for row in rows]


@pytest.mark.parametrize("split", [False, True])
def test_an_answer_after_a_broken_event_does_not_answer_a_held_stream(split: bool) -> None:
    """Regression (found by property testing): a stream committed to on its reasoning, then a malformed event, then
    content: the client gets the reasoning and the stream breaks at the malformed event, so the content never reached
    it and the stream is `reasoning_only`; read in one piece, the content after the break had counted as an answer."""
    events = [b'data: {"choices": [{"index": 0, "delta": {"reasoning_content": "hm"}}]}', b"data: {not json",
              chunk_event(1, "text")]
    apart = [event + b"\n\n" for event in events]
    ended, *_, reasoning_only = outcome(apart if split else [b"".join(apart)], prime=True, hold=True)
    assert (ended, reasoning_only) == ("BadStream", True)
