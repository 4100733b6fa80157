"""The OpenAPI document: served publicly, valid 3.1, in step with the routes, and true to real responses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator
from urllib.request import Request, urlopen

import jsonschema_rs
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


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) of every operation in `doc`."""
    for path, item in doc["paths"].items():
        for method, oper in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, oper


def served(router: Router) -> dict[str, Any]:
    """The document as GET /openapi.json serves it."""
    with urlopen(router.url + "/openapi.json", timeout=10) as resp:
        return json.loads(resp.read())


def test_every_operation_has_a_stable_unique_operation_id(router: Router) -> None:
    """Review BJ 4: no operation had an operationId, so generators named their methods after path and method
    (`post_api_models_id_start`), renamed by any path change. Each now has one: unique, camelCase, the OpenAI
    names where OpenAI has the operation."""
    ids = {(method, path): oper.get("operationId") for method, path, oper in operations(served(router))}
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)*", i) for i in ids.values()), ids
    assert len(set(ids.values())) == len(ids), sorted(ids.values())
    assert ids[("POST", "/v1/chat/completions")] == "createChatCompletion"
    assert ids[("GET", "/v1/models")] == "listModels" and ids[("GET", "/v1/models/{id}")] == "retrieveModel"
    assert ids[("POST", "/api/projects")] == "createProject" and ids[("POST", "/api/models/{id}/start")] == "startModel"


def test_a_project_token_reads_its_usage_as_a_generated_client_asks(router: Router) -> None:
    """Review BJ 1: the usage reports' `projectId` was documented with `default: "default"`, which a generated
    client always sends: a project token's plain "my usage" call got 403 (its own project is what leaving it out
    means). The request a client builds from the document's defaults now reads the token's own project."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": "my-app"})
    assert status == 201
    schema = schemathesis.openapi.from_dict(served(router))
    token = {"Authorization": f"Bearer {made['token']}"}
    for method, path, oper in operations(served(router)):
        if not path.startswith("/api/usage"):
            continue
        query = {p["name"]: p["schema"]["default"] for p in oper["parameters"] if "default" in p["schema"]}
        resp = check(schema, router, method, path, {"query": query, "headers": token})
        assert resp.status_code == 200, (path, query, resp.text)
        project = next(p for p in oper["parameters"] if p["name"] == "projectId")
        assert "default" not in project["schema"] and "own project" in project["description"], (path, project)
    assert http_json("GET", router.url + "/api/usage", headers=token)[1]["projectId"] == made["id"]


def test_a_policy_the_config_defines_is_valid_for_projects_in_the_document(make_router: Any) -> None:
    """Review BJ 2: `routingPolicy` of a project's create and update bodies was an enum of the built-in policies, so
    the document (and a client generated from it) refused a policy the config defines, which the server takes. It
    is a string now, the built-ins its examples; an unknown name is still the server's 400."""
    router = make_router(extra_toml='\n[routing.policies.nightly]\nCOMPLEX = ["gpt-fake"]\n')
    doc = served(router)
    for name, body in (("ProjectCreate", {"name": "night-app", "routingPolicy": "nightly"}),
                       ("ProjectUpdate", {"routingPolicy": "nightly"})):
        jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
                                        ).validate(body)
        assert doc["components"]["schemas"][name]["properties"]["routingPolicy"]["examples"] == [
            "cost-optimized", "balanced", "quality-first", "local-only"]
    schema = schemathesis.openapi.from_dict(doc)
    made = check(schema, router, "POST", "/api/projects", {"body": {"name": "night-app", "routingPolicy": "nightly"}})
    assert made.status_code == 201 and made.json()["routingPolicy"] == "nightly"
    pid = {"path_parameters": {"id": made.json()["id"]}}
    assert check(schema, router, "PUT", "/api/projects/{id}", {**pid, "body": {"routingPolicy": "balanced"}}
                 ).status_code == 200
    bad = check(schema, router, "PUT", "/api/projects/{id}", {**pid, "body": {"routingPolicy": "weekly"}})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "routingPolicy", bad.text


def test_conflicting_tokens_are_a_listed_400_and_no_response_goes_unused(router: Router) -> None:
    """Review BJ 5: two different tokens are a 400 `conflicting_credentials` wherever a token is read, but
    /v1/models, GET /api/projects/{id} and rotate did not list 400; and a 405 response was defined that no operation
    used (a wrong method's 405 is left to `default`, as listing it on every operation would be noise)."""
    doc = served(router)
    status, made = http_json("POST", router.url + "/api/projects", {"name": "two-tokens"})
    assert status == 201
    two = {**router.admin, "X-Api-Key": made["token"]}
    pid = {"path_parameters": {"id": made["id"]}}
    schema = schemathesis.openapi.from_dict(doc)
    for method, path, kwargs in (("GET", "/v1/models", {}), ("GET", "/api/projects/{id}", pid),
                                 ("POST", "/api/projects/{id}/rotate", pid)):
        resp = check(schema, router, method, path, {**kwargs, "headers": two})
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "conflicting_credentials", resp.text
        assert "400" in doc["paths"][path][method.lower()]["responses"], f"{method} {path}: 400 only under default"
    for method, path, oper in operations(doc):
        if oper.get("security") != []:  # (every operation that reads a token)
            assert "400" in oper["responses"], f"{method} {path} does not list 400"
    used = {r.rpartition("/")[2] for r in _refs(doc["paths"]) if r.startswith("#/components/responses/")}
    assert set(doc["components"]["responses"]) == used, set(doc["components"]["responses"]) - used
