"""`GET /api/usage/export?projectId=*` and `larouter usage export --all-projects`: every project's calls in one CSV
(its `project` column tells them apart), for the admin only; `*` on the other usage reports and `larouter status`
sum every project's calls, a deleted project's included."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode
from urllib.request import urlopen

from tests.conftest import Router
from tests.support.cli import on
from tests.support.servers import http_json
from tests.test_cli_usage_report import billed, call


def test_the_admin_exports_every_projects_calls_in_one_csv(router: Router) -> None:
    """Two projects and the default one each make calls: the export of `*` holds all of them, each row naming its
    project, under a filename that says "all"; the CLI's --all-projects writes the same rows."""
    status, app = http_json("POST", router.url + "/api/projects", {"name": "app"})
    assert status == 201
    status, team = http_json("POST", router.url + "/api/projects", {"name": "team"})
    assert status == 201
    call(router, app["token"])
    call(router, team["token"])
    call(router, team["token"])
    call(router)
    for project, calls in ((app["id"], 1), (team["id"], 2), ("default", 1)):
        billed(router, project, calls)
    with urlopen(f"{router.url}/api/usage/export?{urlencode({'projectId': '*', 'period': 'all'})}") as resp:
        assert resp.headers["Content-Type"].startswith("text/csv")
        assert 'filename="larouter-usage-all-all-' in resp.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
    assert sorted(r["project"] for r in rows) == sorted([app["id"], team["id"], team["id"], "default"])

    out = on(router, "usage", "export", "--all-projects", "--period", "all", "-o", "-")
    assert out.exit_code == 0, out.output
    assert sorted(r["project"] for r in csv.DictReader(io.StringIO(out.stdout))) == sorted(r["project"] for r in rows)
    both = on(router, "usage", "export", "--all-projects", "--project", "app", "-o", "-")
    assert both.exit_code == 1 and "leave out --project" in both.output  # (a usage error: EXIT_USER_ERROR)


def test_a_project_token_may_not_read_every_project(router: Router) -> None:
    """A project's own token asking for `*` is refused (403, naming its own project), never given the others'
    calls, on every usage report."""
    status, mine = http_json("POST", router.url + "/api/projects", {"name": "mine"})
    assert status == 201
    for path in ("/api/usage/export", "/api/usage", "/api/usage/daily", "/api/usage/models"):
        status, body = http_json("GET", f"{router.url}{path}?projectId=*",
                                 headers={"Authorization": f"Bearer {mine['token']}"})
        assert status == 403 and "needs the admin token" in body["error"]["message"], (path, body)


def test_every_projects_usage_counts_a_deleted_projects_calls(router: Router) -> None:
    """`/api/usage?projectId=*` (and daily, models) sums every project's calls this period, a deleted project's
    included; `larouter status`'s month spend is that sum (it summed the current projects only)."""
    status, gone = http_json("POST", router.url + "/api/projects", {"name": "gone"})
    assert status == 201
    call(router, gone["token"])
    call(router, gone["token"])
    call(router)
    billed(router, gone["id"], 2)
    assert http_json("DELETE", f"{router.url}/api/projects/{gone['id']}")[0] in (200, 204)
    status, every = http_json("GET", f"{router.url}/api/usage?projectId=*")
    assert status == 200 and every["totalCalls"] == 3 and every["projectId"] == "*", every
    assert every["projectName"] is None and "budget" not in every
    one = http_json("GET", f"{router.url}/api/usage?projectId={gone['id']}")[1]
    assert one["totalCalls"] == 2 and every["byModel"]["gpt-fake"]["calls"] == 3
    daily = http_json("GET", f"{router.url}/api/usage/daily?projectId=*")[1]
    models = http_json("GET", f"{router.url}/api/usage/models?projectId=*")[1]
    assert sum(d["calls"] for d in daily["data"]) == 3 and sum(m["calls"] for m in models["data"]) == 3, (daily, models)
    out = on(router, "status", "--json")
    assert out.exit_code == 0 and json.loads(out.stdout)["spend"]["totalCalls"] == 3, out.output


def test_the_cli_reports_every_project_as_such(router: Router) -> None:
    """`larouter usage -p '*'` says "every project" (it said "project * (deleted)")."""
    call(router)
    billed(router, "default", 1)
    out = on(router, "usage", "-p", "*")
    assert out.exit_code == 0 and "Usage of every project" in out.stdout and "(deleted)" not in out.stdout, out.output
