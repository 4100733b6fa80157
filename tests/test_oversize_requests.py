"""A request target or a header over LARouter's limits (8,190 bytes, aiohttp's defaults) gets an OpenAI-shaped JSON
414/431, not aiohttp's plain-text 400; a header's value is never shown. Sent as raw bytes over a socket: HTTP
clients refuse to send such requests themselves."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest

from tests.conftest import Fake, Router
from tests.support.proc import daemon_log, larouterd

CHAT = json.dumps({"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode()


def raw(router: Router | str, method: str, target: str, headers: dict[str, str] | None = None,
        body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request as written; (status, headers with lower-case names, body)."""
    url = router if isinstance(router, str) else router.url
    host, port = url.rsplit("/", 1)[1].split(":")
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(body)}",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if body:
        lines.append("Content-Type: application/json")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    got = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), got, payload


def openai_error(status: int, headers: dict[str, str], body: bytes, want: int, code: str) -> str:
    assert status == want, body[:300]
    assert headers["content-type"].startswith("application/json"), headers
    err = json.loads(body)["error"]
    assert set(err) == {"message", "type", "param", "code"} and (err["type"], err["code"]) == (
        "invalid_request_error", code), err
    return err["message"]


@pytest.mark.parametrize(("method", "target"), [
    ("GET", "/api/usage?x=" + "a" * 9000),
    ("GET", "/api/usage/export?projectId=default&period=all&pad=" + "b" * 20_000),
    ("POST", "/v1/chat/completions?" + "c" * 60_000),
])
def test_an_over_long_request_target_is_a_json_414(router: Router, fake: Fake, method: str, target: str) -> None:
    """A query string over 8 KB: 414 uri_too_long in JSON saying the limit (it was text/plain 'Got more than 8190
    bytes when reading...'); a proxy call also carries its x-request-id, and reaches no provider."""
    status, headers, body = raw(router, method, target, body=CHAT if method == "POST" else b"")
    message = openai_error(status, headers, body, 414, "uri_too_long")
    assert f"{len(target):,} bytes" in message and "8,190" in message
    if target.startswith("/v1/"):
        assert headers.get("x-request-id")
    assert fake.state.requests == []


def test_an_over_long_header_is_a_json_431_that_never_shows_its_value(router: Router, fake: Fake,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A 9 KB Authorization header: 431 header_too_large naming the header, its value (a token's start) neither in
    the answer nor in the log."""
    token = "lr_sk_" + "S3cr3tT0k3n" * 800
    with caplog.at_level(logging.DEBUG):
        status, headers, body = raw(router, "POST", "/v1/chat/completions", {"Authorization": f"Bearer {token}"}, CHAT)
    message = openai_error(status, headers, body, 431, "header_too_large")
    assert "'Authorization'" in message and "8,190" in message
    assert b"S3cr3t" not in body and "S3cr3t" not in caplog.text
    assert fake.state.requests == []


def test_requests_within_the_limits_are_served(router: Router) -> None:
    """A target and a header just under 8,190 bytes are served as before."""
    status, _, body = raw(router, "GET", "/health?" + "a" * 8000, {"X-Note": "n" * 8000})
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_beyond_the_parsers_room_aiohttp_still_answers_400(router: Router) -> None:
    """Past 64 KiB aiohttp's parser refuses the request before LARouter sees it (no hook exists for that answer):
    a 400, the connection closed, the daemon fine."""
    status, _, _ = raw(router, "GET", "/api/usage?x=" + "a" * 70_000)
    assert status == 400
    assert raw(router, "GET", "/health")[0] == 200


def test_the_daemon_answers_in_json_and_never_logs_a_token(home: Path) -> None:
    """The real larouterd: a 9 KB query is a JSON 414; a 70 KB Authorization header (past the parser's room) is
    aiohttp's plain 400 (which quotes the header's start back to its sender: no hook changes that), logged as one
    warning line without the header's bytes."""
    token = "lr_sk_" + "T0pS3cr3t" * 8000
    with larouterd(home) as (url, _proc):
        status, headers, body = raw(url, "GET", "/api/usage?x=" + "a" * 9000)
        openai_error(status, headers, body, 414, "uri_too_long")
        assert raw(url, "GET", "/api/config", {"Authorization": f"Bearer {token}"})[0] == 400
        assert raw(url, "GET", "/health")[0] == 200
    log = daemon_log(home)
    assert "refused a malformed request (LineTooLong, HTTP 400)" in log, log
    assert "T0pS3cr3t" not in log and "Traceback" not in log
