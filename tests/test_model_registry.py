"""Registering and removing user models: several changes at once, and a registry that cannot be written."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.conftest import Router
from tests.support.servers import router_call
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
    answers = await asyncio.gather(*(router_call(router, "POST", "/api/models", {"id": i, "path": str(gguf)})
                                     for i in ids + ids[:5]))
    assert sorted(status for status, _ in answers) == [200] * 5 + [201] * 40, answers
    assert await user_ids(router) == set(ids)
    registry = home / "models" / "registered.json"
    assert {m["id"] for m in json.loads(registry.read_text())} == set(ids)
    answers = await asyncio.gather(*(router_call(router, "DELETE", f"/api/models/{i}") for i in ids[:20]))
    assert [status for status, _ in answers] == [200] * 20, answers
    assert await user_ids(router) == set(ids[20:])
    assert {m["id"] for m in json.loads(registry.read_text())} == set(ids[20:])
    assert [p.name for p in registry.parent.iterdir() if p.name != "registered.json"] == []  # no temporary left


async def test_a_registration_that_cannot_be_saved_changes_nothing(router: Router, home: Path, tmp_path: Path) -> None:
    """The registry file cannot be written (here: a directory stands in its place): an OpenAI-shaped 503 that says
    so, and the model is not registered (it was, in memory only, behind a 500, and gone at the next start)."""
    gguf = write_tiny_gguf(tmp_path / "m.gguf")
    (home / "models" / "registered.json").mkdir(parents=True)
    status, out = await router_call(router, "POST", "/api/models", {"id": "mine", "path": str(gguf)})
    assert status == 503, out
    assert out["error"]["code"] == "storage_error", out
    assert "the model registration was not saved" in out["error"]["message"], out
    assert await user_ids(router) == set()
