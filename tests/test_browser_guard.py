"""Loopback trust is for this machine's programs, not for the web pages its browser shows: a cross-site request
(CSRF: a form or `text/plain` POST needs no CORS preflight) and a DNS-rebinding page (same-origin, Host is the
attacker's name) are refused with 403 unless they carry a token; the CLI, the SDKs and local pages are unaffected."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit
from typing import Any, Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, http_raw

CHAT = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}


def send(router: Router, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, dict]:
    """One raw request with exactly these extra headers (a browser's, say); the body is sent as text/plain."""
    status, raw = http_raw(method, router.url + path, body, headers, "text/plain")
    return status, json.loads(raw or b"null")


def send_pairs(router: Router, method: str, path: str, pairs: list[tuple[str, str]],
               raw: bool = False) -> tuple[int, Any]:
    """One raw request with these header lines, a name repeated if listed twice (which urllib cannot send); the
    body parsed as JSON unless `raw`."""
    parts = urlsplit(router.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=any(name == "Host" for name, _ in pairs))
        for name, value in pairs:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        data = response.read()
        return response.status, data if raw else json.loads(data or b"null")
    finally:
        conn.close()


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},  # a sandboxed frame or a file:// page
    {"Origin": "http://127.0.0.1.evil.example:18790"},
    # not what a browser sends, and parsed strictly (review AF): userinfo, a path, a trailing dot (another origin)
    {"Origin": "http://evil.example@127.0.0.1:18790"},
    {"Origin": "http://127.0.0.1:18790/from/evil.example"},
    {"Origin": "http://localhost.:18790"},
    {"Origin": "http://localhost:99999"},
    {"Host": "evil.example@127.0.0.1:18790"},
    {"Sec-Fetch-Site": "cross-site"},
])
def test_a_cross_site_request_cannot_use_loopback_trust(router: Router, fake: Fake, headers: dict[str, str]) -> None:
    """A page elsewhere posting to the admin API or the proxy gets 403 naming why; nothing is created or spent."""
    status, body = send(router, "POST", "/api/projects", headers, {"name": "csrf-made"})
    assert status == 403, body
    assert body["error"]["type"] == "permission_error" and body["error"]["code"] == "browser_request_refused"
    assert "Authorization: Bearer" in body["error"]["message"]
    status, body = send(router, "POST", "/v1/chat/completions", headers, CHAT)
    assert status == 403 and body["error"]["code"] == "browser_request_refused"
    assert fake.state.requests == []
    status, projects = http_json("GET", router.url + "/api/projects")
    assert status == 200 and all(p["name"] != "csrf-made" for p in projects["data"])


def test_a_dns_rebinding_page_cannot_read_the_config(router: Router) -> None:
    """Same-origin after rebinding, but the browser names the attacker's host: 403, and no config in the body."""
    port = router.url.rsplit(":", 1)[1]
    status, body = send(router, "GET", "/api/config", {"Host": f"attacker.example:{port}"})
    assert status == 403 and body["error"]["code"] == "browser_request_refused"
    assert "attacker.example" in body["error"]["message"] and "providers" not in body
    assert send(router, "GET", "/api/config", {"Host": f"localhost:{port}"})[0] == 200
    assert send(router, "GET", "/api/config", {"Host": f"[::1]:{port}"})[0] == 200
    assert send(router, "GET", "/api/config", {"Host": f"{socket.gethostname()}:{port}"})[0] == 200  # (Debian: 127.0.1.1)
    assert send(router, "GET", "/api/config", {"Host": f"app.localhost:{port}"})[0] == 200


def test_a_repeated_origin_or_host_is_refused(router: Router, fake: Fake) -> None:
    """Two Origin (or Sec-Fetch-Site) headers, the first a harmless one: neither is believed (review AF), 403; a
    second Host is refused by the HTTP parser itself (400). One Origin from here is 200."""
    port = router.url.rsplit(":", 1)[1]
    here = [("Host", f"127.0.0.1:{port}")]
    for name, first, second in (("Origin", "http://localhost", "http://evil.example"),
                                ("Sec-Fetch-Site", "same-origin", "cross-site")):
        status, body = send_pairs(router, "GET", "/api/config", here + [(name, first), (name, second)])
        assert status == 403 and body["error"]["code"] == "browser_request_refused", body
        assert f"more than one {name} header" in body["error"]["message"] and "providers" not in body
    status, raw = send_pairs(router, "GET", "/api/config", here + [("Host", f"evil.example:{port}")], raw=True)
    assert status == 400 and b"providers" not in raw
    assert send_pairs(router, "GET", "/api/config", here + [("Origin", "http://localhost")])[0] == 200


def test_local_pages_tokens_and_sdks_still_work(router: Router, fake: Fake) -> None:
    """A page served from this machine may use the trust; a request with the admin token is the token's; the SDK and
    plain clients send no Origin and a loopback Host."""
    admin = (router.settings.home / "admin_token").read_text().strip()
    assert send(router, "GET", "/api/projects", {"Origin": "http://localhost:3000"})[0] == 200
    port = router.url.rsplit(":", 1)[1]
    for origin in (router.url, f"http://[::1]:{port}", "http://app.localhost", "https://127.0.0.1"):
        assert send(router, "GET", "/api/projects", {"Origin": origin})[0] == 200, origin
    assert send(router, "GET", "/api/projects", {"Origin": "http://evil.example",
                                                 "Authorization": f"Bearer {admin}"})[0] == 200
    status, created = http_json("POST", router.url + "/api/projects", {"name": "web-app"})
    assert status == 201
    status, _ = send(router, "POST", "/v1/chat/completions", {"Origin": "http://evil.example",
                                                              "Authorization": f"Bearer {created['token']}"}, CHAT)
    assert status == 200
    client = openai.OpenAI(base_url=router.v1, api_key="anything", max_retries=0)
    assert client.chat.completions.create(**CHAT).choices[0].message.content.startswith("echo:")
    assert len(fake.state.requests) == 2


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "Via"])
def test_a_request_a_proxy_forwarded_gets_no_loopback_trust(router: Router, fake: Fake, header: str) -> None:
    """Behind a reverse proxy on this host every network client arrives from 127.0.0.1: a forwarded request without a
    token (or with an SDK placeholder) is a 401 naming the header; nothing is created or spent; a token still works."""
    forwarded = {header: "for=192.0.2.7" if header == "Forwarded" else "1.1 proxy" if header == "Via" else "192.0.2.7"}
    for extra in ({}, {"Authorization": "Bearer unused-on-loopback"}):
        status, body = send(router, "POST", "/api/projects", forwarded | extra, {"name": "via-proxy"})
        assert status == 401 and body["error"]["code"] == "invalid_api_key", body
        assert header in body["error"]["message"] and "Authorization: Bearer" in body["error"]["message"]
        assert send(router, "POST", "/v1/chat/completions", forwarded | extra, CHAT)[0] == 401
    assert fake.state.requests == []
    admin = {"Authorization": f"Bearer {router.settings.home.joinpath('admin_token').read_text().strip()}"}
    status, created = send(router, "POST", "/api/projects", forwarded | admin, {"name": "via-proxy"})
    assert status == 201, created
    status, _ = send(router, "POST", "/v1/chat/completions",
                     forwarded | {"Authorization": f"Bearer {created['token']}"}, CHAT)
    assert status == 200 and len(fake.state.requests) == 1


def test_trust_loopback_off_needs_a_token_from_this_machine(make_router: Callable[..., Router], fake: Fake) -> None:
    """`server.trust_loopback = false` (for a forwarder that adds no header): a token on every request, as on a network
    bind; the admin token and project tokens work, through the SDK too."""
    router = make_router(env={"LAROUTER_SERVER__TRUST_LOOPBACK": "false"})
    for extra in ({}, {"Authorization": "Bearer unused-on-loopback"}):
        status, body = send(router, "GET", "/api/config", extra)
        assert status == 401 and body["error"]["code"] == "invalid_api_key", body
    client = openai.OpenAI(base_url=router.v1, api_key="unused-on-loopback", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(**CHAT)
    assert fake.state.requests == []
    status, config = http_json("GET", router.url + "/api/config", headers=router.admin)
    assert status == 200 and config["server"]["trust_loopback"] is False
    status, created = http_json("POST", router.url + "/api/projects", {"name": "tok"}, headers=router.admin)
    assert status == 201
    client = openai.OpenAI(base_url=router.v1, api_key=created["token"], max_retries=0)
    assert client.chat.completions.create(**CHAT).choices[0].message.content.startswith("echo:")
    status, out = http_json("PATCH", router.url + "/api/config", {"server": {"trust_loopback": True}},
                            headers=router.admin)
    assert status == 200 and out["restartRequired"] == ["server.trust_loopback"], out
