"""`?projectId=` of `/api/usage*` and `/api/route/explain` takes a project's name as well as its id, for the admin as
for a project's own token."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.conftest import Router
from tests.support.servers import http_json, wait_until


def created(router: Router, name: str) -> dict[str, Any]:
    """A new project (with its token)."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": name})
    assert status == 201, made
    return made


def call_as(router: Router, token: str) -> None:
    """One chat call billed to the token's project."""
    req = Request(router.v1 + "/chat/completions", method="POST", data=json.dumps(
        {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urlopen(req, timeout=30) as resp:
        assert resp.status == 200


def get(router: Router, path: str, project: str) -> tuple[int, Any]:
    """GET a usage path for `project` as the admin (loopback, no token)."""
    return http_json("GET", f"{router.url}{path}?{urlencode({'projectId': project, 'period': 'all'})}")


def test_the_admin_names_a_project_by_its_name(router: Router) -> None:
    """The admin's `projectId=billing-app` was a 404 ("no project 'billing-app'") though the project's own token may
    use its name: every usage endpoint now answers for the project of that name (names compare case and runs of
    spaces aside) under its id; an unknown name stays a 404 naming
    what was given."""
    billing, team = created(router, "billing-app"), created(router, "Team Two")
    call_as(router, billing["token"])
    wait_until(lambda: get(router, "/api/usage", billing["id"])[1]["totalCalls"] == 1, 10, "the call to be billed")
    for given, made, calls in (("billing-app", billing, 1), ("BILLING-APP", billing, 1), ("team   two", team, 0)):
        status, summary = get(router, "/api/usage", given)
        assert status == 200 and (summary["projectId"], summary["totalCalls"]) == (made["id"], calls), (given, summary)
        assert summary["projectName"] == made["name"] and "budget" in summary
        status, daily = get(router, "/api/usage/daily", given)
        assert status == 200 and daily["projectId"] == made["id"], daily
        status, models = get(router, "/api/usage/models", given)
        assert status == 200 and models["projectId"] == made["id"] and len(models["data"]) == calls, models
        with urlopen(f"{router.url}/api/usage/export?{urlencode({'projectId': given, 'period': 'all'})}") as resp:
            assert made["id"] in resp.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
        assert [r["project"] for r in rows] == [made["id"]] * calls

    status, summary = get(router, "/api/usage", billing["id"])  # (no project may be named like an id: 400)
    assert status == 200 and summary["projectId"] == billing["id"] and summary["totalCalls"] == 1

    for path in ("/api/usage", "/api/usage/daily", "/api/usage/models", "/api/usage/export"):
        status, body = get(router, path, "no such app")
        assert status == 404 and body["error"]["code"] == "project_not_found", (path, body)
        assert body["error"]["param"] == "projectId" and "'no such app'" in body["error"]["message"], body

    with urlopen(Request(f"{router.url}/api/usage?projectId=Billing-App",
                         headers={"Authorization": f"Bearer {billing['token']}"})) as resp:
        assert json.load(resp)["projectId"] == billing["id"]  # the project's own token, as before


def test_explain_names_a_project_by_its_name(router: Router) -> None:
    """`POST /api/route/explain?projectId=<name>` explains under that project's policy, as `/api/usage` takes the name
    (it was a 404); an unknown name is a 404 saying ids and names were tried."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": "Quality App", "routingPolicy": "quality-first"})
    assert status == 201, made
    body = {"messages": [{"role": "user", "content": "hi"}]}
    status, out = http_json("POST", f"{router.url}/api/route/explain?{urlencode({'projectId': 'quality  app'})}", body)
    assert status == 200 and out["project"] == made["id"] and out["policy"] == "quality-first", out
    status, out = http_json("POST", f"{router.url}/api/route/explain?projectId=nosuch-app", body)
    assert status == 404 and out["error"]["code"] == "project_not_found", out
    assert "no project 'nosuch-app' (by id or name)" in out["error"]["message"], out
