"""Small things an OpenAI client runs into: `include_usage: null` (OpenAI's default), a base_url without `/v1`, the
`auto` entry of `/v1/models` (its `local` field, and `available` only when some model is), a misspelt model."""

from __future__ import annotations

from typing import Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json
from tests.test_explain_agrees import post

HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("stream", [False, True])
def test_include_usage_null_is_the_default(router: Router, fake: Fake, stream: bool) -> None:
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    out = client.chat.completions.create(model="gpt-fake", messages=HI, stream=stream,
                                         stream_options={"include_usage": None})  # type: ignore[typeddict-item]
    chunks = list(out) if stream else [out]
    assert chunks and all(getattr(c, "usage", None) is None for c in chunks if stream)
    status, _, body = post(router.v1 + "/chat/completions",
                           {"model": "gpt-fake", "messages": HI, "stream_options": {"include_usage": "yes"}})
    assert status == 400 and body["error"]["param"] == "stream_options.include_usage", body


@pytest.mark.parametrize(("method", "path", "hint"), [
    ("POST", "/chat/completions", "did you mean POST /v1/chat/completions?"),
    ("GET", "/models", "did you mean GET /v1/models?"),
    ("GET", "/models/gpt-fake", "did you mean GET /v1/models/gpt-fake?"),
    ("POST", "/embeddings", "/v1/embeddings is not proxied either"),
    ("POST", "/v1/chat/completions/", "did you mean POST /v1/chat/completions? no trailing slash"),  # (review AL)
    ("GET", "/v1/models/", "did you mean GET /v1/models? no trailing slash"),
    ("POST", "/chat/completions/", "did you mean POST /v1/chat/completions? no trailing slash")])  # (review AM)
def test_a_base_url_without_v1_is_told_so(router: Router, method: str, path: str, hint: str) -> None:
    status, out = http_json(method, router.url + path, {"model": "gpt-fake", "messages": HI} if method == "POST" else None)
    assert status == 404 and out["error"]["code"] == "not_found" and hint in out["error"]["message"], out
    status, out = http_json("GET", router.url + "/v1/chat/completions/")  # (POST only: no hint to a 405, review AM)
    assert status == 404 and "did you mean" not in out["error"]["message"], out
    status, out = http_json("GET", router.url + "/nothing-here")
    assert status == 404 and "did you mean" not in out["error"]["message"] and "/v1" not in out["error"]["message"]


@pytest.mark.parametrize(("path", "meant"), [
    ("/v1/models/gpt-fake/", "/v1/models/gpt-fake"), ("/v1/models/fake/gpt-fake//", "/v1/models/fake/gpt-fake"),
    ("/v1/models/gpt-fake%2F", "/v1/models/gpt-fake"), ("/models/gpt-fake/", "/v1/models/gpt-fake")])
def test_a_model_with_a_trailing_slash_is_told_so(router: Router, path: str, meant: str) -> None:
    """`GET /v1/models/ID/` gets the hint every other path with a trailing slash gets (it was "model 'gpt-fake/' does
    not exist here", which named no cause), as the SDK shows it; an id with `/` inside it is still one model."""
    status, out = http_json("GET", router.url + path)
    assert status == 404 and out["error"]["code"] == "not_found", out
    assert f"did you mean GET {meant}? no trailing slash" in out["error"]["message"], out
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.NotFoundError) as info:
        client.models.retrieve("gpt-fake/")
    assert "did you mean GET /v1/models/gpt-fake? no trailing slash" in str(info.value)
    assert client.models.retrieve("fake/gpt-fake").id == "fake/gpt-fake"
    status, out = http_json("GET", router.url + "/v1/models/fake%2Fgpt-fake")
    assert status == 200 and out["id"] == "fake/gpt-fake", out


def test_the_sdk_without_v1_reads_the_hint(router: Router) -> None:
    client = openai.OpenAI(base_url=router.url, api_key="x", max_retries=0)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-fake", messages=HI)
    assert "did you mean POST /v1/chat/completions?" in str(info.value)


def test_auto_entry_has_local_and_an_honest_available(make_router: Callable[..., Router]) -> None:
    """`auto` says `local: false` like every entry says `local`, and `available` only when some model is."""
    router = make_router()
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    models = client.models.list().model_dump()["data"]
    assert all("local" in m and "available" in m for m in models), models
    auto = models[0]
    assert auto["id"] == "auto" and auto["local"] is False and auto["available"] is True, auto
    assert client.models.retrieve("auto").model_dump()["local"] is False
    # no provider has a key (the fake's removed, the shipped ones' variables unset): nothing can serve `auto`
    status, _ = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": {"api_key_env": "LAROUTER_NO_KEY"}}},
                          headers=router.admin)
    assert status == 200
    models = client.models.list().model_dump()["data"]
    assert not any(m["available"] for m in models[1:]), models
    assert models[0]["available"] is False and client.models.retrieve("auto").model_dump()["available"] is False


@pytest.mark.parametrize(("model", "told"), [
    ("gpt-fak", "did you mean 'gpt-fake'?"), ("GPT-FAKE", "did you mean 'gpt-fake'?"),
    ("gemma-4-e4", "did you mean 'gemma-4-e4b'?"), ("brand-new-model", "named with the provider: 'fake/brand-new-model'")])
def test_an_unknown_model_says_what_is_there(router: Router, model: str, told: str) -> None:
    """A model nobody serves is a 404 that names the closest known model (a catalog one too), the models available now
    and where to see them all, or how to name a model the provider has that LARouter does not list; it named nothing."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model=model, messages=HI)
    assert (info.value.code, info.value.param) == ("model_not_found", "model")
    message = str(info.value)
    assert told in message and "Available now: auto, gpt-fake" in message and "GET /v1/models" in message, message
    status, _, explained = post(router.url + "/api/route/explain", {"model": model, "messages": HI})
    assert status == 404 and explained["error"]["message"] in message, explained
    if "named with the provider" in told:
        assert client.chat.completions.create(model=f"fake/{model}", messages=HI).choices
