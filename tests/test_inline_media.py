"""A prompt's inline images and recordings (base64) are no text: the context filter of `auto` and a usage estimate
count a typical number of tokens for each, not a token per 4 bytes of base64 (a 60 kB photo read as ~15,000 tokens
skipped an 8k-context vision model, and a `local-only` project got 503 for any real photo)."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any, Callable
from urllib.request import urlopen

import openai

from tests.conftest import Fake, Router
from tests.support.servers import http_json, wait_until

PHOTO = "data:image/jpeg;base64," + base64.b64encode(bytes(range(256)) * 240).decode()  # ~82 kB of base64
VISION_LOCAL = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
                'context_window = 8192\nvision = true\n')


def photo_question(text: str = "What is in this photo?") -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "text", "text": text},
                                         {"type": "image_url", "image_url": {"url": PHOTO}}]}]


def test_a_photo_fits_an_8k_vision_model(make_router: Callable[..., Router], fake: Fake) -> None:
    """The local vision model with an 8k context serves a question about an 82 kB photo (explain and a real call
    agree); a prompt whose text is over the window is still skipped."""
    router = make_router(extra_toml=VISION_LOCAL.format(url=fake.url))
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "lo-photo", "routingPolicy": "local-only"})
    explain = f"{router.url}/api/route/explain?projectId={proj['id']}"
    status, out = http_json("POST", explain, {"messages": photo_question()}, headers=router.admin)
    local = next(c for c in out["candidates"] if c["model"] == "local-fake")
    assert status == 200 and local["usable"], out
    client = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=photo_question())
    assert raw.headers["x-larouter-model"] == "local-fake" and fake.state.requests[-1]["model"] == "local-fake"
    long_text = photo_question("word " * 40_000)
    status, out = http_json("POST", explain, {"messages": long_text}, headers=router.admin)
    local = next(c for c in out["candidates"] if c["model"] == "local-fake")
    assert not local["usable"] and "exceeds its 8192-token context" in local["skipped"], local


def test_an_estimated_prompt_counts_the_photo_as_an_image(router: Router, fake: Fake) -> None:
    """A call whose provider reports no usable usage is estimated: the photo counts as ~1,000 tokens, not 20,000."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    client.chat.completions.create(model="fake-odd-usage", messages=photo_question())

    def rows() -> list[dict[str, str]]:
        with urlopen(router.url + "/api/usage/export?period=all") as resp:
            return list(csv.DictReader(io.StringIO(resp.read().decode())))

    wait_until(lambda: len(rows()) == 1, 10, "the call's row")
    row = rows()[0]
    assert row["tokens_estimated"] == "true" and 1_000 <= int(row["input_tokens"]) < 1_100, row
