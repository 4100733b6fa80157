"""A stopped local model is judged by the context it would be started with (`-c`), not by its catalog length."""

from __future__ import annotations

import contextlib
import os
import struct
from pathlib import Path
from typing import Any, Callable

import openai

from tests.conftest import LOCAL, Router
from tests.support.cli import ok_json, on
from tests.support.servers import http_json, http_raw, register, wait_until
from tests.support.tiny_gguf import N_CTX, write_tiny_gguf

HEARTBEAT = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old "
             "tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.")


def with_tiny(make_router: Callable[..., Router], tmp_path: Path, extra: str = "") -> Router:
    """A router with `[local] ctx_size = 2048` and the tiny GGUF registered as `tiny` with an 8,192-token context
    (its GGUF was trained with 4,096 tokens: the catalog's `contextLength` says that)."""
    router = make_router(extra_toml=LOCAL.format(restarts=0) + extra)
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    status, out = register(router, {"id": "tiny", "path": str(model), "contextLength": 8192})
    assert status == 201 and out["contextLength"] == N_CTX and out["ctxSize"] == 2048, out
    return router


def heartbeat(system_bytes: int) -> dict[str, Any]:
    """A heartbeat turn under a long system prompt (the router counts ~4 bytes a token)."""
    system = ("You are an agent; your workspace notes follow. " * (system_bytes // 48 + 1))[:system_bytes]
    return {"model": "auto", "max_tokens": 3,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": HEARTBEAT}]}


def test_a_prompt_over_local_ctx_size_skips_the_stopped_model_and_never_starts_it(
        make_router: Callable[..., Router], tmp_path: Path) -> None:
    """With `local.ctx_size = 2048`, a ~4,000-token heartbeat skips the stopped model (explain says why, naming the
    setting) and goes to the next candidate without starting it (before, it was started, refused the prompt, and
    only then was skipped)."""
    router = with_tiny(make_router, tmp_path)
    body = heartbeat(16_000)
    status, plan = http_json("POST", router.url + "/api/route/explain", body)
    assert status == 200 and plan["tier"] == "HEARTBEAT", plan
    tiny = next(c for c in plan["candidates"] if c["model"] == "tiny")
    assert not tiny["usable"] and "exceeds the 2048-token context it starts with (local.ctx_size)" in tiny["skipped"]
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers
    assert http_json("GET", router.url + "/api/models/running")[1]["data"] == []  # never started
    status, plan = http_json("POST", router.url + "/api/route/explain", heartbeat(2_000))
    assert plan["candidates"][0]["model"] == "tiny" and plan["candidates"][0]["usable"], plan  # a short one fits


def test_a_per_model_ctx_size_is_the_one_judged_and_listed(make_router: Callable[..., Router], tmp_path: Path) -> None:
    """`[local.models.tiny] ctx_size` decides both the chain filter and `models list --json`'s `ctxSize`, while
    `contextLength` stays the model's own."""
    router = with_tiny(make_router, tmp_path)
    status, _ = http_json("PATCH", router.url + "/api/config", {"local": {"models": {"tiny": {"ctx_size": 1024}}}})
    assert status == 200
    [listed] = ok_json(router, "models", "list")
    assert listed["id"] == "tiny" and listed["ctxSize"] == 1024 and listed["contextLength"] == N_CTX, listed
    status, plan = http_json("POST", router.url + "/api/route/explain", heartbeat(6_000))
    tiny = next(c for c in plan["candidates"] if c["model"] == "tiny")
    assert "exceeds the 1024-token context it starts with (local.models.tiny.ctx_size)" in tiny["skipped"], tiny


def register_huge(router: Router, tmp_path: Path) -> int:
    """Register `huge`: the tiny GGUF made a sparse file of four times the machine's memory (so it needs more RAM
    than is free, whatever is free); the machine's MemTotal."""
    huge = write_tiny_gguf(tmp_path / "huge.gguf")
    total = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                 if line.startswith("MemTotal:"))
    os.truncate(huge, 4 * total)
    status, out = register(router, {"id": "huge", "path": str(huge), "contextLength": 4096})
    assert status == 201, out
    return total


def test_a_stopped_model_too_big_for_the_free_memory_is_skipped_by_auto(make_router: Callable[..., Router],
                                                                       tmp_path: Path) -> None:
    """A downloaded model whose file needs more RAM than the machine has free (a sparse file of four times its
    memory stands in for it) is skipped by `auto` with the numbers, and never started: a start would swap or be
    killed by the kernel (it was started without a word, although the catalog said it could not run: review AC).
    The catalog's estimate is of the file on disk, with the context the model starts with."""
    router = make_router(extra_toml=LOCAL.format(restarts=0))
    total = register_huge(router, tmp_path)
    status, plan = http_json("POST", router.url + "/api/route/explain", heartbeat(200))
    assert status == 200 and plan["tier"] == "HEARTBEAT", plan
    cand = next(c for c in plan["candidates"] if c["model"] == "huge")
    assert not cand["usable"] and "GB of RAM to start" in cand["skipped"] and "GB available" in cand["skipped"], cand
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        **heartbeat(200))
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers
    assert http_json("GET", router.url + "/api/models/running")[1]["data"] == []  # never started
    [entry] = [m for m in http_json("GET", router.url + "/api/models/catalog")[1]["data"] if m["id"] == "huge"]
    assert entry["ramEstimateBytes"] > 4 * total and not entry["canRun"]["ok"], entry


def test_the_vision_projector_counts_in_the_memory_a_start_needs(make_router: Callable[..., Router]) -> None:
    """A shipped model on disk with a small model file but a vision projector four times the machine's memory (a
    sparse file): the start would load both, so `auto` skips it for memory (the projector was left out of the
    estimate, and the model was usable: review AE)."""
    from larouter.models.catalog import Catalog

    router = make_router(extra_toml=LOCAL.format(restarts=0))
    catalog = Catalog.load(router.settings.home)
    model = catalog.get("gemma-4-e2b")
    variant = model.variant()
    projector = catalog.mmproj_path(model, variant)
    assert projector is not None, model
    main = catalog.file_path(model, variant)
    main.parent.mkdir(parents=True, exist_ok=True)
    main.write_bytes(write_tiny_gguf(main.parent / "tiny.gguf").read_bytes())
    total = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                 if line.startswith("MemTotal:"))
    with open(projector, "wb") as fh:
        fh.truncate(4 * total)
    status, plan = http_json("POST", router.url + "/api/route/explain", heartbeat(200))
    cand = next(c for c in plan["candidates"] if c["model"] == "gemma-4-e2b")
    assert not cand["usable"] and "GB of RAM to start" in cand["skipped"], cand


def test_a_model_that_is_loading_is_not_skipped_for_the_memory_its_load_takes(make_router: Callable[..., Router],
                                                                            tmp_path: Path) -> None:
    """While a local model's llama-server starts (the operator's start of `huge`, whose load would take more memory
    than is free), `auto` judges it as it does a running model: usable, waited for, not skipped with `needs ~X GB
    of RAM to start` (its own load had taken that memory: review AF), as it is while stopped."""
    script = tmp_path / "loading-llama-server"
    script.write_text("#!/bin/sh\nexec sleep 60\n")  # spawned and never ready: it loads until it is stopped
    script.chmod(0o755)
    router = make_router(extra_toml=LOCAL.format(restarts=0) + f'llama_server = "{script}"\n')
    register_huge(router, tmp_path)
    status, plan = http_json("POST", router.url + "/api/route/explain", heartbeat(200))
    cand = next(c for c in plan["candidates"] if c["model"] == "huge")
    assert not cand["usable"] and "GB of RAM to start" in cand["skipped"], cand  # stopped: skipped
    with contextlib.suppress(OSError):  # (the start goes on when its client gives up waiting)
        http_raw("POST", router.url + "/api/models/huge/start", {}, timeout=0.5)
    wait_until(lambda: http_json("GET", router.url + "/api/models/huge/health")[1]["state"] == "starting",
               what="huge to be starting")
    status, plan = http_json("POST", router.url + "/api/route/explain", heartbeat(200))
    assert status == 200 and plan["tier"] == "HEARTBEAT", plan
    first = plan["candidates"][0]
    assert first["model"] == "huge" and first["usable"] and not first.get("skipped"), plan["candidates"]


def test_a_model_is_judged_by_the_context_its_gguf_was_trained_with(make_router: Callable[..., Router],
                                                                    tmp_path: Path) -> None:
    """`larouter models add --path` (its default --context-length 8192) of a GGUF trained with 4,096 tokens, under
    `local.ctx_size` 8192: llama-server caps the context at 4,096, so the catalog says 4,096 (`contextLength` and the
    stopped model's `ctxSize`), `auto` skips a ~5,000-token prompt without starting the model, a start asking more
    is a 400, and an override above it is capped too (the stopped model read 8192, and `auto` started it for a
    prompt it then refused: review AV)."""
    router = make_router(extra_toml=LOCAL.format(restarts=0).replace("ctx_size = 2048", "ctx_size = 8192"))
    added = on(router, "models", "add", "tiny", "--path", str(write_tiny_gguf(tmp_path / "tiny.gguf")), admin=True)
    assert added.exit_code == 0, added.output
    [listed] = ok_json(router, "models", "list")
    assert (listed["contextLength"], listed["ctxSize"]) == (N_CTX, N_CTX), listed
    body = heartbeat(20_000)
    status, plan = http_json("POST", router.url + "/api/route/explain", body)
    tiny = next(c for c in plan["candidates"] if c["model"] == "tiny")
    assert not tiny["usable"] and f"exceeds its {N_CTX}-token context" in tiny["skipped"], tiny
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers
    assert http_json("GET", router.url + "/api/models/running")[1]["data"] == []  # never started
    status, out = http_json("POST", router.url + "/api/models/tiny/start", {"ctxSize": 8192})
    assert status == 400 and f"at most the model's context length {N_CTX}" in out["error"]["message"], out
    status, _ = http_json("PATCH", router.url + "/api/config", {"local": {"models": {"tiny": {"ctx_size": 16384}}}})
    assert status == 200
    [listed] = ok_json(router, "models", "list")
    assert listed["ctxSize"] == N_CTX, listed


def test_a_crafted_gguf_header_leaves_the_registration_its_context(make_router: Callable[..., Router],
                                                                   tmp_path: Path) -> None:
    """A GGUF whose header nests arrays 5,000 deep (from an untrusted repo, or added by path): the trained context is
    unknown and the registration's stands; registering it is a 201 and the catalog lists it (the header reader ran out
    of stack: the registration was a 500, the catalog a 500 from then on and every later start exited 1: review BH)."""
    depth = 5_000
    kv = struct.pack("<Q", 1) + b"x" + struct.pack("<I", 9) + struct.pack("<IQ", 9, 1) * depth + struct.pack("<IQ", 0, 0)
    crafted = tmp_path / "crafted.gguf"
    crafted.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + kv)
    router = make_router(extra_toml=LOCAL.format(restarts=0))
    added = on(router, "models", "add", "crafted", "--path", str(crafted), admin=True)
    assert added.exit_code == 0, added.output
    status, catalog = http_json("GET", router.url + "/api/models/catalog")
    assert status == 200, catalog
    [entry] = [m for m in catalog["data"] if m["id"] == "crafted"]
    assert entry["contextLength"] == 8192, entry
