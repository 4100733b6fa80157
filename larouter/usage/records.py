"""One finished `Call` as one ledger row: exact tokens where the upstream reported them, marked estimates otherwise."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

from larouter.errors import SERVER_SHUTDOWN
from larouter.proxy.call import MAX_REASON, Call, shorten_reason
from larouter.usage.pricing import Pricer, Tokens

# Column order of `usage_calls` after its leading `seq` (the writer numbers rows), and of every row tuple. A row
# carries `ts` as microseconds since the epoch (UTC), an int: it becomes a TIMESTAMP when committed (loader.py).
COLUMNS: tuple[str, ...] = (
    "ts", "project", "requested_model", "model", "provider", "tier", "reason", "streamed", "status",
    "input_tokens", "output_tokens", "cached_tokens", "tokens_estimated", "cost", "baseline_cost",
    "price_known", "latency_ms", "ttft_ms", "error_type", "price_version", "baseline_model", "request_id",
    "upstream_request_id",
)
Row = tuple[Any, ...]
COST, PROJECT, TS = COLUMNS.index("cost"), COLUMNS.index("project"), COLUMNS.index("ts")
REQUEST_ID = COLUMNS.index("request_id")

BYTES_PER_TOKEN = 4  # rough estimate (of the request, and of the answer's text) when the upstream reports no usage
MAX_TOKENS = (1 << 31) - 1  # counts are clamped here (the ledger stages them as INTEGER; no call comes near)
MAX_TEXT = 256
DISCONNECTED = 499


def _count(value: Any) -> int:
    """A token count from untrusted JSON: a non-negative int, clamped."""
    if type(value) is int and 0 <= value <= MAX_TOKENS:  # the usual case, checked first (hot path)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return 0
    return MAX_TOKENS if value > MAX_TOKENS else max(0, int(value))  # (an infinite count is clamped like a huge one)


def _cached(usage: dict[str, Any]) -> int:
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    if isinstance(details, dict) and "cached_tokens" in details:
        return _count(details["cached_tokens"])
    return _count(usage.get("cache_read_input_tokens"))


def _counts(usage: Any) -> tuple[Any, Any]:
    """(prompt, completion) counts of an OpenAI-style usage object (or the input/output naming); None for a count
    it does not give, or when it is no usage object."""
    if not isinstance(usage, dict):
        return None, None
    prompt = usage.get("prompt_tokens")
    if prompt is None:
        prompt = usage.get("input_tokens")
    completion = usage.get("completion_tokens")
    if completion is None:
        completion = usage.get("output_tokens")
    return prompt, completion


_ALIASES = (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens"))


def merged_usage(earlier: dict[str, Any] | None, later: dict[str, Any]) -> dict[str, Any]:
    """A stream's usage events as one (a provider may send the input's counts, then the output's): a later count wins,
    under either of its names (an earlier `completion_tokens: 1` outranked a final `output_tokens: 50`, review Z1),
    except a zero, null or empty details after a count under either name (a last event of zeros billed the call as
    nothing, also when it switched naming: review Z3)."""
    if not earlier:
        return later
    out = dict(earlier)
    for key, value in later.items():
        names = next((pair for pair in _ALIASES if key in pair), (key,))
        if _empty(value) and any(not _empty(out[name]) for name in names if name in out):
            continue
        for name in names:
            out.pop(name, None)
        out[key] = value
    return out


def _empty(value: Any) -> bool:
    """No count: None, 0, or details whose counts are all so."""
    return value is None or value == 0 or (isinstance(value, dict) and all(_empty(v) for v in value.values()))


def reported_tokens(usage: Any) -> Tokens | None:
    """Tokens from a usage object that gives both counts, readable; None otherwise (the call is estimated, marked
    so: a count that is missing, or cannot be read, "7", -5, true, is no count, never billed as an exact 0).

    Anthropic's naming counts apart what OpenAI's includes: `input_tokens` leaves out the prompt read from the cache
    (`cache_read_input_tokens`) and the prompt written to it (`cache_creation_input_tokens`); both are added to the
    prompt, the reads billed at the cached rate, the writes at the input rate (Anthropic charges them 1.25 times
    that). They were billed as part of `input_tokens`, capped by it: 5,000 cache reads and 2,000 writes beside 10
    uncached tokens cost 17 tokens' worth (review V)."""
    prompt, completion = _counts(usage)
    if prompt is None or completion is None or not (_readable(prompt) and _readable(completion)):
        return None
    prompt, cached = _count(prompt), _cached(usage)
    read, written = _count(usage.get("cache_read_input_tokens")), _count(usage.get("cache_creation_input_tokens"))
    if (read or written) and ("prompt_tokens" not in usage or read + written > prompt):
        # Anthropic's counting: the prompt's count leaves the cache's reads and writes out. So does a `prompt_tokens`
        # smaller than the reads and writes beside it (LiteLLM versions that pass Anthropic's counts on so), whose row
        # said 5,000 cached of 10 input (review X), or billed 200,000 writes as nothing (review Z1); one that holds
        # them is OpenAI's counting.
        prompt, cached = min(MAX_TOKENS, prompt + read + written), read
    return Tokens(prompt, _count(completion), min(cached, prompt), estimated=False)


def _readable(value: Any) -> bool:
    """A count as a provider may give it: absent, or a non-negative finite number (not a string, not a bool)."""
    if value is None or (type(value) is int and value >= 0):
        return True
    if type(value) is float:
        return value >= 0  # (not NaN, which compares false; an infinity is clamped)
    return False


def tokens_of(call: Call) -> Tokens:
    """Reported usage, else an estimate when the upstream did (or may have done) work, else zero.

    Estimate: prompt = request bytes / 4, completion = the answer's text (content, reasoning, refusal, tool calls'
    names and arguments: `proxy.estimate`) in UTF-8 bytes / 4, the same streamed or not (none for a body that is not a
    chat completion), never more than the request's max_tokens.
    The upstream may have worked when an answer started arriving, when the client went away mid-call or the shutdown
    cut the call (its grace ran out), or when it timed out or dropped the connection after receiving the request
    (`Call.delivered`): the prompt is estimated.
    """
    reported = reported_tokens(call.usage)
    if reported is not None:
        return reported
    if call.target is None:
        return Tokens()
    cut_short = call.status == DISCONNECTED or call.error_type == SERVER_SHUTDOWN  # mid-call: the client, or a shutdown
    if call.first_byte is None and call.chunks == 0 and not cut_short and not call.delivered:
        return Tokens()  # the upstream refused or failed before answering: nothing was billed
    given_prompt, given_completion = _counts(call.usage)  # one count given (readable) is kept, the other estimated
    prompt = _count(given_prompt) if given_prompt is not None and _readable(given_prompt) else call.prompt_estimate()
    if given_completion is not None and _readable(given_completion):
        completion = _count(given_completion)
    else:
        completion = math.ceil(call.answer_size() / BYTES_PER_TOKEN)
        if call.output_cap is not None:
            completion = min(completion, call.output_cap)
    return Tokens(min(prompt, MAX_TOKENS), min(completion, MAX_TOKENS), 0, estimated=True)


def _text(value: str | None) -> str | None:
    if value is None or (type(value) is str and len(value) <= MAX_TEXT):
        return value
    return str(value)[:MAX_TEXT]


def request_id_of(call: Call) -> str | None:
    """The call's request id as its row keeps it."""
    return _request_id(call.id)


def _request_id(value: str | None) -> str | None:
    """A request id as the ledger keeps it: printable ASCII only (anything else is dropped), at most MAX_TEXT
    characters; None when nothing is left. The client's id is checked at the door (`errors.request_id_for`) and the
    provider's when read (`upstream.request_id_of`); this holds whatever reaches the ledger to the same rule."""
    if value is None or (type(value) is str and len(value) <= MAX_TEXT and value.isascii() and value.isprintable()):
        return value or None  # the usual case, checked first (hot path)
    kept = "".join(ch for ch in str(value) if " " <= ch <= "~")[:MAX_TEXT]
    return kept or None


def _reason(value: str | None) -> str | None:
    """The routing reason, whole up to MAX_REASON; a longer one (a budget note appended to a full header) is cut at
    a word boundary with an ellipsis, never mid-word."""
    if value is None or (type(value) is str and len(value) <= MAX_REASON):
        return value
    return shorten_reason(str(value))


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def epoch_us(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch (a row's `ts`), exactly."""
    return (moment - EPOCH) // MICROSECOND


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the ledger's and the budgets' clock)."""
    return datetime.now(timezone.utc)


def utc_naive(moment: datetime) -> datetime:
    """The same instant as a naive UTC datetime (the ledger stores TIMESTAMP in UTC)."""
    if moment.tzinfo is timezone.utc:
        return moment.replace(tzinfo=None)
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def to_row(call: Call, pricer: Pricer) -> Row:
    """The ledger row for a finished call, in `COLUMNS` order."""
    tokens = tokens_of(call)
    target = call.target
    if target is None:  # under `auto`, the last candidate tried names it (a local model that did not start)
        model, provider, rate = _text(call.tried), None, None
    else:
        model, provider = _text(target.model), _text(target.provider_name)
        rate = pricer.rate(target.provider_name, target.provider, target.model)
    cost, baseline, source = pricer.price(rate, tokens)
    ttft = call.ttft_ms
    return (
        call.created_us, _text(call.project) or "default", _text(call.requested_model) or "",
        model, provider, _text(call.tier), _reason(call.reason), bool(call.stream), int(call.status),
        tokens.input, tokens.output, tokens.cached, tokens.estimated, cost, baseline, cost is not None,
        float(call.latency_ms), None if ttft is None else float(ttft), _text(call.error_type), source,
        _text(pricer.baseline_model), _request_id(call.id), _request_id(call.upstream_id),
    )
