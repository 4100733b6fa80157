"""Local models under `auto` routing, with the real llama-server: a policy may name a local model by its id (a
stopped one is started by the request), and one that fails to start cools down like any failed candidate."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import openai
import pytest

from tests.conftest import Router
from tests.test_local_models import call
from tests.support.tiny_gguf import write_tiny_gguf

pytestmark = pytest.mark.llama
HEARTBEAT = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old "
             "tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.")


async def test_a_policy_that_names_a_stopped_local_model_starts_it(local_router: Callable[..., Router]) -> None:
    """A routing policy may name a local model by its id, as chat may: stopped, it is a usable candidate that the
    request starts (before, "no configured provider serves it" sent every such heartbeat to the paid fallback)."""
    router = local_router(extra='\n[routing.policies.cost-optimized]\nHEARTBEAT = ["tiny", "gpt-fake"]\n')
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3}
    status, plan = await call(router, "POST", "/api/route/explain", body)
    assert status == 200 and plan["tier"] == "HEARTBEAT", plan
    assert plan["candidates"][0] == {"model": "tiny", "provider": None, "local": True, "usable": True,
                                     "skipped": None, "coolingDown": None}, plan
    raw = await openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions \
        .with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "tiny" and raw.headers["x-larouter-provider"] == "local:tiny", raw.headers
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["state"] == "ready", health


async def test_a_local_model_that_fails_to_start_cools_down_under_auto(local_router: Callable[..., Router],
                                                                       tmp_path: Path) -> None:
    """`auto` fails over from a local model that does not start, and that model then cools down like any failed
    candidate: listed last with its seconds left, not started again by every request. Before, its failure was put on
    no candidate (or on the one before it), so every heartbeat tried to start it again."""
    router = local_router(extra='\n[routing.policies.cost-optimized]\nHEARTBEAT = ["broken", "gpt-fake"]\n')
    broken = tmp_path / "broken.gguf"
    write_tiny_gguf(broken)
    broken.write_bytes(broken.read_bytes()[:4096])  # truncated: llama-server cannot load it
    status, out = await call(router, "POST", "/api/models", {"id": "broken", "path": str(broken), "contextLength": 2048})
    assert status == 201, out
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3}
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = await client.chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers
    assert "broken failed (model_start_failed)" in raw.headers["x-larouter-reason"], raw.headers["x-larouter-reason"]
    _, plan = await call(router, "POST", "/api/route/explain", body)
    assert [c["model"] for c in plan["candidates"]][-1] == "broken" and plan["candidates"][-1]["coolingDown"] > 0, plan
    _, logs = await call(router, "GET", "/api/models/broken/logs")
    starts = sum("[larouter] starting" in line for line in logs["lines"])
    raw = await client.chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake"
    _, logs = await call(router, "GET", "/api/models/broken/logs")
    assert sum("[larouter] starting" in line for line in logs["lines"]) == starts  # not started again while cooling
    await client.close()


async def test_a_local_model_that_fails_to_start_last_is_named_on_the_error(local_router: Callable[..., Router],
                                                                            tmp_path: Path) -> None:
    """When the last candidate tried is a local model that did not start, the error says so: `x-larouter-model`
    names it (no provider: it never had a server), after the tier and each candidate's failure."""
    router = local_router(extra='\n[routing.policies.cost-optimized]\nHEARTBEAT = ["fake-500", "broken"]\n')
    broken = tmp_path / "broken.gguf"
    write_tiny_gguf(broken)
    broken.write_bytes(broken.read_bytes()[:4096])  # truncated: llama-server cannot load it
    status, out = await call(router, "POST", "/api/models", {"id": "broken", "path": str(broken), "contextLength": 2048})
    assert status == 201, out
    status, out = await call(router, "PATCH", "/api/config", {"routing": {"default_model": "fake-500"}})
    assert status == 200, out
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3}
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        await client.chat.completions.create(**body)
    await client.close()
    headers = info.value.response.headers
    assert headers.get("x-larouter-tier") == "HEARTBEAT" and headers.get("x-larouter-model") == "broken", dict(headers)
    assert "x-larouter-provider" not in headers, dict(headers)
    assert headers["x-larouter-reason"].endswith("broken failed (model_start_failed)"), headers["x-larouter-reason"]
