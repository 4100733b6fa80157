"""The facts gathered about one proxied call, handed to the usage ledger when it ends."""

from __future__ import annotations

import functools
import logging
import re
import time
import unicodedata
from typing import Any

import attrs

from larouter.errors import request_id
from larouter.proxy.accesslog import CallLog
from larouter.proxy.estimate import prompt_tokens, streamed_text_bytes
from larouter.proxy.registry import Target
from larouter.textsafe import UNSAFE_RE


LOG = logging.getLogger("larouter.proxy")
MAX_REASON = 500  # characters of a routing reason kept: in the ledger, and in `x-larouter-reason` once escaped
MEASURE_AFTER = 64 * 1024  # bytes of relayed stream events a call holds at most before it measures their text


def shorten_reason(text: str, limit: int = MAX_REASON) -> str:
    """The reason whole up to `limit` characters; a longer one cut at a word boundary with an ellipsis, never
    mid-word (the ledger's row carries this text; the header its ASCII form, `header_safe`)."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut).rstrip(" |;,") + "..."


def one_line(text: str) -> str:
    """A reason as the call keeps it (for the ledger, its CSV export and the header alike): its words in any script,
    on one line (a character that would break the line or disguise it, `textsafe.UNSAFE`, reads as a space: an
    upstream's error text, say), cut at a word (`shorten_reason`)."""
    return shorten_reason(UNSAFE_RE.sub(" ", text))


def header_safe(text: str) -> str:
    """The reason as `x-larouter-reason` carries it: the same line in ASCII, as readable as it can be. A letter that
    has a plain base loses its accents ("wie spät" reads "wie spat"), any other character is escaped as Python writes
    it ("毎朝" reads "\\u6bce\\u671d"); at most MAX_REASON characters, cut at a word and never inside an escape. The
    words themselves are in `route explain` and the usage ledger."""
    text = one_line(text)
    if text.isascii():
        return text
    return _cut_ascii(_NON_ASCII_RE.sub(_ascii_char, text.replace("→", "->")))


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def _ascii_char(m: re.Match[str]) -> str:
    return "".join(map(_ascii_of, m.group()))


@functools.lru_cache(maxsize=4096)
def _ascii_of(c: str) -> str:
    plain = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
    if plain and plain.isascii() and plain.isprintable():
        return plain
    return c.encode("ascii", "backslashreplace").decode()


_PARTIAL_ESCAPE_RE = re.compile(r"\\(?:x[0-9a-f]?|u[0-9a-f]{0,3}|U[0-9a-f]{0,7})?$")


def _cut_ascii(text: str) -> str:
    """`shorten_reason` for the escaped form: a cut with no space before it drops an escape it would split."""
    if len(text) <= MAX_REASON:
        return text
    cut = text[:MAX_REASON - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else _PARTIAL_ESCAPE_RE.sub("", cut)).rstrip(" |;,") + "..."


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
    media: tuple[int, int] = (0, 0)  # bytes and estimated tokens of the prompt's inline images and audio (`estimate`)
    chunks: int = 0  # streamed data events with choices
    answer_bytes: int = 0  # UTF-8 bytes of the answer's text measured so far (`estimate`; `answer_size`), same reason
    unmeasured: list[bytes | bytearray] = attrs.Factory(list)  # relayed stream events whose text is not measured yet
    unmeasured_size: int = 0  # their bytes
    output_cap: int | None = None  # the request's max_tokens times n: no estimate of the answer goes beyond it
    choices: int = 1  # the request's n: with n > 1 a stream's events are all read for their choices (`Relay.complete`)
    tool_calls: bool = False  # the answer called a tool (set on routed calls)
    delivered: bool = False  # the provider had the request when it failed (timeout, drop): it may have billed it
    tried: str | None = None  # for an error's headers: `auto`'s candidate being (or last) tried; a named local model
    created_us: int = attrs.Factory(lambda: time.time_ns() // 1000)  # arrival, microseconds since the epoch (UTC)
    started: float = attrs.Factory(time.perf_counter)
    first_byte: float | None = None
    ended: float | None = None
    budget_remaining: float | None = None
    upstream_id: str | None = None  # the provider's own request id for its answer (x-upstream-request-id)
    upstream_headers: dict[str, str] | None = None  # its rate-limit headers, passed on (`outbound`)
    extra: dict[str, Any] = attrs.Factory(dict)

    @property
    def log(self) -> CallLog:
        """The proxy's log for this call: each line begins with its request id (`id=...`, as its access line)."""
        return CallLog(LOG, {"id": self.id})

    def mark_first_byte(self) -> None:
        """Remember when the first byte of the answer arrived."""
        if self.first_byte is None:
            self.first_byte = time.perf_counter()

    def relayed(self, events: bytes | bytearray) -> None:
        """Stream events (with choices) went to the client. Their text is measured only when an estimate needs it
        (`answer_size`: the provider reported no usage), or once MEASURE_AFTER bytes of them wait, so a stream whose
        usage comes costs no scan of its events, and a long one holds little."""
        self.unmeasured.append(events)
        self.unmeasured_size += len(events)
        if self.unmeasured_size > MEASURE_AFTER:
            self.answer_size()

    def prompt_estimate(self) -> int:
        """The prompt's tokens, estimated from its size (`estimate.prompt_tokens`)."""
        return prompt_tokens(self.request_bytes, self.media)

    def answer_size(self) -> int:
        """UTF-8 bytes of the answer's text (`estimate`), the events relayed so far included."""
        if self.unmeasured:
            self.answer_bytes += streamed_text_bytes(b"".join(self.unmeasured))
            self.unmeasured, self.unmeasured_size = [], 0  # a new list: an attempt's copy (attrs.evolve) keeps its own
        return self.answer_bytes

    def clear_answer(self) -> None:
        """Forget the answer so far: failover moves on to the next candidate."""
        self.usage, self.first_byte, self.chunks, self.tool_calls, self.delivered = None, None, 0, False, False
        self.answer_bytes, self.unmeasured, self.unmeasured_size = 0, [], 0

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
