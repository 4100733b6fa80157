"""`larouter usage` as a project token's holder and as anyone reading the savings line: the report reaches what the
token may read, and says what was saved without a negative percentage."""

from __future__ import annotations

import json
from typing import Callable
from urllib.request import Request, urlopen

from tests.conftest import Router
from tests.support.cli import on
from tests.support.servers import http_json, wait_until


def call(router: Router, token: str | None = None, model: str = "gpt-fake") -> None:
    """One chat call through the proxy (as the project of `token`, else the default project)."""
    req = Request(router.v1 + "/chat/completions", method="POST", data=json.dumps(
        {"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urlopen(req, timeout=30) as resp:
        assert resp.status == 200


def billed(router: Router, project: str, calls: int) -> None:
    """Wait until the ledger shows `calls` calls for the project."""
    wait_until(lambda: http_json("GET", router.url + f"/api/usage?projectId={project}")[1]["totalCalls"] == calls,
               10, "the calls to be billed")


def test_a_project_token_reads_its_own_usage_by_id_or_name(router: Router) -> None:
    """With a project's own token, `usage`, `usage models` and `usage export` take --project as its id or its name
    (as people type it: case and spaces aside); naming it was a 403 because the token may not list projects to look
    the name up."""
    status, mine = http_json("POST", router.url + "/api/projects", {"name": "My App"})
    assert status == 201
    call(router, mine["token"])
    billed(router, mine["id"], 1)
    for ref in (mine["id"], "My App", "my  app"):
        report = on(router, "usage", "--project", ref, "--token", mine["token"], "--json")
        assert report.exit_code == 0, (ref, report.output)
        assert json.loads(report.stdout)["projectId"] == mine["id"] and json.loads(report.stdout)["totalCalls"] == 1
        models = on(router, "usage", "models", "--project", ref, "--token", mine["token"], "--json")
        assert models.exit_code == 0 and [m["calls"] for m in json.loads(models.stdout)["data"]] == [1], models.output
        export = on(router, "usage", "export", "--project", ref, "-o", "-", "--token", mine["token"])
        assert export.exit_code == 0 and len(export.stdout.splitlines()) == 2, export.output
    text = on(router, "usage", "--project", "My App", "--token", mine["token"])
    assert text.exit_code == 0 and f"Usage of project My App ({mine['id']})" in text.stdout, text.output


def test_a_project_token_naming_another_project_is_refused_clearly(router: Router) -> None:
    """Another project, by id or by name, is refused: exit 1, one line saying whose token it is and that it reads
    only that project's usage; nothing of the other project shown."""
    status, mine = http_json("POST", router.url + "/api/projects", {"name": "mine"})
    assert status == 201
    status, other = http_json("POST", router.url + "/api/projects", {"name": "other"})
    assert status == 201
    cases = [(mine, ref) for ref in (other["id"], "other", "default", "nope")]
    for who, ref in cases:
        result = on(router, "usage", "--project", ref, "--token", who["token"])
        assert result.exit_code == 1 and result.stdout == "", (ref, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "HTTP 403" in lines[0], (ref, result.stderr)
        assert f"reads only its own project's usage: this one is project {who['name']!r} ({who['id']}), not {ref!r}" \
            in lines[0], lines[0]


def price(per_million: float) -> str:
    """Config TOML pricing gpt-fake at this many USD per million tokens, in and out (gpt-4o, the baseline: 2.5/10)."""
    return f'\n[providers.fake.prices."gpt-fake"]\ninput = {per_million}\noutput = {per_million}\n'


def savings_line(router: Router, *args: str) -> str:
    """The report's savings line (on a terminal wide enough to hold it on one line)."""
    text = on(router, "usage", *args, env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    return next(line for line in text.stdout.splitlines() if line.startswith("Savings")).rstrip()


def test_savings_when_the_calls_cost_more_than_the_baseline(make_router: Callable[..., Router]) -> None:
    """Calls dearer than the baseline would have been read "nothing saved (cost $X more)", never a negative saving
    or a percentage of a near-zero baseline (it read `saved $-0.0268 (-14900%)`); JSON keeps the daemon's figure."""
    router = make_router(extra_toml=price(600.0))
    call(router)
    billed(router, "default", 1)
    data = json.loads(on(router, "usage", "--json").stdout)
    assert data["savings"]["saved"] < 0 < data["savings"]["baselineCost"] < data["totalCost"], data
    line = savings_line(router)
    assert "nothing saved (cost $0.0" in line and "more)" in line, line
    assert "%" not in line and "$-" not in line and "saved $" not in line, line


def test_savings_when_the_calls_cost_less_or_nothing(make_router: Callable[..., Router]) -> None:
    """Cheaper calls save a share of the baseline between 0 and 100%; calls with no baseline cost (a free baseline)
    read "nothing saved", without a percentage."""
    router = make_router(extra_toml=price(1.0))
    call(router)
    billed(router, "default", 1)
    s = json.loads(on(router, "usage", "--json").stdout)["savings"]
    assert 0 < s["saved"] < s["baselineCost"], s
    line = savings_line(router)
    assert f"saved ${s['saved']:.6f}" in line and line.endswith(f"({100 * s['saved'] / s['baselineCost']:.0f}%)"), line
    free = make_router(extra_toml=price(0.0) + '\n[usage]\nbaseline_model = "gpt-fake"\n')
    status, proj = http_json("POST", free.url + "/api/projects", {"name": "free"})
    assert status == 201
    call(free, proj["token"])
    billed(free, proj["id"], 1)
    line = savings_line(free, "-p", "free")
    assert line.endswith("nothing saved") and "%" not in line, line


def test_the_report_is_titled_with_the_projects_name(router: Router) -> None:
    """`usage --project NAME` is titled with the project's name and its id (it showed the id alone, "Usage of project
    proj_b7da0cf92e4b"), with the admin token and with the project's own; `default` stays `default`; a deleted
    project's history says it was deleted; JSON carries `projectName`."""
    status, mine = http_json("POST", router.url + "/api/projects", {"name": "Billing App"})
    assert status == 201
    call(router, mine["token"])
    billed(router, mine["id"], 1)
    title = f"Usage of project Billing App ({mine['id']}), monthly"
    for token in (None, mine["token"]):
        text = on(router, "usage", "--project", "billing app", *(["--token", token] if token else []))
        assert text.exit_code == 0 and title in text.stdout, text.output
    assert json.loads(on(router, "usage", "-p", mine["id"], "--json").stdout)["projectName"] == "Billing App"
    assert "Usage of project default, monthly" in on(router, "usage").stdout
    status, _ = http_json("DELETE", router.url + f"/api/projects/{mine['id']}")
    assert status == 200
    gone = on(router, "usage", "--project", mine["id"])
    assert gone.exit_code == 0 and f"Usage of project {mine['id']} (deleted), monthly" in gone.stdout, gone.output
    assert json.loads(on(router, "usage", "-p", mine["id"], "--json").stdout)["projectName"] is None


def test_status_with_a_project_token_shows_its_own_spend(make_router: Callable[..., Router]) -> None:
    """`status` with a project's token shows that project's spend this month (it said "not visible with this token":
    the token may not list projects, and the fallback asked for the default project, a 403); the admin still sees
    every project's."""
    router = make_router(extra_toml=price(2.0))
    status, mine = http_json("POST", router.url + "/api/projects", {"name": "billing-app"})
    assert status == 201
    call(router, mine["token"])
    call(router)
    billed(router, mine["id"], 1)
    billed(router, "default", 1)
    own = json.loads(on(router, "status", "--json", "--token", mine["token"]).stdout)["spend"]
    assert own["totalCalls"] == 1 and own["totalCost"] > 0 and own["projectId"] == mine["id"], own
    text = on(router, "status", env={"LAROUTER_TOKEN": mine["token"], "COLUMNS": "200"})
    assert text.exit_code == 0 and "not visible" in text.stdout, text.output  # running models are admin-only
    line = next(x for x in text.stdout.splitlines() if x.startswith("spend this month"))
    assert f"over 1 call (project billing-app ({mine['id']}))" in line and "not visible" not in line, line
    every = json.loads(on(router, "status", "--json").stdout)["spend"]
    assert every["totalCalls"] == 2 and every["projects"] == 2 and "projectId" not in every, every
