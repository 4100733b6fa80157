"""Every `/v1/*` answer carries `x-request-id`, errors included; a routed call that failed everywhere says its tier
and every candidate's failure in `x-larouter-tier` / `x-larouter-reason`, and whose error it is (the last candidate
tried) in `x-larouter-model` / `x-larouter-provider`."""

from __future__ import annotations

import re
from typing import Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.test_explain_agrees import post
from tests.test_routing import DEAD_LOCAL, HEARTBEAT, agent_conversation, routed  # noqa: F401 (fixture)

ID = re.compile(r"^[0-9a-f]{16}$")
HI = [{"role": "user", "content": "hello there"}]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("model", "status"), [("fake-429", 429), ("fake-400", 400), ("fake-500", 502),
                                                ("no-such-model", 404)])
def test_a_named_models_error_carries_the_request_id(router: Router, model: str, status: int, stream: bool) -> None:
    """A provider's 429/400/5xx, or an unknown model, reaches the SDK with the call's x-request-id."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model=model, messages=HI, stream=stream)
    assert info.value.status_code == status and ID.match(info.value.response.headers.get("x-request-id", "")), \
        dict(info.value.response.headers)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("model", "status"), [("fake-429", 429), ("fake-400", 400), ("fake-500", 502),
                                                ("fake-hang", 504)])
def test_a_named_models_error_says_whose_it_is(router: Router, model: str, status: int, stream: bool) -> None:
    """A named model's error carries `x-larouter-model` and `x-larouter-provider`, as its answers and `auto`'s errors
    do (it carried neither); an unknown model, which has no target, carries neither."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model=model, messages=HI, stream=stream)
    headers = info.value.response.headers
    assert info.value.status_code == status, info.value.body
    assert (headers.get("x-larouter-model"), headers.get("x-larouter-provider")) == (model, "fake"), dict(headers)
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(model="no-such-model", messages=HI, stream=stream)
    assert not {"x-larouter-model", "x-larouter-provider"} & set(unknown.value.response.headers), \
        dict(unknown.value.response.headers)


def test_errors_before_the_call_and_model_lists_carry_a_request_id(router: Router) -> None:
    """A bad body (400), a bad token (401), an unknown /v1 path (404) and the model list all carry one."""
    for url, body, token, status in ((router.v1 + "/chat/completions", {"model": "gpt-fake", "messages": "hi"}, None, 400),
                                     (router.v1 + "/chat/completions", {"model": "gpt-fake", "messages": HI},
                                      "lr_sk_not-a-real-token", 401),
                                     (router.v1 + "/nope", {}, None, 404)):
        got, headers, out = post(url, body, token)
        assert got == status and "error" in out and ID.match(headers.get("x-request-id", "")), (url, got, headers)
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    assert ID.match(client.models.with_raw_response.list().headers["x-request-id"])
    assert ID.match(client.models.with_raw_response.retrieve("gpt-fake").headers["x-request-id"])


@pytest.mark.parametrize("stream", [False, True])
def test_every_candidate_failed_says_tier_and_each_failure(routed: Callable[..., Router], fake: Fake,
                                                           stream: bool) -> None:
    """A heartbeat whose local model is down and whose cloud candidates all answer 500 is a 502 with its id, its
    tier, a reason naming every candidate's failure, and the last candidate's model and provider."""
    fake.state.failing.update({"gpt-4.1-nano", "gpt-4o-mini", "gpt-fake"})
    client = openai.OpenAI(base_url=routed(DEAD_LOCAL).v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="auto", messages=agent_conversation(HEARTBEAT), stream=stream)
    headers = info.value.response.headers
    assert info.value.status_code == 502 and ID.match(headers.get("x-request-id", "")), dict(headers)
    assert headers.get("x-larouter-tier") == "HEARTBEAT", dict(headers)
    reason = headers.get("x-larouter-reason", "")
    assert reason.startswith("HEARTBEAT: ") and "policy cost-optimized" in reason, reason
    for name in ("local-fake", "gpt-4.1-nano", "gpt-4o-mini", "gpt-fake"):
        assert f"{name} failed (" in reason, reason
    assert (headers.get("x-larouter-model"), headers.get("x-larouter-provider")) == ("gpt-fake", "fake"), dict(headers)


@pytest.mark.parametrize("stream", [False, True])
def test_a_lone_candidate_that_failed_is_named(routed: Callable[..., Router], stream: bool) -> None:
    """A local-only project whose one local model is unreachable gets that model's 502, naming it and its provider,
    with the tier and the failure."""
    from tests.test_explain_agrees import project

    router = routed(DEAD_LOCAL)
    token = project(router, name="lone", routingPolicy="local-only")["token"]
    client = openai.OpenAI(base_url=router.v1, api_key=token, max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="auto", messages=HI, stream=stream)
    headers = info.value.response.headers
    assert info.value.status_code == 502 and headers.get("x-larouter-tier"), dict(headers)
    assert (headers.get("x-larouter-model"), headers.get("x-larouter-provider")) == ("local-fake", "cheap"), dict(headers)
    assert headers["x-larouter-reason"].endswith("local-fake failed (upstream_unreachable)"), headers["x-larouter-reason"]


def _exported_reasons(router: Router, project: str) -> list[str]:
    import csv
    import io
    from urllib.request import urlopen

    with urlopen(router.url + f"/api/usage/export?period=all&projectId={project}", timeout=30) as resp:
        rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
    return [row["reason"] for row in rows if row["status"] == "200"]  # (abandoned attempts have rows of their own)


def test_the_ledger_keeps_the_whole_reason_and_cuts_a_longer_one_at_a_word(routed: Callable[..., Router],
                                                                           fake: Fake) -> None:
    """Nine failures then a budget downgrade make a reason past 500 characters: the header and the usage row carry
    the same text, at most 500 characters, the failures cut at a word with an ellipsis (the header was cut
    mid-word) and the downgrade note whole at the end."""
    from tests.support.servers import http_json, wait_until
    from tests.test_explain_agrees import BODY, project

    failing = ["fake-500", "fake-429", "fake-429-retry", "fake-empty", "fake-notjson", "fake-200-error",
               "gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1-mini"]
    fake.state.failing.update({"gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1-mini"})
    chain = ", ".join(f'"{m}"' for m in [*failing, "gpt-5"])
    priced = "".join(f'[providers.fake.prices."{m}"]\ninput = 0.001\noutput = 0.001\n' for m in failing[:6])
    router = routed('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
                    f'[routing.policies.cost-optimized]\nCOMPLEX = [{chain}]\n{priced}')
    assert http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 0.001}})[0] == 200
    proj = project(router, name="long-reasons", budgetUsd=0.01)
    status, headers, _ = post(router.v1 + "/chat/completions", BODY, proj["token"])
    header = headers["x-larouter-reason"]
    assert status == 200 and headers["x-larouter-model"] == "local-fake" and 400 < len(header) <= 500, header
    assert all(f"{m} " in header for m in failing[:5]), header
    cut, note = header.split("... | budget ", 1)
    assert note.endswith("-> downgraded to local model local-fake") and not cut.endswith((" ", "|")), header
    wait_until(lambda: len(_exported_reasons(router, proj["id"])) >= 1, what="the usage row")
    (kept,) = _exported_reasons(router, proj["id"])
    assert kept == header, (kept, header)
    fake.state.failing.clear()  # the six fakes still fail, then gpt-4.1-nano answers: a reason of 256 to 500
    short = project(router, name="short-reason")
    status, headers, _ = post(router.v1 + "/chat/completions", BODY, short["token"])
    assert status == 200 and 256 < len(headers["x-larouter-reason"]) <= 500, headers
    wait_until(lambda: len(_exported_reasons(router, short["id"])) >= 1, what="the usage row")
    assert _exported_reasons(router, short["id"]) == [headers["x-larouter-reason"]]
    assert http_json("GET", router.url + "/health")[0] == 200


@pytest.mark.parametrize("stream", [False, True])
def test_errors_larouter_raises_for_a_named_model_say_whose_they_are(local_router: Callable[..., Router],
                                                                     stream: bool) -> None:
    """A named model LARouter can place but not serve yet is refused with its model named, as a provider's own error
    is (review AD 1: these carried neither header): a provider with no key names both; a catalog model not
    downloaded, and a local model not running with autostart off, name the model and no provider (no server, as
    under `auto`); an unknown model still names none."""
    router = local_router(extra="autostart = false\n")
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    for model, status, code, named in (("claude-sonnet-4-5", 503, "provider_unavailable",
                                        ("claude-sonnet-4-5", "anthropic")),
                                       ("fake/gpt-fake", 200, None, ("gpt-fake", "fake")),
                                       ("anthropic/claude-x", 503, "provider_unavailable", ("claude-x", "anthropic")),
                                       ("gemma4-e4b", 409, "model_not_downloaded", ("gemma-4-e4b", None)),
                                       ("tiny", 503, "model_not_running", ("tiny", None)),
                                       ("no-such-model", 404, "model_not_found", (None, None))):
        if status == 200:
            raw = client.chat.completions.with_raw_response.create(model=model, messages=HI, stream=stream)
            headers, got = raw.headers, raw.http_response.status_code
            raw.http_response.close()
        else:
            with pytest.raises(openai.APIStatusError) as info:
                client.chat.completions.create(model=model, messages=HI, stream=stream)
            headers, got = info.value.response.headers, info.value.status_code
            assert info.value.code == code, (model, info.value.body)
        assert got == status and ID.match(headers.get("x-request-id", "")), (model, dict(headers))
        assert (headers.get("x-larouter-model"), headers.get("x-larouter-provider")) == named, (model, dict(headers))
