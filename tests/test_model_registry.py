"""Registering and removing user models: several changes at once, and a registry that cannot be written."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Callable

import openai
import pytest

from tests.conftest import Router
from tests.support.cli import ok_json, on
from tests.support.servers import register, router_call
from tests.support.tiny_gguf import write_tiny_gguf


async def user_ids(router: Router) -> set[str]:
    """The user models the catalog lists."""
    status, out = await router_call(router, "GET", "/api/models/catalog")
    assert status == 200, out
    return {m["id"] for m in out["data"] if m.get("user")}


async def test_models_registered_and_removed_at_once_are_all_kept(router: Router, home: Path, tmp_path: Path) -> None:
    """Forty registrations of different ids at once all succeed and all reach the file, each answered 201 (new) or,
    for an id sent again, 200; removals at once too (the registry's temporary file was shared: concurrent changes
    were 500s, and the models they had added in memory were missing from the file)."""
    gguf = write_tiny_gguf(tmp_path / "m.gguf")
    ids = [f"mine-{n}" for n in range(40)]
    answers = await asyncio.gather(*(router_call(router, "POST", "/api/models", {"id": i, "path": str(gguf)}, admin=True)
                                     for i in ids + ids[:5]))
    assert sorted(status for status, _ in answers) == [200] * 5 + [201] * 40, answers
    assert await user_ids(router) == set(ids)
    registry = home / "models" / "registered.json"
    assert {m["id"] for m in json.loads(registry.read_text())} == set(ids)
    answers = await asyncio.gather(*(router_call(router, "DELETE", f"/api/models/{i}", admin=True) for i in ids[:20]))
    assert [status for status, _ in answers] == [200] * 20, answers
    assert await user_ids(router) == set(ids[20:])
    assert {m["id"] for m in json.loads(registry.read_text())} == set(ids[20:])
    assert [p.name for p in registry.parent.iterdir() if p.name != "registered.json"] == []  # no temporary left
    answers = await asyncio.gather(*(router_call(router, "DELETE", f"/api/models/{ids[20]}", admin=True)
                                     for _ in range(8)))  # (one removal is done: the others are told it is gone)
    assert sorted(status for status, _ in answers) == [200] + [404] * 7, answers


async def test_a_registration_that_cannot_be_saved_changes_nothing(router: Router, home: Path, tmp_path: Path) -> None:
    """The registry file cannot be written (here: a directory stands in its place): an OpenAI-shaped 503 that says
    so, and the model is not registered (it was, in memory only, behind a 500, and gone at the next start)."""
    gguf = write_tiny_gguf(tmp_path / "m.gguf")
    (home / "models" / "registered.json").mkdir(parents=True)
    status, out = await router_call(router, "POST", "/api/models", {"id": "mine", "path": str(gguf)}, admin=True)
    assert status == 503, out
    assert out["error"]["code"] == "storage_error", out
    assert "the model registration was not saved" in out["error"]["message"], out
    assert await user_ids(router) == set()


ANY_NAMES = ["sha256-6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa", "model.bin", "MODEL.GGUF",
             "-starts-with-a-dash", "with space.gguf"]


@pytest.mark.llama
def test_a_gguf_of_any_name_is_registered_listed_started_and_removed(local_router: Callable[..., Router],
                                                                      tmp_path: Path) -> None:
    """A GGUF whose name does not end in `.gguf` (an Ollama blob `sha256-<hex>`, `model.bin`, `MODEL.GGUF`) was
    refused with "must be an absolute path to an existing .gguf file" (review AD 2): the README asks only for the
    GGUF magic. Each is registered by `larouter models add --path` and over HTTP, listed with its path, and one
    named so is started (llama-server's `-m`), answers a chat, stops and is removed."""
    router = local_router()
    tiny = tmp_path / "tiny.gguf"
    for n, name in enumerate(ANY_NAMES):
        copy = tmp_path / "blobs" / name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(tiny, copy)
        added = on(router, "models", "add", f"cli-{n}", "--path", str(copy), admin=True)
        assert added.exit_code == 0 and f"registered cli-{n} ({copy})" in added.stdout, added.output
        status, out = register(router, {"id": f"api-{n}", "path": str(copy)})
        assert status == 201 and out["localPath"] == str(copy) and out["downloaded"] == "local", out
    listed = {m["id"]: m["localPath"] for m in ok_json(router, "models", "list")}
    assert {listed[f"cli-{n}"] for n in range(len(ANY_NAMES))} == {str(tmp_path / "blobs" / n) for n in ANY_NAMES}
    started = on(router, "models", "start", "cli-0")
    assert started.exit_code == 0 and "cli-0 ready on port" in started.stdout, started.output
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="cli-0", messages=[{"role": "user", "content": "hi"}],
                                                           max_tokens=3)
    assert raw.headers["x-larouter-provider"] == "local:cli-0" and raw.parse().choices, raw.headers
    assert on(router, "models", "stop", "cli-0").exit_code == 0
    assert on(router, "models", "remove", "cli-0", "-y", admin=True).exit_code == 0
    assert "cli-0" not in {m["id"] for m in ok_json(router, "models", "list")}


def test_a_path_that_is_no_gguf_file_says_what_it_is(router: Router, tmp_path: Path) -> None:
    """A `path` LARouter cannot register is a 400 on `path` that says why, each its own way (it said "an existing
    .gguf file" for all): a relative path, a missing file, a directory, a FIFO (refused at once, not opened to
    wait for a writer), a device, a file that is not GGUF (`invalid_gguf`); nothing is registered."""
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    fifo = tmp_path / "fifo.gguf"
    os.mkfifo(fifo)
    (tmp_path / "text.bin").write_text("not a model\n")
    cases = [("tiny.gguf", "must be an absolute path to a GGUF file, got 'tiny.gguf'", "invalid_value"),
             ("~no-such-user-here/m.gguf", "must be an absolute path to a GGUF file", "invalid_value"),
             (str(tmp_path / "gone.gguf"), "does not exist (no such file)", "invalid_value"),
             (str(gguf) + "/x", "does not exist (no such file)", "invalid_value"),
             (str(tmp_path), "is not a regular file (it is a directory)", "invalid_value"),
             (str(fifo), "is not a regular file (it is a FIFO)", "invalid_value"),
             ("/dev/null", "is not a regular file (it is a device)", "invalid_value"),
             (str(tmp_path / "text.bin"), "is not a GGUF model file", "invalid_gguf"),
             (str(gguf) + "\0", "must not contain a NUL character", "invalid_value")]
    for path, words, code in cases:
        status, out = register(router, {"id": "bad", "path": path})
        error = out["error"]
        assert (status, error["param"]) == (400, "path") and words in error["message"], (path, out)
        assert error["code"] == code, (path, out)
    refused = on(router, "models", "add", "bad", "--path", str(fifo), admin=True)  # (the CLI's own check lets a FIFO by)
    line = " ".join(refused.stderr.split())
    assert refused.exit_code == 1 and "is not a regular file (it is a FIFO)" in line, refused.output
    assert ok_json(router, "models", "list") == []


async def test_the_health_of_a_model_never_started_has_every_key(router: Router, tmp_path: Path) -> None:
    """A registered model not started since the daemon came up, and a shipped one, answer health with the keys of a
    stopped model's (the README's pid, port, restarts, reason: `null`/0 with no process), not `{id, state,
    healthy}` alone (a script reading `h["restarts"]` failed on a fresh daemon: review AV)."""
    from larouter.openapi_schemas import MODEL_STATUS_PROPS

    status, out = await router_call(router, "POST", "/api/models", {"id": "mine", "path": str(
        write_tiny_gguf(tmp_path / "m.gguf"))}, admin=True)
    assert status == 201, out
    for model in ("mine", "gemma-4-e2b"):
        status, health = await router_call(router, "GET", f"/api/models/{model}/health")
        assert status == 200 and set(health) == {*MODEL_STATUS_PROPS, "healthy"}, health
        assert health | {"id": None} == {"id": None, "state": "stopped", "port": None, "baseUrl": None, "pid": None,
                                         "restarts": 0, "reason": None, "uptime": None, "startMs": None,
                                         "healthy": False}, health
