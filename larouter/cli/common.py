"""Shared CLI plumbing: the HTTP client, SSE reading, --url/--token/--json, output, exit codes."""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import json
import math
import os
import ssl
import sys
from http.client import HTTPException, HTTPResponse
from typing import Any, Callable, Iterator, Mapping
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

import attrs
import click

from larouter import VERSION_HEADER
from larouter.cli.ending import ended_by_signals, reader_may_leave
from larouter.cli.once import option
from larouter.cli.output import err_console, safe

DEFAULT_URL = "http://127.0.0.1:18790"
EXIT_USER_ERROR = 1  # bad arguments, or a request the daemon rejected (4xx)
EXIT_UNREACHABLE = 2  # the daemon could not be reached
EXIT_INTERRUPTED = 130  # Ctrl-C
DEFAULT_TIMEOUT = 30.0  # seconds a command waits for an answer (LAROUTER_TIMEOUT)
STREAM_TIMEOUT = 60.0  # SSE streams send a keep-alive comment every 15 s
NOT_ABOUT_THE_TOKEN = ("browser_request_refused", "local_only_project")  # 403s no token would change


class CliError(click.ClickException):
    """A clean, one-line failure with a chosen exit code (and the daemon's status and error code, if any)."""

    def __init__(self, message: str, exit_code: int = EXIT_USER_ERROR, status: int | None = None,
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.exit_code, self.status, self.code, self.param = exit_code, status, code, param

    def show(self, file: Any = None) -> None:
        err_console().print(f"[red]error:[/red] {safe(self.message)}", soft_wrap=True)


class Interrupted(CliError):
    """Ctrl-C: a short note (what happened to the work in progress), exit 130."""

    def __init__(self, message: str = "interrupted") -> None:
        super().__init__(message, EXIT_INTERRUPTED)

    def show(self, file: Any = None) -> None:
        err_console().print(f"[yellow]{safe(self.message)}[/yellow]", soft_wrap=True)


def confirm(prompt: str, yes: bool) -> None:
    """Ask on stderr unless --yes (a destructive command's convention); a no is a clean exit 1, and so is no answer
    (stdin at its end: "aborted")."""
    if yes:
        return
    try:
        answer = click.confirm(prompt, default=False, err=True)
    except click.Abort as exc:  # stdin ended with no answer (or Ctrl-C): the prompt's line is ended first
        click.echo(err=True)
        if isinstance(exc.__context__, KeyboardInterrupt):
            raise
        raise CliError("aborted: no answer (stdin ended); nothing changed (--yes skips the question)") from None
    if not answer:
        raise CliError("aborted: nothing changed")


class LarouterGroup(click.Group):
    """Click group with LARouter's exit codes: usage errors 1 (not 2, which means unreachable), Ctrl-C 130,
    and a one-line message instead of a traceback for anything unexpected (LAROUTER_DEBUG=1 shows it)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        if parent is None and sys.stdout is None:  # `>&-`: a file the command opens would get descriptor 1 (and
            if sys.stderr is not None:  # what is printed) and stdout's flush failed with a traceback (review AO)
                sys.stderr.write("larouter: error: stdout is closed (`>&-`): give the command one (`> /dev/null` "
                                 "to discard what it prints)\n")
            raise SystemExit(EXIT_USER_ERROR)
        for stream in (sys.stdout, sys.stderr):  # a terminal or pipe that cannot encode "—" or "•" (Latin-1, ASCII)
            if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":  # shows "?" rather than failing
                stream.reconfigure(errors="replace")
        try:
            with reader_may_leave():  # --help, --version
                return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USER_ERROR
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with reader_may_leave(), ended_by_signals():
                return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USER_ERROR
            raise
        except KeyboardInterrupt:
            raise Interrupted() from None
        except click.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt):
                raise Interrupted() from None
            raise CliError("aborted") from None
        except (click.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI's promise: no traceback
            if os.environ.get("LAROUTER_DEBUG"):
                raise
            raise CliError(f"unexpected {type(exc).__name__}: {exc} (LAROUTER_DEBUG=1 shows the traceback)") from None


@attrs.frozen
class Client:
    """Tiny blocking JSON client for the admin API (the CLI does one call at a time)."""

    base_url: str
    token: str | None = attrs.field(default=None, repr=False)
    timeout: float | None = attrs.Factory(lambda: answer_timeout())
    hint: str | None = None  # said when the daemon cannot be reached (where its address came from)
    recorded: bool = False  # the address this home's running larouterd recorded: its answers are larouterd's (an
    # older daemon, from before the CLI was upgraded, sends no x-larouter-version)
    elsewhere: str | None = None  # the address this home's larouterd recorded, when --url is another and no token
    # was given: the local token was not sent (a 401/403 says why)
    given: bool = False  # the token came from --token / LAROUTER_TOKEN (a 401/403 says it is not the admin token)

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        """Absolute URL for an API path, with the non-None query parameters."""
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return self.base_url.rstrip("/") + path + (f"?{query}" if query else "")

    def open(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
             timeout: float | None = None) -> HTTPResponse:
        """Send a request and return the open response; CliError (exit 1 for 4xx/5xx, 2 unreachable) otherwise.

        `timeout` overrides the client's (None: the client's; `attrs.evolve(client, timeout=None)` waits forever).
        """
        data = None if body is None else json.dumps(body).encode()
        try:
            req = Request(self.url(path, params), data=data, method=method)
        except ValueError as exc:
            raise CliError(f"invalid daemon URL {self.base_url!r}: {exc}") from None
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        wait = self.timeout if timeout is None else timeout
        try:
            resp = urlopen(req, timeout=wait)  # noqa: S310 (the user's own daemon)
        except HTTPError as exc:
            raise self.refused(exc) from None
        except (URLError, OSError, HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) and wait is not None:  # up, or at least taking connections: slow
                raise CliError(f"larouterd at {self.base_url} did not answer within {wait:g} s (busy: a large ledger "
                               f"or a slow disk? LAROUTER_TIMEOUT=SECONDS waits longer)", EXIT_UNREACHABLE) from None
            if isinstance(reason, ssl.SSLError) and not isinstance(reason, ssl.SSLCertVerificationError) and \
                    self.base_url.startswith("https://"):  # (what answers speaks no TLS: a running larouterd, likely)
                raise CliError(f"cannot reach larouterd at {self.base_url}: {reason} (what listens there does not "
                               f"speak TLS: larouterd serves plain HTTP, so use http://{self.base_url[8:]})",
                               EXIT_UNREACHABLE) from None
            raise self.unreachable(reason) from None
        if not self.recorded and not is_larouterd(resp.headers):  # another server answering JSON (llama-server)
            resp.close()
            raise self.not_larouterd(resp.status, resp.headers)
        return resp  # type: ignore[no-any-return]

    def refused(self, exc: HTTPError) -> CliError:
        """The daemon's OpenAI-shaped error as a one-line CliError (exit 1), with a hint for auth failures; an error
        that is not shaped so comes from some other server at the URL (every larouterd error is)."""
        try:
            raw = exc.read()
        except (OSError, HTTPException):
            return CliError(f"HTTP {exc.code}: {exc.reason}", EXIT_USER_ERROR, exc.code)
        ours = self.recorded or is_larouterd(exc.headers)
        err = larouterd_error(raw) if media_type(exc.headers) == "application/json" and ours else None
        if err is None:
            return self.not_larouterd(exc.code, exc.headers)
        message = err["message"]
        if exc.code in (401, 403) and self.elsewhere:  # (the daemon's "the CLI sends it by itself" did not hold)
            message += (f" (--url / LAROUTER_URL differs from the address larouterd recorded ({self.elsewhere}): pass "
                        "--token or use that address)")
        elif exc.code in (401, 403) and self.given and err.get("code") not in NOT_ABOUT_THE_TOKEN:
            message += " (the token given with --token or LAROUTER_TOKEN is not this daemon's admin token)"
        elif exc.code in (401, 403):
            message += " (pass an admin token with --token or LAROUTER_TOKEN)"
        code, param = (err.get(k) if isinstance(err.get(k), str) else None for k in ("code", "param"))
        return CliError(f"HTTP {exc.code}: {message}", EXIT_USER_ERROR, exc.code, code, param)

    def not_larouterd(self, status: int, headers: Any) -> CliError:
        """Exit 1: what answers at the URL is some other web server (a 404 page, an HTML site, another API)."""
        kind = media_type(headers) or "without a Content-Type"
        return CliError(f"{self.base_url}: not a LARouter daemon (HTTP {status} {kind}); point --url / LAROUTER_URL "
                        "at larouterd")

    def unreachable(self, reason: Any) -> CliError:
        """The exit-2 error, with the one-line hint."""
        return CliError(f"cannot reach larouterd at {self.base_url}: {reason} (is it running? start it with "
                        "`larouterd`, or point --url / LAROUTER_URL at it)" + (f"; {self.hint}" if self.hint else ""),
                        EXIT_UNREACHABLE)

    def cut_off(self, exc: Exception) -> CliError:
        """Exit 2: the daemon answered, then its answer stopped part-way (it is running: no "start it" hint)."""
        why = "nothing more came within the timeout" if isinstance(exc, TimeoutError) else f"connection lost: {exc}"
        return CliError(f"larouterd at {self.base_url} stopped answering part-way through its reply ({why}); it may be "
                        "busy or stopping: its log says why, and LAROUTER_TIMEOUT=SECONDS waits longer",
                        EXIT_UNREACHABLE)

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
                timeout: float | None = None) -> Any:
        """Send a request and decode the JSON answer."""
        with self.open(method, path, body, params, timeout) as resp:
            try:
                raw = resp.read()
            except (OSError, HTTPException) as exc:
                raise self.cut_off(exc) from None
        if not raw:
            return None
        if media_type(resp.headers) != "application/json":
            raise self.not_larouterd(resp.status, resp.headers)
        try:
            return json.loads(raw)
        except ValueError:
            raise self.not_larouterd(resp.status, resp.headers) from None

    def get(self, path: str, **params: Any) -> Any:
        """GET a JSON resource."""
        return self.request("GET", path, params=params)

    @contextlib.contextmanager
    def stream(self, method: str, path: str, params: dict[str, Any] | None = None, timeout: float = STREAM_TIMEOUT,
               expect: str | None = None) -> Iterator[HTTPResponse]:
        """An open response of media type `expect` (any if None) to read incrementally (SSE, CSV); read errors become
        the exit-2 error."""
        with self.open(method, path, None, params, max(timeout, self.timeout or 0)) as resp:  # (LAROUTER_TIMEOUT)
            if expect is not None and media_type(resp.headers) != expect:
                raise self.not_larouterd(resp.status, resp.headers)
            try:
                yield resp
            except (OSError, HTTPException) as exc:
                if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                    raise
                raise self.cut_off(exc) from None


def optional(client: Client, path: str, **params: Any) -> Any:
    """GET, or None when the daemon refuses it to this token (403) or lacks it (404); a rejected token (401)
    is an error, not a blank."""
    try:
        return client.get(path, **params)
    except CliError as exc:
        if exc.status not in (403, 404):
            raise
        return None


@contextlib.contextmanager
def flag_names(flags: Mapping[str, str]) -> Iterator[None]:
    """Word the daemon's 400 about a body field as the flag the user typed (`flags`: API field -> flag), so
    `'ctxSize' must be from 256 …` reads `--ctx-size must be from 256 …`."""
    try:
        yield
    except CliError as exc:
        flag = flags.get(exc.param or "")
        if exc.status != 400 or flag is None:
            raise
        raise CliError(exc.message.replace(f"'{exc.param}'", flag), exc.exit_code, exc.status, exc.code,
                       exc.param) from None


def seg(value: str) -> str:
    """One URL path segment, quoted (ids come from the command line)."""
    return quote(value, safe="")


def media_type(headers: Any) -> str | None:
    """`text/plain` for `Content-Type: text/plain; charset=utf-8`; None without the header."""
    value = headers.get("Content-Type") if headers is not None else None
    return (value.split(";", 1)[0].strip().lower() or None) if value else None


def answer_timeout() -> float:
    """Seconds a command waits for the daemon's answer: LAROUTER_TIMEOUT, else 30."""
    raw = os.environ.get("LAROUTER_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise CliError(f"LAROUTER_TIMEOUT must be a number of seconds above 0, got {raw[:40]!r}")
    return value


def is_larouterd(headers: Any) -> bool:
    """Whether an answer is larouterd's: it carries larouterd's version (`VERSION_HEADER`)."""
    return bool(headers.get(VERSION_HEADER))


def larouterd_error(raw: bytes) -> dict[str, Any] | None:
    """The `error` object of an OpenAI-shaped error body, as larouterd sends; None for any other body."""
    try:
        err = json.loads(raw)["error"]
    except (ValueError, KeyError, TypeError):
        return None
    return err if isinstance(err, dict) and isinstance(err.get("message"), str) else None


def sse_events(resp: HTTPResponse) -> Iterator[tuple[str, str]]:
    """Yield (event, data) as each Server-Sent Event arrives: one readline at a time, never buffered to the end."""
    event, data = "message", []
    while raw := resp.readline():
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)


def inherited(name: str, value: Any) -> Any:
    """An option's value for the running command: its own when given on the command line, else the one given on
    the command line to the nearest enclosing group (`larouter --url U status`, `larouter usage --project P
    models`), else its own (environment or default). Given to both with different values is an error."""
    ctx = click.get_current_context()
    given = click.core.ParameterSource.COMMANDLINE
    outer = ctx.parent
    while outer is not None and not (name in outer.params and outer.get_parameter_source(name) is given):
        outer = outer.parent
    if outer is None:
        return value
    if ctx.get_parameter_source(name) is not given:
        return outer.params[name]
    if value != outer.params[name]:
        flag = next((p.opts[0] for p in ctx.command.params if p.name == name), name)
        raise click.UsageError(f"{flag} given as {outer.params[name]!r} to "
                               f"'{outer.command_path}' and as {value!r} to '{ctx.command_path}'; give it once")
    return value


def client_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --url, --token and --json; pass `client` and `as_json` to the command (each also taken from an
    enclosing group that was given it: `inherited`)."""

    @option("--url", envvar="LAROUTER_URL", metavar="URL",
            help=f"Daemon base URL (a trailing /v1 is ignored) [env LAROUTER_URL; default: where this home's "
                 f"running larouterd listens (larouterd.address), else server.host/port from the settings, else "
                 f"{DEFAULT_URL}].")
    @option("--token", envvar="LAROUTER_TOKEN", help="Admin or project token [env LAROUTER_TOKEN; default: "
            "the local admin token when the URL is where this home's running larouterd listens (larouterd.address), "
            "else none; on loopback only keys that decide where provider keys go or what runs need one].")
    @option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    @functools.wraps(fn)
    def wrapper(url: str | None, token: str | None, as_json: bool, **kwargs: Any) -> Any:
        from larouter.cli.target import daemon_url, settings_target, url_target

        url, token, as_json = inherited("url", url), inherited("token", token), inherited("as_json", as_json)
        client = url_target(daemon_url(url), token) if url else settings_target(token)
        return fn(client=client, as_json=as_json, **kwargs)

    return wrapper
