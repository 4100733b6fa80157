"""`providers.<name>.stream_usage = false`: a provider that refuses `stream_options` still streams, through the
openai SDK; its stream's tokens are estimated in the ledger and marked so."""

from __future__ import annotations

import csv
import io
from typing import Callable
from urllib.request import urlopen

import openai
import pytest

from larouter.config import ConfigError
from tests.conftest import Fake, Router

MSGS = [{"role": "user", "content": "say hello to the strict server"}]


def rows(router: Router) -> list[dict[str, str]]:
    with urlopen(router.url + "/api/usage/export", timeout=30) as resp:
        return list(csv.DictReader(io.StringIO(resp.read().decode(), newline="")))


def stream_text(router: Router) -> str:
    client = openai.OpenAI(base_url=router.v1, api_key="unused-on-loopback", max_retries=0)
    chunks = client.chat.completions.create(model="fake-strict", messages=MSGS, stream=True)
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_a_provider_that_refuses_stream_options_streams_when_not_asked_for_usage(
        make_router: Callable[..., Router], fake: Fake) -> None:
    router = make_router("stream_usage = false\n")
    assert "hello to the strict server" in stream_text(router)
    assert "stream_options" not in fake.state.requests[-1]
    [row] = rows(router)
    assert (row["status"], row["tokens_estimated"]) == ("200", "true")
    assert int(row["input_tokens"]) > 0 and int(row["output_tokens"]) > 0


def test_by_default_a_refused_usage_request_is_sent_again_without_it(make_router: Callable[..., Router],
                                                                      fake: Fake) -> None:
    """A stream is sent with `stream_options.include_usage`; a server that refuses the field (its 422 named a field
    the client never sent, and under `auto` the candidate was passed by on every stream: review N) gets the request
    again without it, and the stream's tokens are estimated."""
    router = make_router()
    assert "hello to the strict server" in stream_text(router)
    first, again = fake.state.requests[-2:]
    assert first["stream_options"] == {"include_usage": True} and "stream_options" not in again
    [row] = rows(router)
    assert (row["status"], row["tokens_estimated"]) == ("200", "true")


def test_an_error_that_quotes_the_body_is_not_sent_again(make_router: Callable[..., Router], fake: Fake) -> None:
    """A 400 whose message quotes the request body (stream_options in it) is no refusal of the field: the request is
    sent once, its error relayed (it was sent twice, and the log advised `stream_usage = false`: review S)."""
    router = make_router()
    client = openai.OpenAI(base_url=router.v1, api_key="unused-on-loopback", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="context too long"):
        list(client.chat.completions.create(model="fake-quoting", messages=MSGS, stream=True))
    assert [r.get("stream_options") for r in fake.state.requests] == [{"include_usage": True}]


def test_the_setting_must_be_a_boolean(make_router: Callable[..., Router]) -> None:
    with pytest.raises(ConfigError, match=r"providers\.fake\.stream_usage: expected true or false"):
        make_router('stream_usage = "no"\n')
