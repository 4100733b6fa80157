"""What a provider's response headers tell the router and its client: the provider's own id for the request, how long
it asked to be left alone (429, 503), and its rate limits (RELAYED: passed on to the client, `outbound`)."""

from __future__ import annotations

import email.utils
import math
import re
import time

import aiohttp

from larouter.errors import LarouterError

UPSTREAM_ID = "x-upstream-request-id"  # our answer's copy of the provider's own request id
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:/+=-]{1,128}")
RELAYED = (b"x-ratelimit-", b"anthropic-ratelimit-", b"openai-processing-ms")  # the provider's, to the client
MAX_RELAYED = 256  # bytes of one relayed header's value; at most MAX_RELAYED_COUNT of them
MAX_RELAYED_COUNT = 32
RETRY_AFTER_CAP = 3600  # seconds: a provider's Retry-After is relayed as at most this


def request_id_of(resp: aiohttp.ClientResponse) -> str | None:
    """The provider's id for this request (`x-request-id`, OpenAI's and most others'; `request-id`, Anthropic's), to
    quote to it; None when it sent none or something that is not an id."""
    for name in ("x-request-id", "request-id"):
        value = resp.headers.get(name, "").strip()
        if _REQUEST_ID.fullmatch(value):
            return value
    return None


def retry_after(value: str | None, now: float | None = None) -> str | None:
    """A provider's Retry-After as whole seconds from now (it may be seconds or an HTTP-date), at most
    RETRY_AFTER_CAP; None when it is neither."""
    value = (value or "").strip()
    if re.fullmatch(r"[0-9]{1,12}", value):
        return str(min(int(value), RETRY_AFTER_CAP))
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    seconds = math.ceil(when - (time.time() if now is None else now))
    return str(min(max(seconds, 0), RETRY_AFTER_CAP))


def retry_after_ms(value: str | None) -> str | None:
    """OpenAI's `retry-after-ms` as whole milliseconds, at most RETRY_AFTER_CAP seconds; None when it is no number."""
    value = (value or "").strip()
    if not re.fullmatch(r"[0-9]{1,12}(?:\.[0-9]{1,6})?", value):
        return None
    return str(min(math.ceil(float(value)), RETRY_AFTER_CAP * 1000))


def wait_asked(err: LarouterError) -> float | None:
    """Seconds the provider asked to be left alone in its 429 or 503 (`retry-after-ms`, else `Retry-After`, as
    relayed by `error_from_response`), None when it did not say."""
    headers = err.headers or {}
    if "retry-after-ms" in headers:
        return int(headers["retry-after-ms"]) / 1000
    return float(headers["Retry-After"]) if "Retry-After" in headers else None


def relayed(resp: aiohttp.ClientResponse) -> dict[str, str]:
    """The provider's RELAYED headers, as it sent them (`outbound`; read from the raw headers: no case-folding)."""
    out: dict[str, str] = {}
    for name, value in resp.raw_headers:
        if name.lower().startswith(RELAYED) and len(value) <= MAX_RELAYED and len(out) < MAX_RELAYED_COUNT:
            out[name.decode("latin-1")] = value.decode("latin-1")
    return out
