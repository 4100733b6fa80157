"""Which daemon the `larouter` CLI talks to: something at the URL that is not larouterd is named as such, and the
address comes from the same effective settings the daemon reads (runtime-config.json included)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from tests.support.cli import on
from tests.support.servers import BackgroundLoop

COMMANDS = [["status"], ["usage"], ["usage", "models"], ["usage", "export", "-o", "-"], ["models", "list"],
            ["models", "logs", "x"], ["models", "download", "x"], ["projects", "list"], ["config", "get"],
            ["route", "explain", "hi"]]


def other_server(servers: BackgroundLoop, status: int, content_type: str, body: str) -> str:
    """Some other web server on a free loopback port: every path, every method answers the same page."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    return servers.start(app)


def empty_aiohttp(servers: BackgroundLoop) -> str:
    """A bare aiohttp server: its own plain-text `404: Not Found` for every path."""
    return servers.start(web.Application())


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize(("kind", "shown"), [("404 text", "HTTP 404 text/plain"), ("html 200", "HTTP 200 text/html"),
                                             ("html 502", "HTTP 502 text/html")])
def test_a_server_that_is_not_larouterd_is_named_so(servers: BackgroundLoop, args: list[str], kind: str,
                                                    shown: str) -> None:
    """Every command against a plain-text 404 or an HTML page (another web server at the URL) says "<url>: not a
    LARouter daemon (HTTP <status> <type>)" on one line, exit 1, no traceback, nothing on stdout (it said "HTTP 404:
    Not Found" or "did not answer JSON")."""
    url = {"404 text": lambda: empty_aiohttp(servers),
           "html 200": lambda: other_server(servers, 200, "text/html", "<html><body>It works!</body></html>"),
           "html 502": lambda: other_server(servers, 502, "text/html", "<html>Bad Gateway</html>")}[kind]()
    result = on(url, *args)
    assert result.exit_code == 1, (args, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{url}: not a LARouter daemon ({shown})" in lines[0], (args, result.stderr)
    assert result.stdout == ""


def test_larouterd_errors_are_still_its_own(router: Any) -> None:
    """larouterd's own JSON errors keep their message (a 404 of larouterd is not "not a LARouter daemon")."""
    result = on(router, "models", "health", "nope")
    assert result.exit_code == 1 and "HTTP 404" in result.stderr and "unknown model 'nope'" in result.stderr
    assert "not a LARouter daemon" not in result.stderr
