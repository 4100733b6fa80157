"""Domain errors and the one middleware that turns every failure into an OpenAI-shaped body."""

from __future__ import annotations

import logging
import random
import re
import uuid
from types import MappingProxyType
from typing import Awaitable, Callable

from aiohttp import web

from larouter.apierror import LarouterError, bad_request
from larouter.proxy.accesslog import log_refused

log = logging.getLogger("larouter.errors")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVER_SHUTDOWN = "server_shutdown"  # the code (and ledger error kind) of a request cut when the shutdown grace ran out


def request_id() -> str:
    """A new request id (`x-request-id`), not a secret: random's generator (seeded from the OS once) never leaves
    the GIL, where os.urandom's getrandom() call released it on every request."""
    return f"{random.getrandbits(64):016x}"


CLIENT_REQUEST_ID = re.compile(r"[\x20-\x7e]{1,128}")  # printable ASCII: a client's id we echo and forward
# A LARouter token (a project's `lr_sk_`, the admin's `lr_admin_`) where a client put it by mistake (an agent whose
# `model` and `api_key` settings were swapped; its own token as the request id): kept to the prefix listings show
# (`tokenPrefix`) wherever it would be written down or sent on (review AY).
OUR_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(lr_(?:sk|admin)_[A-Za-z0-9_-]{8})[A-Za-z0-9_-]+")  # (a token starts a
# word: `job_lr_admin_panel_refresh` is an id of the client's, kept)


def without_tokens(text: str) -> str:
    """`text` with every LARouter token in it cut to its listed prefix (`lr_sk_AbCdEfGh…`)."""
    return OUR_TOKEN.sub(r"\1…", text) if "lr_" in text else text


def request_id_for(request: web.Request) -> str:
    """The id of this request: the client's own `X-Request-ID` when it is a sane one (printable ASCII, at most 128
    characters, holding no LARouter token; anything else is ignored), so its logs, ours and the provider's can be
    joined; else a new one."""
    given = request.headers.get("X-Request-ID", "").strip()
    return given if CLIENT_REQUEST_ID.fullmatch(given) and OUR_TOKEN.search(given) is None else request_id()


def not_found(message: str, code: str = "not_found", param: str | None = None) -> LarouterError:
    """A 404."""
    return LarouterError(message, 404, "invalid_request_error", code, param)


def no_such_endpoint(request: web.Request, meant: str | None = None) -> str:
    """The 404 message of a path no route takes; `meant`: the path it names with a trailing slash left out (review
    AL of the thirty-fourth session), said as the hint."""
    msg = f"no such endpoint: {request.method} {request.path}"
    return msg if meant is None else f"{msg} (did you mean {request.method} {meant}? no trailing slash)"


def upstream_error(message: str, status: int = 502, code: str = "upstream_error", delivered: bool = False) -> LarouterError:
    """A 502/504 from a provider; the message must already be free of key material. `delivered`: the provider had
    the request when it failed (a timeout or a dropped connection after sending), so it may have worked and billed."""
    return LarouterError(message, status, "upstream_error", code, delivered=delivered)


_HTTP_CODES = {
    404: ("not_found", "invalid_request_error"),
    405: ("method_not_allowed", "invalid_request_error"),
    413: ("request_too_large", "invalid_request_error"),
    401: ("unauthorized", "authentication_error"),
    403: ("forbidden", "permission_error"),
}


# the OpenAI API's other top-level endpoints: one of them without its /v1 is a base_url that lacks it
OPENAI_ENDPOINTS = frozenset({"embeddings", "responses", "completions", "audio", "images", "moderations", "files",
                              "batches", "assistants", "threads", "fine_tuning", "uploads", "vector_stores", "realtime"})


def _under_v1(request: web.Request, path: str | None = None) -> bool:
    """Whether `path` (default: `/v1` + this path) is one of the app's routes taking this request's method."""
    path = "/v1" + request.path if path is None else path
    for resource in request.app.router.resources():
        info = resource.get_info()
        if info.get("path") == path or ("pattern" in info and info["pattern"].fullmatch(path)):
            return any(route.method in (request.method, "*") for route in resource)
    return False


def _from_http(exc: web.HTTPException, request: web.Request) -> LarouterError:
    code, type_ = _HTTP_CODES.get(exc.status, ("http_error", "invalid_request_error"))
    if exc.status == 404:
        bare = request.path.rstrip("/")  # a trailing slash (review AL), without /v1 too, for its own method (AM)
        meant = next((path for path in (bare, "/v1" + bare) if _under_v1(request, path)), None) if (
            bare and bare != request.path) else None
        if meant is not None:
            return LarouterError(no_such_endpoint(request, meant), exc.status, type_, code)
        msg = no_such_endpoint(request)
        if not request.path.startswith("/v1/") and _under_v1(request):  # a base_url without its /v1
            msg += f" (did you mean {request.method} /v1{request.path}? An OpenAI client's base_url ends in /v1)"
        elif request.path.strip("/").split("/", 1)[0] in OPENAI_ENDPOINTS:
            msg += (f" (an OpenAI client's base_url ends in /v1; /v1{request.path} is not proxied either: LARouter "
                    "proxies POST /v1/chat/completions and lists GET /v1/models)")
        elif request.path.startswith("/v1/"):  # an OpenAI client pointed at LARouter for more than chat
            msg += (" (LARouter proxies POST /v1/chat/completions and lists GET /v1/models; other OpenAI endpoints, "
                    "such as embeddings, responses or audio, are not proxied: call the provider for those)")
    elif exc.status == 405:
        msg = f"method {request.method} is not allowed on {request.path}"
        allow = exc.headers.get("Allow")  # (RFC 9110: a 405 says which methods are)
        if allow:
            return LarouterError(f"{msg} (allowed: {allow})", exc.status, type_, code, headers={"Allow": allow})
    elif exc.status == 413:
        msg = f"request body too large ({exc.text or 'over the configured limit'})"
    else:
        msg = exc.reason
    return LarouterError(msg, exc.status, type_, code)


def json_error(err: LarouterError) -> web.Response:
    """Render a domain error as a JSON response."""
    resp = web.json_response(err.body(), status=err.status)
    for k, v in (err.headers or {}).items():
        resp.headers[k] = v
    return resp


DECODED_ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})  # what aiohttp decodes without extra packages

# Over-long requests. aiohttp's parser refuses a request target, a header or more headers than its limits before
# any middleware runs, with a plain-text 400 (aiohttp has no hook for those answers: aio-libs/aiohttp#3287). So the
# parser is given room (`PARSER_LIMITS`, the app's handler_args) and LARouter's own limits, aiohttp's defaults, are
# enforced here with an OpenAI-shaped 414/431. Only a request beyond the parser's room still gets aiohttp's plain text.
MAX_TARGET = 8190  # bytes of path and query string
MAX_FIELD = 8190  # bytes of one header, name and value
MAX_HEADERS = 128  # header fields in one request
PARSER_LIMITS = MappingProxyType({"max_line_size": 64 * 1024, "max_field_size": 64 * 1024,  # (read-only)
                                  "max_headers": 2 * MAX_HEADERS})


def oversize(request: web.Request) -> LarouterError | None:
    """The 414 or 431 for a request target, a header or a number of headers over LARouter's limits, else None (a
    header is named, its value never shown: it may be a token)."""
    target = len(request.raw_path)
    if target > MAX_TARGET:
        return LarouterError(f"request target (path and query string) is {target:,} bytes; the most is "
                             f"{MAX_TARGET:,} (send long input in a JSON body)", 414, "invalid_request_error",
                             "uri_too_long")
    if len(request.raw_headers) > MAX_HEADERS:
        return LarouterError(f"request has {len(request.raw_headers):,} header fields; the most is {MAX_HEADERS}", 431,
                             "invalid_request_error", "header_too_large")
    for name, value in request.raw_headers:
        if len(name) + len(value) > MAX_FIELD:
            shown = name[:64].decode("ascii", "replace")
            return LarouterError(f"header {shown!r} is {len(name) + len(value):,} bytes (name and value); the most "
                                 f"is {MAX_FIELD:,}", 431, "invalid_request_error", "header_too_large")
    return None


# Errors a retry cannot cure: a key that is missing or refused, a model not downloaded or whose server cannot start,
# no candidate, a loop. The OpenAI SDKs retry 408, 409, 429 and every 5xx (twice by default) unless the answer says
# `x-should-retry: false`; a 429 and a provider's own 5xx, timeout or dropped connection may well pass next time.
NEVER_RETRY = frozenset({"upstream_auth_failed", "upstream_forbidden", "provider_unavailable", "model_not_downloaded", "model_downloading",
                         "model_not_running", "model_start_failed", "llama_server_missing", "no_candidate",
                         "provider_loop", "budget_exceeded"})


def should_retry(err: LarouterError) -> str | None:
    """`x-should-retry` for this error: "false" when retrying cannot help (a code in NEVER_RETRY, or a 4xx of ours other
    than 408 and 429), None to leave it to the client (a provider's own 4xx, relayed: its own header, if any, came
    with it)."""
    if err.code in NEVER_RETRY:
        return "false"
    if 400 <= err.status < 500 and err.status not in (408, 429) and not err.rejected:
        return "false"
    return None


def _reply(request: web.Request, err: LarouterError) -> web.Response:
    """The error as JSON; from the proxy (`/v1/*`) always with an `x-request-id` (the call's own when the handler
    attached it to the error, else a new one), and `x-should-retry: false` when a retry cannot succeed."""
    resp = json_error(err)
    if "x-should-retry" not in resp.headers and (retry := should_retry(err)) is not None:
        resp.headers["x-should-retry"] = retry
    if request.path.startswith("/v1/") and "x-request-id" not in resp.headers:  # (a call's error carries its id:
        resp.headers["x-request-id"] = rid = request_id_for(request)  # its line is the call's, when it is recorded)
        log_refused(rid, request.path, err.status, err.code or err.type)
    return resp


def _unreadable(request: web.Request, exc: web.RequestPayloadError) -> web.Response:
    """The 400 `invalid_body` for a body that could not be read, on a connection then closed. aiohttp reads what is
    left of a body after the answer, to keep the connection; this one raises the same error there, logged as an
    "Unhandled exception" with three tracebacks (any client could fill the log so). The body is ended here (nothing
    more of it is read) and the connection not kept: a one-line note is all the log gets."""
    detail = " ".join(str(exc).partition("message:")[2].split()) or "the body was cut short"
    log.info("%s %s: request body could not be read (%s): 400 invalid_body", request.method, request.raw_path[:200],
             detail)
    request.content.feed_eof()  # (its payload parser stopped at the error: nothing more comes that could be used)
    resp = _reply(request, bad_request(f"request body could not be read: {detail}", code="invalid_body"))
    resp.force_close()
    return resp


def content_encoding(request: web.Request) -> str:
    """The request's Content-Encoding, every header of that name joined as HTTP joins repeated fields ("gzip, br":
    with the first alone, `gzip` then `br` was decoded as gzip and answered 200, review X)."""
    return ", ".join(request.headers.getall("Content-Encoding", ()))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map domain errors, HTTP errors and bugs to OpenAI-shaped JSON; never leak a traceback. Every error from the
    proxy (`/v1/*`) carries an `x-request-id`: the call's own when the handler attached it, else a new one."""
    too_long = oversize(request)
    if too_long is not None:
        return _reply(request, too_long)
    encoding = content_encoding(request) if "Content-Encoding" in request.headers else None
    if encoding is not None and encoding.strip().lower() not in DECODED_ENCODINGS:
        return _reply(request, LarouterError(
            f"request Content-Encoding {encoding[:40]!r} is not supported; send the body plain, gzip or deflate",
            415, "invalid_request_error", "unsupported_media_type"))
    try:
        return await handler(request)
    except LarouterError as err:
        return _reply(request, err)
    except web.RequestPayloadError as exc:  # a body that does not decode as its Content-Encoding says, or is cut
        return _unreadable(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _reply(request, _from_http(exc, request))
    except Exception:
        ref = uuid.uuid4().hex[:12]
        log.exception("unhandled error on %s %s (ref %s)", request.method, request.path, ref)
        return _reply(request, LarouterError(f"internal error (ref {ref}); see the daemon log", 500, "server_error", "internal_error"))
