"""A request's headers are due within server.body_timeout: a connection that sends half a request line, or trickles
its headers, gets a JSON 408 and is closed; one that sends nothing is closed; a request under way, and an idle
keep-alive connection, are not cut (review AX 2). Against the real larouterd, over raw sockets."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp import web

from larouter import headerwait
from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, larouterd

DEADLINE = 1.0  # server.body_timeout in these tests
SLACK = 4.0  # a loaded CI machine


@pytest.fixture
def daemon(home: Path, fake: Fake, tmp_path: Path) -> Iterator[tuple[str, int]]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[server]\nbody_timeout = {DEADLINE}\n\n" + toml_config(fake.url))
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY)) as (url, _proc):
        yield url, int(url.rsplit(":", 1)[1])


def read_until_closed(sock: socket.socket, within: float) -> tuple[bytes, float]:
    """Everything the daemon sends until it closes the connection, and when it closed (monotonic); fails when it is
    still open after `within` seconds."""
    sock.settimeout(within)
    out = b""
    try:
        while chunk := sock.recv(4096):
            out += chunk
    except TimeoutError:
        raise AssertionError(f"the connection is still open after {within} s; got {out[:200]!r}") from None
    except ConnectionResetError:
        pass
    return out, time.monotonic()


def assert_408(raw: bytes) -> None:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), raw[:300]
    assert b"connection: close" in head.lower()
    err = json.loads(body)["error"]
    assert set(err) == {"message", "type", "param", "code"}, err
    assert err["code"] == "request_timeout" and "server.body_timeout" in err["message"], err


@pytest.mark.parametrize("sent", [b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", b"POST /v1/chat/compl"])
def test_half_a_request_gets_a_408_and_is_closed_at_the_deadline(daemon: tuple[str, int], home: Path,
                                                                   sent: bytes) -> None:
    """Half a request line or half the headers, then silence: a JSON 408 and the connection closed at the deadline."""
    _url, port = daemon
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(sent)
        raw, closed = read_until_closed(sock, DEADLINE + SLACK)
    assert_408(raw)
    assert DEADLINE * 0.9 <= closed - started <= DEADLINE + SLACK


def test_headers_trickled_are_cut_at_the_deadline(daemon: tuple[str, int]) -> None:
    """A byte every 0.1 s keeps the connection busy but never finishes the headers: cut at the deadline all the same
    (the timer is not reset by each byte)."""
    _url, port = daemon
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        raw, closed = read_until_closed(sock, DEADLINE + SLACK)
    assert closed - started <= DEADLINE + SLACK < len(request) * 0.1
    assert_408(raw)


def test_a_silent_connection_is_closed(daemon: tuple[str, int]) -> None:
    """A connection that sends nothing is closed at the deadline, with nothing said."""
    _url, port = daemon
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        raw, closed = read_until_closed(sock, DEADLINE + SLACK)
    assert raw == b"" and DEADLINE * 0.9 <= closed - started <= DEADLINE + SLACK


def request(path: str = "/health", body: bytes = b"") -> bytes:
    method = b"POST" if body else b"GET"
    return (b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (method, path.encode(), len(body))) + body


def read_answer(sock: socket.socket) -> bytes:
    """One answer with a Content-Length."""
    sock.settimeout(20)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


def test_keep_alive_and_requests_under_way_are_not_cut(daemon: tuple[str, int]) -> None:
    """A request whose answer takes longer than the deadline is answered; the connection then idles past the deadline
    (keep-alive: no request begun) and serves a second request; half a third one is then a 408 at the deadline."""
    _url, port = daemon
    slow = json.dumps({"model": "fake-delay", "messages": [{"role": "user", "content": "hi"}]}).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request("/v1/chat/completions", slow))  # answered after a second: longer than the deadline
        assert read_answer(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(DEADLINE * 2.5)  # idle between requests: not a late request
        sock.sendall(request())
        assert read_answer(sock).startswith(b"HTTP/1.1 200 ")
        body = json.dumps({"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode()
        for head, status in ((request("/v1/chat/completions", body)[:-len(body)], b"200"),  # the body comes later
                             (request("/v1/chat/completions", body)[:-len(body)].replace(
                                 b"\r\n\r\n", b"\r\nContent-Encoding: br\r\n\r\n"), b"415")):  # answered unread
            sock.sendall(head)
            time.sleep(0.3)
            sock.sendall(body)  # (a body's bytes, after its headers: no request's)
            assert read_answer(sock).startswith(b"HTTP/1.1 " + status)
            time.sleep(DEADLINE * 2.5)
        sock.sendall(request())
        assert read_answer(sock).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        raw, closed = read_until_closed(sock, DEADLINE + SLACK)
    assert_408(raw)
    assert DEADLINE * 0.9 <= closed - started <= DEADLINE + SLACK


def test_an_empty_line_between_requests_begins_none(daemon: tuple[str, int]) -> None:
    """A CRLF after an answered request (some clients send one after a POST's body) begins no request (RFC 9112 2.2:
    ignored): the connection idles past the deadline with no 408 and serves the next request (it got a 408 nobody had
    asked for, which a client could take for its next request's answer: review BH)."""
    _url, port = daemon
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request())
        assert read_answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"\r\n")
        time.sleep(DEADLINE * 2.5)
        sock.sendall(request())
        assert read_answer(sock).startswith(b"HTTP/1.1 200 ")


def test_many_late_connections_are_one_log_line(daemon: tuple[str, int], home: Path) -> None:
    """Twenty half requests cut at once are logged once (with a count a minute later, not a line each)."""
    url, port = daemon
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    try:
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
        for sock in socks:
            assert_408(read_until_closed(sock, DEADLINE + SLACK)[0])
    finally:
        for sock in socks:
            sock.close()
    lines = [line for line in daemon_log(home).splitlines() if "request headers did not come" in line]
    assert len(lines) == 1 and "WARNING" in lines[0] and "127.0.0.1:" in lines[0], lines


def test_the_aiohttp_internals_it_relies_on_are_there() -> None:
    """`larouter.headerwait` reaches into aiohttp: its runner's `_make_server` hook, and a RequestHandler's
    `_request_count`, `_messages` and `_waiter`. A new aiohttp that renames them fails here, by name, before any deadline breaks."""
    assert "_make_server" in vars(web.AppRunner), "aiohttp's AppRunner._make_server is gone"
    slots = {name for cls in web.RequestHandler.__mro__ for name in getattr(cls, "__slots__", ())}
    for name in ("_request_count", "_messages", "_waiter"):
        assert name in slots, f"aiohttp's RequestHandler.{name} is gone: larouter/headerwait.py must be updated"
    assert headerwait.HeaderDeadlineRunner._make_server is not web.AppRunner._make_server
