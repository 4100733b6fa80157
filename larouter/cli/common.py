"""Shared CLI plumbing: the HTTP client, --url/--token/--json options, output and exit codes."""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any, Callable
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import attrs
import click
from rich.console import Console

DEFAULT_URL = "http://127.0.0.1:18790"
EXIT_USER_ERROR = 1  # bad arguments or a request the daemon rejected
EXIT_UNREACHABLE = 2  # the daemon could not be reached


class CliError(click.ClickException):
    """A clean, one-line failure with a chosen exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USER_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        Console(stderr=True).print(f"[red]error:[/red] {self.message}", markup=True, highlight=False)


@attrs.frozen
class Client:
    """Tiny blocking JSON client for the admin API (the CLI does one call at a time)."""

    base_url: str
    token: str | None = attrs.field(default=None, repr=False)
    timeout: float = 30.0

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send a request; raise CliError with the daemon's error message on failure."""
        data = None if body is None else json.dumps(body).encode()
        req = Request(self.base_url.rstrip("/") + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (URL is the user's own daemon)
                raw = resp.read()
        except HTTPError as exc:
            raise CliError(_error_message(exc), EXIT_USER_ERROR) from None
        except (URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(
                f"cannot reach larouterd at {self.base_url}: {reason} (is it running? start it with `larouterd`)",
                EXIT_UNREACHABLE) from None
        return json.loads(raw) if raw else None

    def get(self, path: str) -> Any:
        """GET a JSON resource."""
        return self.request("GET", path)


def _error_message(exc: HTTPError) -> str:
    try:
        return f"HTTP {exc.code}: {json.loads(exc.read())['error']['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {exc.code}: {exc.reason}"


def client_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --url, --token and --json; pass `client` and `as_json` to the command."""

    @click.option("--url", envvar="LAROUTER_URL", default=DEFAULT_URL, show_default=True, help="Daemon base URL.")
    @click.option("--token", envvar="LAROUTER_TOKEN", help="Admin or project token (not needed on loopback).")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    @functools.wraps(fn)
    def wrapper(url: str, token: str | None, as_json: bool, **kwargs: Any) -> Any:
        return fn(client=Client(url, token), as_json=as_json, **kwargs)

    return wrapper


def emit(data: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    """Print JSON or a human line to stdout."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        Console(highlight=False).print(human(data))
