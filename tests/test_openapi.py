"""The OpenAPI document: served publicly, valid 3.1, in step with the routes, and true to real responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator
from urllib.request import Request, urlopen

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from larouter.app import make_app
from larouter.openapi import document
from larouter.runtime import load_runtime
from tests.conftest import Router
from tests.support.fake_hub import HUB, make_fake_hub
from tests.support.servers import BackgroundLoop, http_json, register

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def app_operations(tmp_path: Path) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route the app serves; HEAD twins of GET routes are implied."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    home = tmp_path / "routes-home"
    home.mkdir()
    app = make_app(load_runtime(cfg, env={"LAROUTER_HOME": str(home)}))
    ops = {(r.method.upper(), r.resource.canonical) for r in app.router.routes() if r.resource is not None}
    return {(m, p) for m, p in ops if not (m == "HEAD" and ("GET", p) in ops)}


def doc_operations() -> set[tuple[str, str]]:
    """(METHOD, path template) of every operation the document describes."""
    return {(m.upper(), path) for path, item in document()["paths"].items() for m in item if m in HTTP_METHODS}


def test_document_describes_exactly_the_routes(tmp_path: Path) -> None:
    served, described = app_operations(tmp_path), doc_operations()
    assert not served - described, f"routes missing from larouter/openapi.py: {sorted(served - described)}"
    assert not described - served, f"documented but not served: {sorted(described - served)}"
    assert ("GET", "/openapi.json") in served


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_document_is_valid_openapi_31() -> None:
    doc = document()
    assert doc["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.1 meta-schema
    for target in set(_refs(doc)):
        node: Any = doc
        for part in target.removeprefix("#/").split("/"):
            assert part in node, f"dangling $ref {target}"
            node = node[part]
    for path, item in doc["paths"].items():
        for method, oper in ((m, o) for m, o in item.items() if m in HTTP_METHODS):
            codes = set(oper["responses"])
            assert any(c.startswith("2") for c in codes), f"{method} {path} has no success response"
            assert oper["responses"]["default"] == {"$ref": "#/components/responses/Error"}, f"{method} {path}"
            assert oper.get("summary"), f"{method} {path} has no summary"
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"message", "type", "param", "code"}


def test_served_at_openapi_json_without_a_token(router: Router) -> None:
    for headers in ({}, {"Authorization": "Bearer lr_sk_not-a-real-token"}):
        with urlopen(Request(router.url + "/openapi.json", headers=headers), timeout=10) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("application/json")
            assert json.loads(resp.read()) == json.loads(json.dumps(document()))
    req = Request(router.url + "/v1/models", headers={"Authorization": "Bearer lr_sk_not-a-real-token"})
    with pytest.raises(Exception, match="401"):
        urlopen(req, timeout=10)


CHAT = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hello there"}]}


def _happy_path(project: str, admin: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, Case kwargs) covering every operation with real data, plus typical errors (`admin`: headers
    with the admin token, which changing the model registry or `server.port` needs)."""
    pid = {"path_parameters": {"id": project}}
    model = {"path_parameters": {"id": "gemma-4-e2b"}}
    return [
        ("GET", "/health", {}), ("GET", "/openapi.json", {}), ("GET", "/v1/models", {}),
        ("GET", "/v1/models/{id}", {"path_parameters": {"id": "gpt-fake"}}),
        ("GET", "/v1/models/{id}", {"path_parameters": {"id": "no-such-model"}}),
        ("POST", "/v1/chat/completions", {"body": CHAT}),
        ("POST", "/v1/chat/completions", {"body": {**CHAT, "stream": True}}),
        ("POST", "/v1/chat/completions", {"body": {**CHAT, "model": "auto"}}),
        ("POST", "/v1/chat/completions", {"body": {**CHAT, "model": "no-such-model"}}),
        ("POST", "/v1/chat/completions", {"body": {**CHAT, "model": "fake-500"}}),
        ("POST", "/v1/chat/completions", {"body": {"model": "auto", "messages": []}}),
        ("POST", "/api/route/explain", {"body": {"messages": CHAT["messages"]}}),
        ("POST", "/api/route/explain", {"body": {"messages": [{"role": "user", "content": "prove it"}]},
                                        "query": {"projectId": project}}),
        ("GET", "/api/projects", {}), ("GET", "/api/projects/{id}", pid),
        ("PUT", "/api/projects/{id}", {**pid, "body": {"budgetUsd": 5, "budgetWindow": "weekly"}}),
        ("POST", "/api/projects/{id}/rotate", pid),
        ("GET", "/api/projects/{id}", {"path_parameters": {"id": "proj_missing"}}),
        ("POST", "/api/projects", {"body": {"name": "openapi-probe"}}),
        ("GET", "/api/usage", {"query": {"projectId": project}}), ("GET", "/api/usage", {"query": {"period": "all"}}),
        ("GET", "/api/usage", {"query": {"period": "yearly"}}),
        ("GET", "/api/usage/daily", {"query": {"period": "weekly"}}),
        ("GET", "/api/usage/models", {"query": {"sort": "latency", "order": "asc"}}),
        ("GET", "/api/usage/export", {"query": {"period": "all"}}),
        ("GET", "/api/config", {}), ("PATCH", "/api/config", {"body": {"routing": {"default_model": "gpt-fake"}}}),
        ("PATCH", "/api/config", {"body": {"server": {"port": "abc"}}, "headers": admin}),
        ("GET", "/api/models/catalog", {}), ("GET", "/api/models/running", {}),
        ("POST", "/api/models", {"body": {"id": "mine", "repo": "owner/name", "file": "m-Q4_K_M.gguf"},
                                 "headers": admin}),
        ("GET", "/api/models/{id}/health", model), ("GET", "/api/models/{id}/logs", {**model, "query": {"lines": 5}}),
        ("POST", "/api/models/{id}/start", model), ("POST", "/api/models/{id}/stop", model),
        ("DELETE", "/api/models/{id}", {"path_parameters": {"id": "mine"}, "headers": admin}),
        ("POST", "/api/models/download", {"body": {"modelId": "gemma-4-e2b", "format": "gguf"}}),
        ("GET", "/api/models/downloads", {}),
        ("DELETE", "/api/models/download/{id}", {"path_parameters": {"id": "dl_0123456789abcdef"}}),
        ("GET", "/api/models/download/{id}/progress", {"path_parameters": {"id": "not-an-id"}}),
        ("DELETE", "/api/projects/{id}", pid),
    ]


def test_real_responses_match_the_document(make_router: Any, servers: BackgroundLoop) -> None:
    """Every operation answered for real (success and typical errors) conforms to its documented response."""
    hub = make_fake_hub()
    hub[HUB].add("fake-org/tiny-GGUF", "tiny.gguf", b"GGUF" + bytes(60))
    router = make_router(env={"HF_ENDPOINT": servers.start(hub), "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    status, made = http_json("POST", router.url + "/api/projects", {"name": "conformance", "budgetUsd": 1})
    assert status == 201
    status, _ = register(router, {"id": "tiny", "repo": "fake-org/tiny-GGUF", "file": "tiny.gguf"})
    assert status == 201
    schema = schemathesis.openapi.from_dict(document())
    seen = set()
    for method, path, kwargs in _happy_path(made["id"], router.admin):
        check(schema, router, method, path, kwargs)
        seen.add((method, path))
    assert seen == doc_operations()
    started = check(schema, router, "POST", "/api/models/download", {"body": {"modelId": "tiny"}}).json()
    dl = {"path_parameters": {"id": started["id"]}}
    text = check(schema, router, "GET", "/api/models/download/{id}/progress", dl).text
    assert "event: done" in text, text
    assert check(schema, router, "POST", "/api/models/download", {"body": {"modelId": "tiny"}}).status_code == 200
    check(schema, router, "DELETE", "/api/models/download/{id}", dl)


def check(schema: Any, router: Router, method: str, path: str, kwargs: dict[str, Any]) -> Any:
    """Send one case and validate status, content type and body against the document."""
    case = schema[path][method].Case(**kwargs)
    resp = case.call(base_url=router.url, timeout=30)
    case.validate_response(resp, checks=CHECKS)
    if resp.status_code >= 400:
        body = resp.json()
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    return resp


def test_explain_cooldown_and_budget_match_the_document(make_router: Any) -> None:
    """Explain's cooldown seconds and budget verdict (a model that just failed, a project with nothing left)
    conform to the documented candidate shape."""
    router = make_router()
    assert http_json("PATCH", router.url + "/api/config", {"routing": {"default_model": "fake-500"}})[0] == 200
    assert http_json("POST", router.v1 + "/chat/completions", {**CHAT, "model": "auto"})[0] == 502
    status, made = http_json("POST", router.url + "/api/projects", {"name": "spent", "budgetUsd": 0})
    assert status == 201
    schema = schemathesis.openapi.from_dict(document())
    out = check(schema, router, "POST", "/api/route/explain", {"body": {"messages": CHAT["messages"]},
                                                                "query": {"projectId": made["id"]}}).json()
    failed = next(c for c in out["candidates"] if c["model"] == "fake-500")
    assert failed["coolingDown"] > 0 and failed["skipped"].startswith("budget spent"), out
    assert out["budget"] == {"remaining": 0, "action": "402 budget_exceeded"}, out


def test_errors_the_daemon_answers_are_in_the_document(router: Router) -> None:
    """Statuses real requests get, each listed for its operation (review O: a generated client or a conformance
    check refused them): a catalog model not downloaded (409), an unknown project on the usage reports (404), a
    rename onto a taken name (409), a model registered anew (200), a model removed without the admin token (403)."""
    schema = schemathesis.openapi.from_dict(document())
    hello = {"model": "gemma-4-e4b", "messages": [{"role": "user", "content": "hi"}]}
    assert check(schema, router, "POST", "/v1/chat/completions", {"body": hello}).status_code == 409
    assert check(schema, router, "POST", "/api/route/explain", {"body": hello}).status_code == 409
    for path in ("/api/usage", "/api/usage/daily", "/api/usage/models", "/api/usage/export"):
        assert check(schema, router, "GET", path, {"query": {"projectId": "nope"}}).status_code == 404, path
    ids = [http_json("POST", router.url + "/api/projects", {"name": name})[1]["id"] for name in ("one", "two")]
    assert check(schema, router, "PUT", "/api/projects/{id}", {"path_parameters": {"id": ids[1]},
                                                               "body": {"name": "one"}}).status_code == 409
    model = {"id": "tiny", "repo": "fake-org/tiny-GGUF", "file": "tiny.gguf"}
    assert check(schema, router, "POST", "/api/models", {"body": model, "headers": router.admin}).status_code == 201
    assert check(schema, router, "POST", "/api/models", {"body": model, "headers": router.admin}).status_code == 200
    assert check(schema, router, "DELETE", "/api/models/{id}", {"path_parameters": {"id": "tiny"}}).status_code == 403
    big = {"headers": {"X-Big": "a" * 9000}}
    assert check(schema, router, "GET", "/api/projects", big).status_code == 431
