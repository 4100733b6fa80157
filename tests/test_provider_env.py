"""The shipped providers read their SDKs' base-URL variables by each SDK's convention."""

from __future__ import annotations

from typing import Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json


@pytest.mark.parametrize("suffix", ["", "/", "/v1"])
def test_anthropic_base_url_without_v1_reaches_the_chat_endpoint(make_router: Callable[..., Router], fake: Fake,
                                                                 suffix: str) -> None:
    """ANTHROPIC_BASE_URL as the Anthropic SDK takes it (no /v1) still reaches <base>/v1/chat/completions."""
    router = make_router(env={"ANTHROPIC_BASE_URL": fake.url + suffix, "ANTHROPIC_API_KEY": "sk-ant-fake-0123456789"})
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="claude-haiku-4-5",
                                                      messages=[{"role": "user", "content": "hello there"}])
    assert raw.headers["x-larouter-provider"] == "anthropic" and fake.state.requests[-1]["model"] == "claude-haiku-4-5"
    status, cfg = http_json("GET", router.url + "/api/config")
    assert status == 200 and cfg["providers"]["anthropic"]["base_url"] == fake.url + "/v1"
