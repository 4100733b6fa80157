"""Send a request to a provider; map every transport or HTTP failure to a clean, key-free error."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import logging
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping
from urllib.parse import urlsplit

import aiohttp
import attrs

from larouter import jsonx
from larouter.errors import LarouterError, upstream_error
from larouter.proxy import loop
from larouter.proxy.accesslog import CallLog
from larouter.proxy.reasoning import read_timeout
from larouter.proxy.answer_headers import UPSTREAM_ID, relayed, request_id_of, retry_after, retry_after_ms
from larouter.proxy.redaction import redact
from larouter.proxy.registry import Target
from larouter.proxy.validate import too_deep

if TYPE_CHECKING:
    from larouter.proxy.call import Call

log = logging.getLogger("larouter.proxy")
MAX_ERROR_BODY = 64 * 1024
NO_HEADERS: Mapping[str, str] = MappingProxyType({})
NO_RETRY = {"x-should-retry": "false"}
MODEL_FAILURES = {403: "model_forbidden", 404: "model_not_found"}  # a 4xx about the model (`model_failure`)


def _where(target: Target) -> str:
    host = urlsplit(target.provider.base_url).hostname or "?"
    return f"provider {target.provider_name!r} ({host})"


OUT_OF_FDS = frozenset({errno.EMFILE, errno.ENFILE})  # "Too many open files" (the process's; the system's)
LOCAL_LIMIT = "out_of_file_descriptors"  # its code: no upstream's failure (`health.failure_kind`), no candidate's


def out_of_fds(target: Target, number: int) -> LarouterError:
    """The 503 for a connection larouterd could not open for lack of file descriptors: its own limit, not the
    provider's failure (it was counted so, and `auto` cooled a healthy provider down: review AX 3)."""
    return LarouterError(f"larouterd is out of file descriptors ({os.strerror(number)}): it could not open a "
                         f"connection to {_where(target)}, which was not reached; try again shortly, or raise "
                         "larouterd's open-file limit (LimitNOFILE, ulimit -n)", 503, "server_error", LOCAL_LIMIT)


def chat_url(target: Target) -> str:
    """The provider's chat-completions endpoint."""
    return target.provider.base_url.rstrip("/") + "/chat/completions"


def upstream_headers(target: Target, stream: bool, hops: str, request_id: str,
                     extra: Mapping[str, str] = NO_HEADERS) -> dict[str, str]:
    """Only what the provider needs: its own key, never the client's; `x-larouter-hop` (`loop.outbound`), which
    lets a LARouter daemon the request reaches again refuse it rather than loop; and `X-Request-ID`, this call's id
    (the client's own when it sent one), so the provider's logs can be joined with ours and the client's. `extra`:
    the client's headers for the provider's own features (`outbound.FORWARDED`), under ours."""
    headers = {**extra, "Content-Type": "application/json", "Accept": "text/event-stream" if stream else "application/json",
               loop.HOP_HEADER: hops, "X-Request-ID": request_id}
    if target.provider.api_key:
        headers["Authorization"] = f"Bearer {target.provider.api_key}"
    return headers


USAGE_ONLY = MappingProxyType({"include_usage": True})  # the stream_options a stream asks a provider with
_REFUSED_FIELD = re.compile(r"\b(?:extra|unknown|unrecogni[sz]ed|unexpected|unsupported|not\s+(?:permitted|allowed|"
                            r"supported|recogni[sz]ed))\b", re.IGNORECASE)


def refuses_stream_options(err: LarouterError) -> bool:
    """Whether a provider's 4xx refuses the `stream_options` field itself (a server that takes no field it does not
    know), not an error whose message merely quotes the request body: a 400 or 422 naming the field as its param, or
    saying it is unknown, extra or not permitted, with no other field of the body quoted."""
    if not err.rejected or err.status not in (400, 422) or "stream_options" not in err.message + (err.param or ""):
        return False
    return "stream_options" in (err.param or "") or (
        '"messages"' not in err.message and "'messages'" not in err.message and bool(_REFUSED_FIELD.search(err.message)))


def upstream_body(body: dict[str, Any], target: Target, stream: bool) -> dict[str, Any]:
    """The client's body with the provider's model name, and usage requested on streams (unless the provider is set
    not to be asked: `stream_usage = false`)."""
    out = dict(body)
    out["model"] = target.model
    if stream and target.provider.stream_usage:
        opts = dict(out.get("stream_options") or {})
        opts["include_usage"] = True
        out["stream_options"] = opts
    return out


async def send(session: aiohttp.ClientSession, target: Target, body: dict[str, Any], stream: bool, *, hops: str,
               request_id: str, live: Callable[[], bool] = lambda: True,
               extra: Mapping[str, str] = NO_HEADERS) -> aiohttp.ClientResponse:
    """POST the body; return a 2xx response (caller releases it) or raise a LarouterError. `hops`: the
    `x-larouter-hop` value (`loop.outbound(request)`); `request_id`: the call's id, sent as `X-Request-ID`; `live`:
    whether a local model's server is still routed (`local.serving`: not one stopped or restarted on purpose); `extra`:
    the client's headers passed on (`outbound.forwarded`)."""
    prov = target.provider
    timeout = aiohttp.ClientTimeout(total=None, connect=prov.connect_timeout, sock_read=read_timeout(target)[0])
    try:
        data = jsonx.dumps(body)  # bytes: aiohttp sends them as they are (a str is re-encoded per request)
    except jsonx.TooDeep:  # (checked here, not as every chat body is parsed: orjson has written it by now)
        raise too_deep() from None
    headers = upstream_headers(target, stream, hops, request_id, extra)
    try:
        try:
            resp = await session.post(chat_url(target), data=data, headers=headers, timeout=timeout)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            # A local model only: llama-server closes a keep-alive connection after a stream while advertising
            # keep-alive, and the pool may hand it out again; retry once on a fresh connection. Never for a cloud
            # provider (the drop may come after it received the request: a second bill), nor a server that was stopped.
            if not prov.local or isinstance(exc, aiohttp.ClientConnectorError) or not live():
                raise
            try:
                resp = await session.post(chat_url(target), data=data, headers=headers, timeout=timeout)
            except aiohttp.ClientError as again:
                raise upstream_error(f"{_where(target)} dropped the connection before answering ({_detail(exc, prov)}),"
                                     f" and a second try failed: {_detail(again, prov)}", 502, "upstream_unreachable",
                                     delivered=True) from None
    except aiohttp.ConnectionTimeoutError:  # nothing was sent
        raise upstream_error(f"{_where(target)} is unreachable: no connection within {prov.connect_timeout:g} s "
                             "(its connect_timeout)", 504, "upstream_timeout") from None
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):  # sent, then silence: it may be working on it
        raise timed_out(target, "did not answer within {} s (its {})") from None
    except aiohttp.ClientError as exc:
        if getattr(exc, "errno", None) in OUT_OF_FDS:  # larouterd's own limit, not the provider's failure
            raise out_of_fds(target, exc.errno) from None  # type: ignore[attr-defined]
        if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)) and not isinstance(
                exc, aiohttp.ClientConnectorError):  # connected, then closed or reset before any answer
            raise upstream_error(f"{_where(target)} closed the connection before answering ({_detail(exc, prov)}); "
                                 "it may have received the request", 502, "upstream_disconnected", delivered=True) from None
        raise upstream_error(f"{_where(target)} is unreachable: {_detail(exc, prov)}", 502, "upstream_unreachable") from None
    if resp.status >= 400:
        try:
            err = await error_from_response(target, resp)
        finally:
            resp.release()
        if stream and body.get("stream_options") == USAGE_ONLY and refuses_stream_options(err):
            # A server that refuses fields it does not know refused the usage request added to every stream (not
            # billed): sent again without it, its tokens estimated; `stream_usage = false` spares the first try.
            CallLog(log, {"id": request_id}).info(
                "%s refused stream_options (%s); sent again without it (providers.%s.stream_usage = false skips "
                "asking)", _where(target), err.message[:120], target.provider_name)
            return await send(session, target, {k: v for k, v in body.items() if k != "stream_options"}, stream,
                              hops=hops, request_id=request_id, live=live, extra=extra)
        raise err
    if log.isEnabledFor(logging.DEBUG):  # its arguments cost ~4 us a request to build (py-spy), for a line not shown
        log.debug("%s answered HTTP %d (its request id: %s)", _where(target), resp.status, request_id_of(resp))
    return resp


def _detail(exc: BaseException, prov: Any) -> str:
    """An aiohttp exception as `ClassName: message`, with no key in it."""
    return redact(f"{type(exc).__name__}: {exc}", prov.api_key)


async def read_answer(target: Target, resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """A non-streamed answer's body, at most `limit` bytes (server.max_body_bytes: no client could send a larger
    answer back) once decoded: a larger one is a 502, read no further (a gzip body is measured as it inflates, so a
    small compressed body cannot fill the memory). aiohttp errors and timeouts propagate (`read_error`)."""
    length = resp.content_length
    if length is not None and length <= limit and resp.headers.get("Content-Encoding", "identity") == "identity":
        return await resp.read()  # the usual answer: its size is known and no larger once read
    body = bytearray()
    async for chunk in resp.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise upstream_error(f"{_where(target)} sent an answer of more than {limit:,} bytes (server.max_body_bytes: "
                                 "no request could send such an answer back)", 502, "upstream_bad_response",
                                 delivered=True)
    return bytes(body)


def timed_out(target: Target, what: str) -> LarouterError:
    """The 504 for a provider that had the request and then sent nothing for its read timeout (`what`, formatted
    with its seconds and the setting's name, says when), with `x-should-retry: false`: the provider may still be
    working on the request, and bills it, so a client's retry would be billed again."""
    seconds, setting = read_timeout(target)
    return LarouterError(f"{_where(target)} {what.format(f'{seconds:g}', setting)}", 504, "upstream_error",
                         "upstream_timeout", headers=dict(NO_RETRY), delivered=True)


def read_error(call: Call, exc: BaseException, started: bool = True) -> LarouterError:
    """An answer that broke off after its headers (`started`: and some of its body): 504 when the call's provider
    went silent for its read timeout, else 502 (and a warning with aiohttp's words, naming the call)."""
    target = call.target
    assert target is not None
    if isinstance(exc, asyncio.TimeoutError):
        return timed_out(target, "stopped sending its answer part-way: nothing for {} s (its {})" if started
                         else "sent its headers, then nothing of its answer within {} s (its {})")
    call.log.warning("%s: %s", _where(target), _detail(exc, target.provider))  # aiohttp's words are for the log
    where = "part-way through its answer" if started else "before sending any of its answer"
    return upstream_error(f"{_where(target)} dropped the connection {where}: {drop_reason(exc)}", 502,
                          "upstream_disconnected", delivered=True)


def drop_reason(exc: BaseException) -> str:
    """What became of a provider's connection that broke while its answer came, in words (not aiohttp's)."""
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "its answer ended before it was complete"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "it closed the connection"
    if isinstance(exc, OSError) and exc.strerror:
        return f"the connection failed ({exc.strerror.lower()})"
    return "the connection failed"


async def error_from_response(target: Target, resp: aiohttp.ClientResponse) -> LarouterError:
    """Translate an upstream 4xx/5xx into our error, keeping its message but never a key; with the provider's request
    id (`x-upstream-request-id`), its rate-limit headers (`relayed`), and its Retry-After and retry-after-ms
    (sanitised) when it said 429 or 503."""
    err = await _error_for_status(target, resp)
    extra = relayed(resp)
    if (upstream_id := request_id_of(resp)) is not None:
        extra[UPSTREAM_ID] = upstream_id
    if resp.status in (429, 503) and (after := retry_after(resp.headers.get("Retry-After"))) is not None:
        extra["Retry-After"] = after
    if resp.status in (429, 503) and (after_ms := retry_after_ms(resp.headers.get("retry-after-ms"))) is not None:
        extra["retry-after-ms"] = after_ms
    return attrs.evolve(err, headers={**(err.headers or {}), **extra}) if extra else err


async def _error_for_status(target: Target, resp: aiohttp.ClientResponse) -> LarouterError:
    try:
        raw = await resp.content.read(MAX_ERROR_BODY)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raw = b""
    message, up_type, up_code, up_param = _parse_error(raw, target.provider.api_key)
    if up_code == loop.PROVIDER_LOOP and loop.LOOP_HEADER in resp.headers:  # a LARouter daemon (this one?) refused it
        return loop.loop_error(target, resp.request_info.headers.get(loop.HOP_HEADER, ""), resp.headers[loop.LOOP_HEADER])
    where = _where(target)
    source = target.provider.key_source  # the variable or setting the key came from (never the key)
    hint = f" (check {source})" if source else ""
    if resp.status == 401:
        return upstream_error(f"{where} rejected LARouter's API key{hint}: HTTP 401", 502, "upstream_auth_failed")
    if content_refusal(resp.status, message, up_code):  # the client's prompt, refused: theirs, as it is (no failover)
        return LarouterError(f"{where} refused the content: {message}", resp.status,
                             up_type or "invalid_request_error", up_code or "content_filter", up_param)
    about = model_failure(target.model, resp.status, message, up_code, up_param)
    if resp.status == 403:  # a key without access to this model (`about`), a region not served, or a key refused
        err = upstream_error(f"{where} refused access (HTTP 403): {message}{hint}", 502, "upstream_forbidden")
        err.model_failure = about
        return err
    if resp.status == 429:
        return LarouterError(f"{where} is rate limiting: {message}", 429, "rate_limit_error", up_code or "rate_limited")
    if resp.status >= 500:
        return upstream_error(f"{where} failed with HTTP {resp.status}: {message}", 502, "upstream_error")
    relayed = {"x-should-retry": resp.headers["x-should-retry"]} if "x-should-retry" in resp.headers else None
    return LarouterError(f"{where}: {message}", resp.status, up_type or "invalid_request_error", up_code or "upstream_rejected",
                         up_param, relayed, rejected=True, model_failure=about)


CONTENT_CODES = frozenset({"content_filter", "content_policy_violation", "invalid_prompt", "moderation_blocked",
                           "content_blocked", "responsibleaipolicyviolation"})
_FLAGGED = re.compile(r"\b(?:input|prompt|content|message|request|text|image)s?(?:\s+\w+){0,3}?\s+(?:was|were|is|are|"
                      r"has\s+been|have\s+been|got)\s+flagged\b", re.IGNORECASE)  # "your input was flagged"


def content_refusal(status: int, message: str, code: str | None) -> bool:
    """A provider's 4xx refusing the prompt's content (Azure's 400 `content_filter`, OpenAI's `invalid_prompt`, a
    moderation's "your input was flagged" with no code, OpenRouter's 403 among them; not "your account has been
    flagged", nor a word "flagged" in another error): relayed to the client, never routed round
    (another candidate would bill again, and go round the filter) and no fault of the model (nothing cools)."""
    if status not in (400, 403, 422):
        return False
    if code is not None:  # a code says what it is (`context_length_exceeded`, `model_not_found`...)
        return code.lower() in CONTENT_CODES
    return _FLAGGED.search(message) is not None


def model_failure(model: str, status: int, message: str, code: str | None, param: str | None) -> str | None:
    """The health kind of a provider's 4xx when it is about the model it was asked for, which counts against that
    model and not the provider (`routing/health.py`): `model_forbidden` (403), `model_not_found` (404) or
    `model_refused` (another 4xx). It is when its `param` is `model`, its code speaks of the model
    (`model_not_found`, `invalid_model`), or, a 403 or 404, its message names the model ("Project ... does not have
    access to model gpt-5", "The model `x` does not exist"). None otherwise: a 401 (the key), a 429, a 403 that names
    no model (a region not served, a key refused), a 404 that does not (a base_url that is no API), and a 400 about
    the request (a parameter, a prompt too long), even when it names the model."""
    if status in (401, 429) or not 400 <= status < 500:
        return None
    if param == "model" or (code is not None and "model" in code.lower()) or (
            status in (403, 404) and model.lower() in message.lower()):
        return MODEL_FAILURES.get(status, "model_refused")
    return None


def _parse_error(raw: bytes, key: str | None) -> tuple[str, str | None, str | None, str | None]:
    """(message, type, code, param) of an OpenAI-shaped error body, the raw text when it is something else; each
    redacted of `key` (a provider may quote it in any field: all are relayed, logged and recorded: review AH)."""
    text = raw.decode("utf-8", "replace")
    try:
        err = json.loads(text).get("error")
    except (ValueError, AttributeError):
        err = None
    if not isinstance(err, dict):
        return redact(err if isinstance(err, str) else text[:500] or "no error body", key), None, None, None
    return (redact(str(err.get("message") or text[:500]), key), _str(err.get("type"), key), _str(err.get("code"), key),
            _str(err.get("param"), key))


def _str(value: Any, key: str | None) -> str | None:
    return redact(value, key) if isinstance(value, str) else None


def error_in_ok(target: Target, raw: bytes) -> LarouterError | None:
    """A 502 naming the provider when its HTTP 200 answer is an error object (`{"error": {...}}`), else None.

    Some providers and proxies report failures this way; relaying it as a 200 would pass an error off as an answer.
    """
    if b'"error"' not in raw:
        return None
    try:
        parsed = jsonx.loads(raw)
    except ValueError:
        return None
    err = parsed.get("error") if isinstance(parsed, dict) and "choices" not in parsed else None
    if not err:
        return None
    message = (err.get("message") if isinstance(err, dict) else err) or "no message"
    code = err.get("code") if isinstance(err, dict) and isinstance(err.get("code"), str) else None
    text = redact(str(message)[:500] + (f" ({code})" if code else ""), target.provider.api_key)
    return upstream_error(f"provider {target.provider_name!r} answered HTTP 200 with an error: {text}", 502)


async def not_an_event_stream(target: Target, resp: Any) -> LarouterError:
    """A stream request answered with something else: a JSON body (an error object, usually), an HTML page..."""
    ctype, raw = resp.content_type, b""
    try:
        if ctype == "application/json":
            raw = await resp.content.read(MAX_ERROR_BODY)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        pass
    finally:
        resp.close()
    # (a page in place of the stream: the provider may have read the prompt, as for the same page in place of JSON)
    shown = redact(ctype[:100], target.provider.api_key)
    return error_in_ok(target, raw) or upstream_error(
        f"provider {target.provider_name!r} answered a stream request with {shown}, not an event stream",
        502, "upstream_bad_response", delivered=True)


class CutShort(aiohttp.ClientPayloadError):
    """The upstream ended its stream cleanly, without [DONE], before every choice it opened had a finish_reason
    (`missing`: which had none, in words)."""

    def __init__(self, missing: str = "no finish_reason") -> None:
        super().__init__(f"upstream ended the stream without [DONE] before the answer was complete ({missing})")
        self.missing = missing


def describe_stream_error(exc: BaseException, target: Target, started: bool) -> tuple[str, str]:
    """Human message and code for an upstream failure after a stream's response began (`started`: and the
    provider's first byte came)."""
    provider = target.provider_name
    if isinstance(exc, asyncio.TimeoutError):
        seconds, setting = read_timeout(target)
        if not started:
            return f"provider {provider!r} sent nothing within {seconds:g} s (its {setting})", "upstream_timeout"
        return (f"provider {provider!r} stopped sending mid-stream: nothing for {seconds:g} s (its {setting})",
                "upstream_timeout")
    if isinstance(exc, CutShort):
        return (f"provider {provider!r} ended the stream before the answer was complete ({exc.missing}, "
                "no [DONE])"), "upstream_disconnected"
    return f"provider {provider!r} dropped the connection mid-stream: {drop_reason(exc)}", "upstream_disconnected"
