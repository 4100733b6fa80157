"""What a local model cannot take: `auto` passes it by for another candidate, and a client naming it gets a 400 (an
image or audio part it has no input for made llama-server answer 500, relayed as a 502 that cooled the model for
every client; a tool named in `tool_choice`, or legacy `functions`, llama-server ignores: review AL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, http_raw
from tests.test_local_context import HEARTBEAT, with_tiny

AUDIO = {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}}
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
TOOL = {"type": "function", "function": {"name": "check", "parameters": {"type": "object", "properties": {}}}}


def beat(**extra: Any) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], **extra}


def tiny_in(plan: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in plan["candidates"] if c["model"] == "tiny")


@pytest.mark.parametrize(("body", "why"), [
    (beat(messages=[{"role": "user", "content": [{"type": "text", "text": HEARTBEAT}, AUDIO]}]),
     "request has audio; model takes no audio"),
    (beat(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "check"}}),
     "request names the tool to call (or uses legacy functions), which llama-server ignores"),
    (beat(functions=[TOOL["function"]]), "request names the tool to call (or uses legacy functions)"),
    (beat(tools=[TOOL], tool_choice="required"), None),
    (beat(functions=[TOOL["function"]], function_call="none"), None)])  # (a text answer asked for: review AM)
def test_auto_passes_by_a_local_model_that_cannot_take_the_request(make_router: Callable[..., Router], tmp_path: Path,
                                                                   fake: Fake, body: dict[str, Any],
                                                                   why: str | None) -> None:
    """Route explain says why; the call goes to the next candidate and its reason says why the free model was passed
    by, and the model is never started for it. `tool_choice: "required"` llama-server honours: the model stays."""
    router = with_tiny(make_router, tmp_path)
    status, plan = http_json("POST", router.url + "/api/route/explain", body)
    assert status == 200 and plan["tier"] == "HEARTBEAT", plan
    tiny = tiny_in(plan)
    if why is None:
        assert tiny["usable"] and plan["candidates"][0]["model"] == "tiny", plan
        return
    assert not tiny["usable"] and tiny["skipped"].startswith(why), tiny
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake" and f"local skipped: tiny: {why}" in raw.headers[
        "x-larouter-reason"], raw.headers
    assert http_json("GET", router.url + "/api/models/running")[1]["data"] == []


CHEAP = '\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\nvision = false\naudio = false\n'


@pytest.mark.parametrize("part", [IMAGE, AUDIO])
def test_a_local_model_named_with_a_part_it_cannot_take_is_a_400(make_router: Callable[..., Router], tmp_path: Path,
                                                                 fake: Fake, part: dict[str, Any]) -> None:
    """Named, a stopped catalog model (text only) and a running local provider set `vision = false`, `audio =
    false` answer 400 `unsupported_content` naming why, before any start or send (it was a 502 the SDKs retried)."""
    router = with_tiny(make_router, tmp_path, CHEAP.format(url=fake.url))
    messages = [{"role": "user", "content": [{"type": "text", "text": "what is this?"}, part]}]
    for model in ("tiny", "local-fake"):
        status, raw = http_raw("POST", router.v1 + "/chat/completions", {"model": model, "messages": messages})
        assert status == 400 and b'"code": "unsupported_content"' in raw.replace(b'":"', b'": "'), raw
        assert (b"images" if part is IMAGE else b"audio") in raw, raw
    assert not [r for r in fake.state.requests if r["model"] == "local-fake"]
    assert http_json("GET", router.url + "/api/models/running")[1]["data"] == []
