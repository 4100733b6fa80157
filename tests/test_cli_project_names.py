"""`--project` takes a project's name as well as its id, wherever the CLI has the option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable
from urllib.request import Request, urlopen

from tests.conftest import Router
from tests.support.cli import ok_json, on, run
from tests.support.servers import http_json, wait_until

PRICES = '\n[providers.fake.prices."gpt-fake"]\ninput = 2.0\noutput = 8.0\n'


def project(router: Router, name: str) -> dict[str, Any]:
    """Create a project over the API."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": name})
    assert status == 201, made
    return made


def chat_as(router: Router, made: dict[str, Any]) -> None:
    """One call to gpt-fake with the project's token; wait until the ledger has it."""
    req = Request(router.v1 + "/chat/completions", method="POST", data=json.dumps(
        {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {made['token']}"})
    with urlopen(req, timeout=30) as resp:
        assert resp.status == 200
    wait_until(lambda: http_json("GET", router.url + f"/api/usage?projectId={made['id']}")[1]["totalCalls"] == 1,
               10, "the call to be billed")


def test_project_by_name_everywhere(make_router: Callable[..., Router], tmp_path: Path) -> None:
    """`usage`, `usage models`, `usage export` and `route explain` take --project NAME (compared as the daemon
    compares names: case and runs of spaces aside) and use that project's id; they took ids only, so a name was
    "no project 'Billing App'"."""
    router = make_router(extra_toml=PRICES)
    billing = project(router, "Billing App")
    chat_as(router, billing)

    for name in ("Billing App", "billing   APP"):
        assert ok_json(router, "usage", "--project", name)["projectId"] == billing["id"]
        shown = on(router, "usage", "--project", name)
        assert shown.exit_code == 0 and f"Usage of project Billing App ({billing['id']})" in shown.stdout, shown.output
        assert [m["calls"] for m in ok_json(router, "usage", "models", "-p", name)["data"]] == [1]
        grouped = run("usage", "--project", name, "models", "--json", "--url", router.url)
        assert grouped.exit_code == 0 and json.loads(grouped.stdout)["projectId"] == billing["id"], grouped.output
        exported = on(router, "usage", "export", "--project", name, "-o", "-")
        rows = exported.stdout.splitlines()
        assert exported.exit_code == 0 and len(rows) == 2 and f",{billing['id']}," in rows[1], exported.output
        assert ok_json(router, "route", "explain", "hi", "--project", name)["project"] == billing["id"]
    target = tmp_path / "billing.csv"
    written = ok_json(router, "usage", "export", "--project", "Billing App", "-o", str(target))
    assert written["projectId"] == billing["id"] and len(target.read_text().splitlines()) == 2
    assert ok_json(router, "usage", "--project", billing["id"])["projectId"] == billing["id"]  # ids still work


def test_an_id_and_a_name_each_name_their_project(router: Router) -> None:
    """A project's id and its name (any case) mean that project; no project may be named like an id (a 400), so a
    value cannot be one project's id and another's name (it could, and the id won)."""
    first = project(router, "first")
    assert ok_json(router, "usage", "--project", first["id"])["projectId"] == first["id"]
    assert ok_json(router, "usage", "--project", "FIRST")["projectId"] == first["id"]
    assert http_json("POST", router.url + "/api/projects", {"name": first["id"]})[0] == 400


def test_an_unknown_project_is_one_clear_line(router: Router) -> None:
    """A value that is neither an id nor a name: exit 1, one line naming it and the projects there are (names and
    ids, never a token), for every command with --project; a name with spaces included (it was the daemon's 400
    about the characters a projectId may have)."""
    made = project(router, "My App")
    for value in ("otehr", "No Such App"):
        for args in (["usage"], ["usage", "models"], ["usage", "export", "-o", "-"], ["route", "explain", "hi"]):
            result = on(router, *args, "--project", value)
            assert result.exit_code == 1, (args, result.output)
            line = " ".join(result.stderr.split())
            assert f"no project {value!r}: it is neither a project's id nor its name" in line, (args, line)
            assert f"projects: default, My App ({made['id']})" in line, line
            assert made["token"] not in result.output and made["tokenPrefix"] not in result.output
            assert "projectId" not in line and result.stdout == ""


def test_a_deleted_projects_history_is_still_reached_by_its_id(router: Router) -> None:
    """An id that is no current project is passed on: the daemon keeps a deleted project's usage under it. `projects
    delete` says so with the id to ask for; asked by its former name, the usage commands say that a deleted project's
    usage is reached by its id (no name is kept once it is deleted) and where the ids are; so does the daemon's 404."""
    gone = project(router, "gone")
    chat_as(router, gone)
    deleted = on(router, "projects", "delete", "gone", "--yes")
    said = " ".join(deleted.stdout.split())
    assert deleted.exit_code == 0 and f"deleted gone ({gone['id']}); its token is revoked" in said, deleted.output
    assert f"Its usage (1 call) stays under its id, not its name: `larouter usage --project {gone['id']}`" in said
    assert ok_json(router, "usage", "--project", gone["id"])["totalCalls"] == 1
    idle = project(router, "idle")  # no call: no advice to read a history it does not have (review Q)
    said = " ".join(on(router, "projects", "delete", "idle", "--yes").stdout.split())
    assert f"deleted idle ({idle['id']}); its token is revoked. It had made no calls." in said, said
    for args in (["usage"], ["usage", "models"], ["usage", "export", "-o", "-"]):
        result = on(router, *args, "--project", "gone")
        assert result.exit_code == 1, result.output  # its name went with it
        line = " ".join(result.stderr.split())
        assert "no project 'gone': it is neither a project's id nor its name; projects: default. A deleted " \
               "project's usage stays under its id only" in line, line
        assert "`larouter projects delete` printed" in line and "`larouter usage export --all-projects`" in line
    explained = on(router, "route", "explain", "hi", "--project", "gone")  # no history there: no word of it
    assert explained.exit_code == 1 and "deleted" not in explained.stderr, explained.output
    status, body = http_json("GET", router.url + "/api/usage?projectId=gone")
    assert status == 404 and "a deleted project's usage is kept under its id only" in body["error"]["message"], body
    # a deleted project that made no calls: its id has no history, and the CLI says so rather than "neither id nor name"
    idle = project(router, "idle")
    assert on(router, "projects", "delete", "idle", "--yes").exit_code == 0
    result = on(router, "usage", "--project", idle["id"])
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and f"no project '{idle['id']}' and no usage recorded under that id: a deleted " \
        "project that made no calls has no history to show" in line, line


def test_projects_update_rotate_and_delete_take_a_name(router: Router) -> None:
    """`larouter projects update|rotate-token|delete` take the project's name as well as its id (they took the id
    only: "HTTP 404: no project 'My App'"); an unknown one is the same clear line as for --project."""
    made = project(router, "My App")
    updated = on(router, "projects", "update", "my app", "--budget", "5", "--json")
    assert updated.exit_code == 0 and json.loads(updated.stdout)["budgetUsd"] == 5.0, updated.output
    rotated = on(router, "projects", "rotate-token", "My App", "-y", "--json")
    assert rotated.exit_code == 0 and json.loads(rotated.stdout)["token"] != made["token"], rotated.output
    missing = on(router, "projects", "delete", "No Such App", "-y")
    assert missing.exit_code == 1 and "no project 'No Such App'" in missing.stderr, missing.output
    deleted = on(router, "projects", "delete", "My App", "-y")
    assert deleted.exit_code == 0 and made["id"] in deleted.stdout, deleted.output
    assert [p["name"] for p in ok_json(router, "projects", "list")] == ["default"]
