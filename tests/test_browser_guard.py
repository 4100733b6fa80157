"""Loopback trust is for this machine's programs, not for the web pages its browser shows: a cross-site request
(CSRF: a form or `text/plain` POST needs no CORS preflight) and a DNS-rebinding page (same-origin, Host is the
attacker's name) are refused with 403 unless they carry a token; the CLI, the SDKs and local pages are unaffected."""

from __future__ import annotations

import json
import socket
from typing import Any

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, http_raw

CHAT = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}


def send(router: Router, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, dict]:
    """One raw request with exactly these extra headers (a browser's, say); the body is sent as text/plain."""
    status, raw = http_raw(method, router.url + path, body, headers, "text/plain")
    return status, json.loads(raw or b"null")


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},  # a sandboxed frame or a file:// page
    {"Origin": "http://127.0.0.1.evil.example:18790"},
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


def test_local_pages_tokens_and_sdks_still_work(router: Router, fake: Fake) -> None:
    """A page served from this machine may use the trust; a request with the admin token is the token's; the SDK and
    plain clients send no Origin and a loopback Host."""
    admin = (router.settings.home / "admin_token").read_text().strip()
    assert send(router, "GET", "/api/projects", {"Origin": "http://localhost:3000"})[0] == 200
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
