"""A number JSON cannot carry (`1e999`, beyond a 64-bit float; NaN; Infinity) is a 400 naming where it is, on every
endpoint that reads a JSON body, and never reaches a provider; `larouter config set` refuses one before sending."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.cli import run

TOOL = {"type": "function", "function": {"name": "f", "parameters": {
    "type": "object", "properties": {"x": {"type": "number", "maximum": "@"}}}}}


def chat(value: str, where: str, surrogate: bool = False) -> bytes:
    """A chat body with `value` spliced in as raw JSON text at `where` (top-level field or inside a tool schema)."""
    text = "hi \\ud83d" if surrogate else "hi"  # a lone surrogate sends the body down Python's json, not orjson
    body: dict[str, Any] = {"model": "gpt-fake", "messages": [{"role": "user", "content": "@text"}]}
    if where == "tools":
        body["tools"] = [TOOL]
    else:
        body[where] = "@"
    return json.dumps(body).replace('"@text"', f'"{text}"').replace('"@"', value).encode()


async def send(router: Router, method: str, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as s:
        async with s.request(method, router.url + path, data=raw, headers={"Content-Type": "application/json"}) as r:
            return r.status, await r.json()


def refused(status: int, out: dict[str, Any], param: str | None, text: str) -> str:
    assert status == 400, out
    err = out["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["code"] == "invalid_json", err
    assert err["param"] == param and text in err["message"], err
    assert FAKE_KEY not in json.dumps(out) and "Traceback" not in json.dumps(out)
    return err["message"]


@pytest.mark.parametrize("surrogate", [False, True])
@pytest.mark.parametrize(("value", "where", "param"), [
    ("1e999", "temperature", "temperature"),
    ("-1e400", "top_p", "top_p"),
    ("1e999", "tools", "tools[0].function.parameters.properties.x.maximum"),
    ("Infinity", "tools", "tools[0].function.parameters.properties.x.maximum"),
    ("NaN", "temperature", "temperature"),
])
async def test_a_non_finite_number_in_chat_is_a_400_naming_it(router: Router, fake: Fake, value: str, where: str,
                                                              param: str, surrogate: bool) -> None:
    """1e999 (read as infinity), NaN and Infinity, top-level or deep in a tool schema: 400 naming the field, never
    sent on (it went out as `Infinity` or `null`)."""
    status, out = await send(router, "POST", "/v1/chat/completions", chat(value, where, surrogate))
    refused(status, out, param, value)
    assert fake.state.requests == []


@pytest.mark.parametrize(("method", "path", "raw", "param"), [
    ("POST", "/api/projects", b'{"name": "big", "budgetUsd": 1e999}', "budgetUsd"),
    ("PATCH", "/api/config", b'{"routing": {"sticky_seconds": 1e400}}', "routing.sticky_seconds"),
    ("POST", "/api/route/explain", b'{"messages": [{"role": "user", "content": "hi"}], "metadata": {"n": [1e999]}}',
     "metadata.n[0]"),
])
async def test_a_non_finite_number_is_the_same_400_on_every_endpoint(router: Router, method: str, path: str,
                                                                     raw: bytes, param: str) -> None:
    """Projects, config and route explain read bodies with the same loader: the same 400 naming the field."""
    status, out = await send(router, method, path, raw)
    refused(status, out, param, "1e")
    status, config = await send(router, "GET", "/api/config", b"")
    assert config["routing"]["sticky_seconds"] == 300.0


async def test_an_integer_of_hundreds_of_digits_is_a_400_not_a_500(router: Router, fake: Fake) -> None:
    """`max_tokens` of 401 digits: 'too large' (float() of it overflowed into a 500)."""
    raw = chat("1" + "0" * 400, "max_tokens")
    status, out = await send(router, "POST", "/v1/chat/completions", raw)
    assert status == 400 and out["error"]["param"] == "max_tokens", out
    assert "401 digits" in out["error"]["message"] and fake.state.requests == []


@pytest.mark.parametrize("value", ["1e400", "inf", "-inf", "nan", "[1, 1e999]"])
def test_config_set_refuses_a_non_finite_number(router: Router, value: str) -> None:
    """`larouter config set routing.sticky_seconds 1e400` says the value is not finite and sends nothing."""
    result = run("config", "set", "--url", router.url, "routing.sticky_seconds", "--", value)
    assert result.exit_code != 0 and f"{value!r}" in result.output and "finite" in result.output, result.output
    assert "not valid JSON" not in result.output
    assert not (router.settings.home / "runtime-config.json").exists()


async def test_an_integer_beyond_64_bits_in_an_unknown_field_reaches_the_provider_as_a_float(
        router: Router, fake: Fake) -> None:
    """As the README says: `seed` of 2^64 is sent on as the nearest 64-bit float; 2^64 - 1 and -2^63 exactly."""
    for value, sent in ((2**64, 1.8446744073709552e19), (2**64 - 1, 2**64 - 1), (-(2**63), -(2**63))):
        status, out = await send(router, "POST", "/v1/chat/completions", chat(str(value), "seed"))
        assert status == 200, out
        got = fake.state.requests[-1]["seed"]
        assert got == sent and type(got) is type(sent), (value, got)


@pytest.mark.parametrize(("patch", "param"), [({"local": {"idle_unload": 99999999999999999999999}}, "local.idle_unload"),
                                              ({"routing": {"cooldown": 1e20}}, "routing.cooldown")])
async def test_a_setting_far_past_any_sane_value_is_a_400(router: Router, patch: dict[str, Any], param: str) -> None:
    """`idle_unload = 99999999999999999999999` was stored and shown as 1e+23 seconds: a typo, refused with a 400
    naming the setting and its bound (the tenth review); the setting keeps its value."""
    status, before = await send(router, "GET", "/api/config", b"")
    status, out = await send(router, "PATCH", "/api/config", json.dumps(patch).encode())
    assert status == 400 and param in out["error"]["message"] and "at most 1e+15" in out["error"]["message"], out
    status, after = await send(router, "GET", "/api/config", b"")
    assert after == before
