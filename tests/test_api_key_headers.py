"""A token may come in `X-Api-Key` or `api-key` (Azure-style clients) as well as `Authorization: Bearer`: a project
token there runs as that project, never as the loopback admin; two different tokens are a 400; none is echoed."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, http_raw, wait_until

CHAT = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}


def send(router: Router, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, str]:
    """One request with exactly these auth headers; (status, body text)."""
    status, raw = http_raw(method, router.url + path, body, headers)
    return status, raw.decode()


@pytest.fixture
def project(router: Router) -> dict[str, Any]:
    status, made = http_json("POST", router.url + "/api/projects", {"name": "azure-style"})
    assert status == 201
    return made


@pytest.mark.parametrize("header", ["X-Api-Key", "api-key", "API-KEY", "x-api-key"])
def test_a_project_token_in_an_api_key_header_runs_as_the_project(router: Router, project: dict[str, Any],
                                                                 header: str) -> None:
    """The project's token in X-Api-Key or api-key: its chat is billed to the project, and the admin API is a 403
    (it used to run as the loopback admin, billed to `default`)."""
    status, text = send(router, "POST", "/v1/chat/completions", {header: project["token"]}, CHAT)
    assert status == 200, text
    status, text = send(router, "GET", "/api/projects", {header: project["token"]})
    assert status == 403 and json.loads(text)["error"]["code"] == "forbidden", text
    usage = lambda pid: http_json("GET", router.url + f"/api/usage?projectId={pid}&period=all")[1]["totalCalls"]  # noqa: E731
    wait_until(lambda: usage(project["id"]) == 1, what="the call billed to the project")
    assert usage("default") == 0


def test_the_sdk_can_send_the_token_as_api_key(router: Router, project: dict[str, Any]) -> None:
    """The openai SDK with `Authorization` omitted and the token in `api-key` (as Azure-style clients send it)."""
    headers = {"Authorization": openai.Omit(), "api-key": project["token"]}
    client = openai.OpenAI(base_url=router.v1, api_key="unused", max_retries=0)
    assert client.chat.completions.create(**CHAT, extra_headers=headers).choices[0].message.content
    admin_api = openai.OpenAI(base_url=router.url, api_key="unused", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        admin_api.get("/api/projects", cast_to=object, options={"headers": headers})


@pytest.mark.parametrize("headers", [
    lambda t, o: {"Authorization": f"Bearer {t}", "X-Api-Key": o},
    lambda t, o: {"Authorization": "Bearer sk-sdk-placeholder", "api-key": t},  # a placeholder is no excuse
    lambda t, o: {"X-Api-Key": t, "api-key": o},
], ids=["bearer+x-api-key", "placeholder+api-key", "x-api-key+api-key"])
def test_different_tokens_in_two_headers_are_a_400(router: Router, fake: Fake, project: dict[str, Any], headers: Any,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Two headers carrying different tokens: 400 conflicting_credentials naming the headers, no token in the answer
    or the log, nothing sent to a provider."""
    status, other = http_json("POST", router.url + "/api/projects", {"name": "other"})
    sent = headers(project["token"], other["token"])
    with caplog.at_level(logging.DEBUG):
        status, text = send(router, "POST", "/v1/chat/completions", sent, CHAT)
    assert status == 400, text
    err = json.loads(text)["error"]
    assert (err["code"], err["type"]) == ("conflicting_credentials", "invalid_request_error"), err
    assert all(name in err["message"] for name in sent)
    for token in (project["token"], other["token"], "sk-sdk-placeholder"):
        assert token not in text and token not in caplog.text
    assert fake.state.requests == []


def test_the_same_token_in_every_header_is_fine(router: Router, project: dict[str, Any]) -> None:
    """A client that sends the token in Authorization and api-key alike is served as the project."""
    token = project["token"]
    status, text = send(router, "GET", "/api/projects", {"Authorization": f"Bearer {token}", "api-key": token,
                                                         "X-Api-Key": f"Bearer {token}"})
    assert status == 403, text  # the project, not the admin
    assert send(router, "GET", "/v1/models", {"Authorization": f"Bearer {token}", "api-key": token})[0] == 200


@pytest.mark.parametrize(("headers", "status"), [
    ({"X-Api-Key": "lr_sk_revoked_or_made_up_0123456789"}, 401),
    ({"api-key": ""}, 401),
    ({"api-key": "   "}, 401),
])
def test_a_bad_token_in_an_api_key_header_is_refused(router: Router, headers: dict[str, str], status: int) -> None:
    """A wrong or empty token in X-Api-Key/api-key is a 401, never the loopback admin."""
    got, text = send(router, "GET", "/api/config", headers)
    assert got == status and json.loads(text)["error"]["type"] == "authentication_error", text
    assert "providers" not in text


@pytest.mark.parametrize("header", [b"Authorization: Bearer lr_\xff\xfe", b"X-Api-Key: lr_sk_\xc3\xa9\xff",
                                    b"api-key: \xff"])
def test_a_token_that_is_not_ascii_is_a_401(router: Router, header: bytes) -> None:
    """Bytes no token has (not UTF-8, not ASCII) in a token header: a 401, not a 500."""
    host, port = router.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET /api/config HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + b"\r\nConnection: close\r\n\r\n")
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401"), raw
    assert json.loads(body)["error"]["type"] == "authentication_error" and b"providers" not in body


@pytest.mark.parametrize("name", ["Authorization", "X-Api-Key"])
async def test_one_header_twice_with_different_tokens_is_a_400(router: Router, fake: Fake, project: dict[str, Any],
                                                                name: str) -> None:
    """The same header twice with different tokens (a proxy in front adding its own): a 400, whichever comes first,
    never the admin's rights by the order; twice with the same token is that token."""
    import aiohttp

    admin = router.admin["Authorization"].split(" ", 1)[1]
    value = "Bearer {}".format if name == "Authorization" else str
    async with aiohttp.ClientSession() as s:
        for first, second in ((admin, project["token"]), (project["token"], admin)):
            async with s.get(router.url + "/api/projects", headers=[(name, value(first)), (name, value(second))]) as r:
                out = await r.json()
                assert r.status == 400 and out["error"]["code"] == "conflicting_credentials", out
                assert admin not in json.dumps(out) and project["token"] not in json.dumps(out)
        async with s.get(router.url + "/api/usage", headers=[(name, value(project["token"]))] * 2) as r:
            assert r.status == 200, await r.text()
    assert fake.state.requests == []
