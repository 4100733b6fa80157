"""The facts gathered about one proxied call, handed to the usage ledger when it ends."""

from __future__ import annotations

import time
from typing import Any

import attrs

from larouter.errors import request_id
from larouter.proxy.registry import Target


MAX_REASON = 500  # characters of a routing reason kept: in `x-larouter-reason` and in the ledger alike


def shorten_reason(text: str, limit: int = MAX_REASON) -> str:
    """The reason whole up to `limit` characters; a longer one cut at a word boundary with an ellipsis, never
    mid-word (the header and the ledger's row carry the same text)."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut).rstrip(" |;,") + "..."


def header_safe(text: str) -> str:
    """ASCII-only, single-line header value, cut at a word as the ledger's copy is (`shorten_reason`)."""
    return shorten_reason(text.replace("→", "->").encode("ascii", "replace").decode().replace("\n", " "))


@attrs.define
class Call:
    """Mutable record of one `/v1/chat/completions` call while it runs."""

    requested_model: str
    stream: bool
    id: str = attrs.Factory(request_id)  # cheap and GIL-held (see request_id), not a secret
    project: str = "default"
    target: Target | None = None
    tier: str | None = None
    reason: str | None = None
    status: int = 0
    usage: dict[str, Any] | None = None
    error_type: str | None = None
    client_wants_usage: bool = False
    request_bytes: int = 0  # for token estimates when the upstream reports no usage
    chunks: int = 0  # streamed data events with choices (~1 token each) for the same reason
    response_bytes: int = 0  # size of a non-streamed answer, same reason
    output_cap: int | None = None  # the request's max_tokens times n: no estimate of the answer goes beyond it
    choices: int = 1  # the request's n: a stream without [DONE] is complete once each choice has a finish_reason
    tool_calls: bool = False  # the answer called a tool (set on routed calls)
    delivered: bool = False  # the provider had the request when it failed (timeout, drop): it may have billed it
    tried: str | None = None  # `auto`: the candidate being (or last) tried, for the headers of an error
    created_us: int = attrs.Factory(lambda: time.time_ns() // 1000)  # arrival, microseconds since the epoch (UTC)
    started: float = attrs.Factory(time.perf_counter)
    first_byte: float | None = None
    ended: float | None = None
    budget_remaining: float | None = None
    upstream_id: str | None = None  # the provider's own request id for its answer (x-upstream-request-id)
    extra: dict[str, Any] = attrs.Factory(dict)

    def mark_first_byte(self) -> None:
        """Remember when the first byte of the answer arrived."""
        if self.first_byte is None:
            self.first_byte = time.perf_counter()

    def finish(self, status: int, error_type: str | None = None) -> None:
        """Close the call with its final status."""
        self.status = status
        self.error_type = error_type
        self.ended = time.perf_counter()

    @property
    def latency_ms(self) -> float:
        """Wall time from request parsed to answer finished."""
        return ((self.ended or time.perf_counter()) - self.started) * 1000.0

    @property
    def ttft_ms(self) -> float | None:
        """Time to first byte of the answer."""
        return None if self.first_byte is None else (self.first_byte - self.started) * 1000.0
