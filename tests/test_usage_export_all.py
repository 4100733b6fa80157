"""`GET /api/usage/export?projectId=*` and `larouter usage export --all-projects`: every project's calls in one CSV
(its `project` column tells them apart), for the admin only; `*` means nothing on the other usage reports."""

from __future__ import annotations

import csv
import io
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


def test_a_project_token_may_not_export_every_project(router: Router) -> None:
    """A project's own token asking for `*` is refused (403, naming its own project), never given the others' calls;
    `*` on the other usage reports is a 400 naming the parameter."""
    status, mine = http_json("POST", router.url + "/api/projects", {"name": "mine"})
    assert status == 201
    status, body = http_json("GET", f"{router.url}/api/usage/export?projectId=*",
                             headers={"Authorization": f"Bearer {mine['token']}"})
    assert status == 403 and "needs the admin token" in body["error"]["message"], body
    for path in ("/api/usage", "/api/usage/daily", "/api/usage/models"):
        status, body = http_json("GET", f"{router.url}{path}?projectId=*")
        assert status == 400 and body["error"]["param"] == "projectId", (path, body)
        assert "on /api/usage/export only" in body["error"]["message"], body
