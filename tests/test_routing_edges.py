"""`auto` at its edges, through the openai SDK: the default project takes `routing.policy`, a provider's refusal of
the prompt's content is the client's answer (never routed round, nothing cools), `local-only` never calls a cloud
model its chains name, the vision and forced-tool filters read the whole request, and a failed local start is
recorded under its model."""

from __future__ import annotations

import csv
import io
from typing import Any, Callable
from urllib.request import urlopen

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, register, wait_until

CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")
LOCAL = '\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'


def sdk(router: Router, key: str = "x") -> openai.OpenAI:
    return openai.OpenAI(base_url=router.v1, api_key=key, max_retries=0)


def test_the_default_project_takes_routing_policy_on_a_fresh_home(make_router: Callable[..., Router],
                                                                  fake: Fake) -> None:
    """`policy = "local-only"` on a new home: calls without a project token (the default project) stay local."""
    router = make_router(extra_toml=LOCAL.format(url=fake.url), env={"LAROUTER_ROUTING__POLICY": "local-only"})
    status, default = http_json("GET", router.url + "/api/projects/default")
    assert status == 200 and default["routingPolicy"] == "local-only", default
    raw = sdk(router).chat.completions.with_raw_response.create(model="auto",
                                                               messages=[{"role": "user", "content": CODING}])
    assert raw.headers["x-larouter-model"] == "local-fake"
    assert [r["model"] for r in fake.state.requests] == ["local-fake"]


CONTENT = '\n[routing.policies.cost-optimized]\nCOMPLEX = ["{first}", "gpt-fake"]\n'


@pytest.mark.parametrize("first", ["fake-filtered-400", "fake-flagged-403"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_content_refusal_is_the_clients_answer(make_router: Callable[..., Router], fake: Fake, first: str,
                                                 stream: bool) -> None:
    """A provider refusing the prompt's content (Azure's 400 content_filter, a moderation 403 "flagged" naming the
    model): relayed with its status, not sent on to the next candidate, and the model does not cool down for the
    others (it did, for everyone, on one client's flagged prompt)."""
    router = make_router(extra_toml=CONTENT.format(first=first))
    with pytest.raises(openai.APIStatusError) as info:
        sdk(router).chat.completions.create(model="auto", messages=[{"role": "user", "content": CODING}],
                                            stream=stream)
    assert info.value.status_code == int(first[-3:]) and "refused the content" in info.value.message, info.value.body
    assert [r["model"] for r in fake.state.requests] == [first]
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": [{"role": "user", "content": CODING}]})
    assert out["candidates"][0]["model"] == first and out["candidates"][0]["usable"], out  # not cooling


CLOUD_IN_LOCAL_ONLY = LOCAL + '[routing.policies.local-only]\nCOMPLEX = ["gpt-fake", "local"]\n'


def test_local_only_never_calls_a_cloud_model_its_chain_names(make_router: Callable[..., Router], fake: Fake) -> None:
    """A `local-only` chain configured to name a cloud model: that candidate is skipped, saying why; the local model
    serves; with no local model left, 503, and the cloud is never called."""
    router = make_router(extra_toml=CLOUD_IN_LOCAL_ONLY.format(url=fake.url))
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "lo", "routingPolicy": "local-only"})
    status, out = http_json("POST", f"{router.url}/api/route/explain?projectId={proj['id']}",
                            {"messages": [{"role": "user", "content": CODING}]}, headers=router.admin)
    cloud = next(c for c in out["candidates"] if c["model"] == "gpt-fake")
    assert status == 200 and not cloud["usable"] and "local-only policy never calls" in cloud["skipped"], out
    raw = sdk(router, proj["token"]).chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": CODING}])
    assert raw.headers["x-larouter-model"] == "local-fake"
    assert [r["model"] for r in fake.state.requests] == ["local-fake"]


PLAIN_FIRST = ('\n[providers.plain]\nbase_url = "{url}/v1"\napi_key_env = "FAKE_KEY"\nmodels = ["plain-model"]\n'
               'vision = false\ntools = false\n'
               '[routing.policies.cost-optimized]\nSIMPLE = ["plain-model", "gpt-fake"]\n'
               'MEDIUM = ["plain-model", "gpt-fake"]\nCOMPLEX = ["plain-model", "gpt-fake"]\n'
               'HEARTBEAT = ["plain-model", "gpt-fake"]\n')
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
FUNCTIONS = [{"name": "shell", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}]


@pytest.mark.parametrize("case", ["image ten turns back", "legacy forced function_call"])
def test_vision_and_forced_tools_are_read_from_the_whole_request(make_router: Callable[..., Router], fake: Fake,
                                                                 case: str) -> None:
    """A screenshot ten turns back still needs vision; a legacy `function_call` naming a function forces a tool:
    the model without them is passed by (it was sent the request)."""
    router = make_router(extra_toml=PLAIN_FIRST.format(url=fake.url), env={"LAROUTER_ROUTING__STICKY_SECONDS": "0"})
    extra: dict[str, Any] = {}
    if case == "image ten turns back":
        messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "look"}, IMAGE]}]
        for question in ("What colour is the car?", "Is anyone in it?", "Which street is this?", "Is it raining?",
                         "How old does the building look?", "Any shop signs?", "What time of day?",
                         "Is the door open?", "How many windows?", "Anything unusual?"):
            messages += [{"role": "assistant", "content": f"Looking again: {question.lower()}"},
                         {"role": "user", "content": question}]
    else:
        messages = [{"role": "user", "content": "List the files here."}]
        extra = {"functions": FUNCTIONS, "function_call": {"name": "shell"}}
    raw = sdk(router).chat.completions.with_raw_response.create(model="auto", messages=messages, **extra)
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers.get("x-larouter-reason")
    assert [r["model"] for r in fake.state.requests] == ["gpt-fake"], raw.headers["x-larouter-reason"]


def test_a_local_model_that_did_not_start_is_recorded_under_its_name(make_router: Callable[..., Router],
                                                                       tmp_path: Any) -> None:
    """`auto` whose last candidate is a local model that could not start: the row names that model (it said "auto"
    in /api/usage's byModel), as the x-larouter-model header does."""
    broken = tmp_path / "llama-server"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + bytes(64))
    router = make_router(extra_toml=f'\n[local]\nllama_server = "{broken}"\nmax_restarts = 0\n',
                         env={"LAROUTER_ROUTING__POLICY": "local-only"})
    status, out = register(router, {"id": "bad", "path": str(gguf)})
    assert status in (200, 201), out
    with pytest.raises(openai.APIStatusError) as info:
        sdk(router).chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi"}])
    assert info.value.response.headers["x-larouter-model"] == "bad", info.value.body

    def rows() -> list[dict[str, str]]:
        with urlopen(router.url + "/api/usage/export?period=all") as resp:
            return list(csv.DictReader(io.StringIO(resp.read().decode())))

    wait_until(lambda: len(rows()) == 1, 10, "the call's row")
    assert rows()[0]["model"] == "bad", rows()
    by_model = http_json("GET", router.url + "/api/usage")[1]["byModel"]
    assert list(by_model) == ["bad"], by_model


@pytest.mark.parametrize(("status", "message", "code", "refusal"), [
    (403, 'm requires moderation on OpenAI. Your input was flagged for "violence".', None, True),
    (400, "Your request was flagged as potentially violating our usage policy", "invalid_prompt", True),
    (400, "The response was filtered due to the prompt triggering the content management policy", "content_filter",
     True),
    (400, "Unrecognized request argument supplied: flagged", None, False),
    (403, "Your account has been flagged for potential abuse", None, False),
    (400, "your messages resulted in 9000 tokens (flagged as too long)", "context_length_exceeded", False),
    (404, "The model `flagged-beta` does not exist", "model_not_found", False),
])
def test_only_a_refusal_of_the_content_is_taken_for_one(status: int, message: str, code: str | None,
                                                        refusal: bool) -> None:
    """Review I: any 4xx with the word "flagged" was relayed as a content refusal (no failover): only the content
    codes, or a message saying the input was flagged (with no code), are."""
    from larouter.proxy.upstream import content_refusal

    assert content_refusal(status, message, code) is refusal


def test_a_patched_routing_policy_says_the_default_project_keeps_its_own(router: Router,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """`config set routing.policy local-only` on a running daemon changes new projects only: a warning says so and
    how to change the default project's (tokenless calls kept going to the cloud, unsaid)."""
    import logging

    with caplog.at_level(logging.WARNING, logger="larouter.projects"):
        status, _ = http_json("PATCH", router.url + "/api/config", {"routing": {"policy": "local-only"}})
    assert status == 200
    assert any("the default project (requests without a project token) keeps cost-optimized" in r.getMessage()
               for r in caplog.records), caplog.text
