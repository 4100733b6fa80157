"""A client's own `X-Request-ID` is the call's id: echoed as `x-request-id`, named in the access log and sent to
the provider, so the client's, LARouter's and the provider's logs can be joined; an id that is not sane is ignored."""

from __future__ import annotations

import logging
import re
from typing import Callable

import openai
import pytest
from aiohttp import web

from tests.conftest import Fake, Router
from tests.support.servers import BackgroundLoop, exported_rows, http_json, http_raw, wait_until

HI = [{"role": "user", "content": "hi"}]
ROUTED = '\n[routing.policies.cost-optimized]\nSIMPLE = ["fake-500", "gpt-fake"]\nMEDIUM = ["fake-500", "gpt-fake"]\n'


def client(router: Router, request_id: str) -> openai.OpenAI:
    """An SDK client sending this X-Request-ID on every request."""
    return openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0, default_headers={"X-Request-ID": request_id})


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("model", ["gpt-fake", "auto"])
def test_the_clients_request_id_is_echoed_logged_and_forwarded(make_router: Callable[..., Router], fake: Fake,
                                                               caplog: pytest.LogCaptureFixture, stream: bool,
                                                               model: str) -> None:
    """Named or routed (with a failover: each upstream attempt carries it), streamed or not."""
    caplog.set_level(logging.INFO, "larouter.access")
    router = make_router(extra_toml=ROUTED)
    raw = client(router, "trace 42/abc").chat.completions.with_raw_response.create(model=model, messages=HI,
                                                                                    stream=stream)
    if stream:
        list(raw.parse())
    assert raw.headers["x-request-id"] == "trace 42/abc", raw.headers
    sent = [h.get("X-Request-ID") for h in fake.state.headers]
    assert sent == (["trace 42/abc"] * (2 if model == "auto" else 1)), sent
    wait_until(lambda: 'id="trace 42/abc" ' in caplog.text, what="the access-log line")  # quoted: a space forges none


def test_an_error_echoes_the_clients_request_id(router: Router) -> None:
    """A 404 for an unknown model carries the client's id too, and so does `/v1/models`."""
    with pytest.raises(openai.NotFoundError) as info:
        client(router, "req-7").chat.completions.create(model="no-such-model", messages=HI)
    assert info.value.response.headers["x-request-id"] == "req-7"
    assert client(router, "req-8").models.with_raw_response.list().headers["x-request-id"] == "req-8"


@pytest.mark.parametrize("bad", ["x" * 129, "tab\there"])
def test_an_id_that_is_not_sane_is_ignored(router: Router, fake: Fake, bad: str) -> None:
    """Over 128 characters or with a control character: a generated id is used, echoed and forwarded."""
    raw = client(router, bad).chat.completions.with_raw_response.create(model="gpt-fake", messages=HI)
    ours = raw.headers["x-request-id"]
    assert re.fullmatch("[0-9a-f]{16}", ours) and fake.state.headers[-1]["X-Request-ID"] == ours, ours


def test_a_non_ascii_id_is_ignored(router: Router, fake: Fake) -> None:
    """A non-ASCII id (Latin-1 bytes on the wire) is not forwarded; a generated one is."""
    status, _ = http_raw("POST", router.v1 + "/chat/completions", {"model": "gpt-fake", "messages": HI},
                         headers={"X-Request-ID": "caf\u00e9"})
    assert status == 200 and re.fullmatch("[0-9a-f]{16}", fake.state.headers[-1]["X-Request-ID"])


def test_a_request_refused_before_it_is_a_call_has_its_access_line(router: Router,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A refused token (401), a body that is no request (400) and an unknown path (404) carry an `x-request-id`, and
    the access log names it once, with the status and the error: a refused token had no line, so an operator could
    not see tokens being tried (review AJ). A call's error keeps its own single line."""
    from tests.support.servers import http_json

    caplog.set_level(logging.INFO, "larouter.access")
    status, project = http_json("POST", router.url + "/api/projects", {"name": "app"})
    assert status == 201, project
    cases = [({"Authorization": "Bearer lr_sk_not-a-token-of-any-project"}, {"model": "gpt-fake"}, 401),
             ({"Authorization": f"Bearer {project['token']}"}, [1], 400),
             ({"Authorization": f"Bearer {project['token']}", "X-Request-ID": "mine-404"}, {}, 404)]
    for headers, body, want in cases:
        path = "/v1/nothing-here" if want == 404 else "/v1/chat/completions"
        status, raw = http_raw("POST", router.url + path, body, headers=headers)
        assert status == want, raw
    ids = re.findall(r'^.*\bid=(\S+) .*status=(\d+) error=(\S+).*$', caplog.text, re.M)
    assert [(s, bool(e != "-")) for _, s, e in ids] == [("401", True), ("400", True), ("404", True)], caplog.text
    assert ids[2][0] == "mine-404" and "lr_sk_not" not in caplog.text
    with pytest.raises(openai.NotFoundError):
        client(router, "call-1").chat.completions.create(model="no-such-model", messages=HI)
    wait_until(lambda: "id=call-1 " in caplog.text, what="the call's access line")
    assert caplog.text.count("id=call-1 ") == 1, caplog.text


def test_a_token_sent_as_the_model_or_the_request_id_is_written_down_nowhere(router: Router, fake: Fake,
                                                                             caplog: pytest.LogCaptureFixture) -> None:
    """An agent whose `model` and `api_key` settings were swapped sends its own project token as the model name (or as
    its request id): the call is refused or served as before, but the token is kept to its listed prefix in the access
    log and the ledger (its CSV), and a token-shaped request id is not used, echoed or sent to the provider. The whole
    token was written to the access log, the ledger's `requested_model` and `request_id`, and the provider (review
    AY)."""
    caplog.set_level(logging.INFO, "larouter.access")
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "swapped"})
    assert status == 201, proj
    token = proj["token"]
    sdk = openai.OpenAI(base_url=router.v1, api_key=token, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.create(model=token, messages=HI)
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-fake", messages=HI,
                                                         extra_headers={"X-Request-ID": token})
    assert raw.headers["x-request-id"] != token and fake.state.headers[-1]["X-Request-ID"] == raw.headers["x-request-id"]
    mine = "job_lr_admin_panel_refresh"  # (no token: it does not start the word)
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-fake", messages=HI, extra_headers={"X-Request-ID": mine})
    assert raw.headers["x-request-id"] == mine, raw.headers
    rows = exported_rows(router.url, 3, proj["id"])
    assert {r["requested_model"] for r in rows} == {"gpt-fake", token[:len("lr_sk_") + 8] + "…"}, rows
    wait_until(lambda: caplog.text.count("project=" + proj["id"]) >= 3, what="the three access-log lines")
    assert token not in caplog.text and token not in str(rows), caplog.text



@pytest.mark.parametrize(("model", "upstream", "said"), [
    ("named", "fake-sse-error", "sent an error event mid-stream"), ("named", "fake-malformed", "not JSON"),
    *((model, "fake-drop", "dropped the connection mid-stream") for model in ("named", "auto")),
    *((model, "cut", "ClientPayloadError") for model in ("named", "auto"))])  # (`auto` passes by a stream that
# fails before its content, logging nothing: its reason says why)
def test_a_warning_about_an_upstreams_failure_names_the_call(make_router: Callable[..., Router], fake: Fake,
                                                               servers: BackgroundLoop, caplog: pytest.LogCaptureFixture,
                                                               model: str, upstream: str, said: str) -> None:
    """Review BA: the daemon's WARNING lines about an upstream that failed a call (an error event, a dropped
    connection, an event that is not JSON, a JSON answer cut short) named only the provider, so under concurrency
    they could not be joined to the call's access line or usage rows. Each begins with the call's id, as its access
    line writes it (quoted when it holds a space; a `%` in it is no format); named or routed."""
    caplog.set_level(logging.INFO)

    async def cut_short(request: web.Request) -> web.StreamResponse:  # a JSON answer whose body ends part-way
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.content_length = 4096
        await resp.prepare(request)
        await resp.write(b'{"id": "x", "choices": [')
        assert request.transport is not None
        request.transport.close()
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", cut_short)
    extra = f'\n[providers.cut]\nbase_url = "{servers.start(app)}/v1"\napi_key_env = "FAKE_KEY"\nmodels = ["cut-model"]\n'
    name = "cut-model" if upstream == "cut" else upstream
    extra += "\n[routing.policies.cost-optimized]\n" + "".join(
        f'{tier} = ["{name}", "gpt-fake"]\n' for tier in ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING"))
    router = make_router(extra_toml=extra)
    body = {"model": model if model == "auto" else name, "messages": HI, "stream": upstream != "cut"}
    status, _ = http_raw("POST", router.v1 + "/chat/completions", body, headers={"X-Request-ID": "job 7 %s %d"})
    assert status in (200, 502)
    wait_until(lambda: 'id="job 7 %s %d" project=' in caplog.text, what="the access-log line")
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and said in r.getMessage()]
    provider = "cut" if upstream == "cut" else "fake"
    assert len(warned) == 1 and warned[0].startswith(f'id="job 7 %s %d" provider {provider!r}'), warned
