"""Project names: unique ignoring case and runs of spaces, never of a project id's form, and `default` for no
project but the default one (`--project` and `projectId` take an id or a name)."""

from __future__ import annotations

from tests.conftest import Router
from tests.support.servers import http_json


def test_project_names_are_unique_ignoring_case_and_spacing(router: Router) -> None:
    """Creating or renaming onto a taken name (any case, any spacing, "default" too) is a 409 naming the holder;
    a project may keep or re-case its own name; a trailing space is refused."""
    status, a = http_json("POST", router.url + "/api/projects", {"name": "Billing App"})
    assert status == 201, a
    _, b = http_json("POST", router.url + "/api/projects", {"name": "other"})
    for name in ("Billing App", "billing app", "BILLING  APP"):
        status, out = http_json("POST", router.url + "/api/projects", {"name": name})
        assert status == 409 and out["error"]["param"] == "name" and a["id"] in out["error"]["message"], out
        status, out = http_json("PUT", router.url + f"/api/projects/{b['id']}", {"name": name})
        assert status == 409 and out["error"]["code"] == "conflict", out
    assert http_json("PUT", router.url + f"/api/projects/{b['id']}", {"name": "Default"})[0] == 409
    assert http_json("PUT", router.url + f"/api/projects/{a['id']}", {"name": "billing app"})[0] == 200
    assert http_json("POST", router.url + "/api/projects", {"name": "trailing "})[0] == 400
    _, listed = http_json("GET", router.url + "/api/projects")
    assert sorted(p["name"] for p in listed["data"]) == ["billing app", "default", "other"]


def test_a_name_of_a_project_ids_form_is_refused(router: Router) -> None:
    """A project may not be named like a project id (`proj_` and 12 hex digits), created or renamed: the usage of a
    deleted project is reached by its id, which such a name would take over (review A)."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": "old-app"})
    assert status == 201
    assert http_json("DELETE", router.url + f"/api/projects/{made['id']}")[0] in (200, 204)
    for method, path in (("POST", "/api/projects"), ("PUT", "/api/projects/default")):
        status, out = http_json(method, router.url + path, {"name": made["id"]})
        assert (status, out["error"]["code"], out["error"]["param"]) == (400, "invalid_value", "name"), out
    assert http_json("POST", router.url + "/api/projects", {"name": "proj_notanid"})[0] == 201  # (not an id's form)


def test_default_names_no_other_project(router: Router) -> None:
    """Once the default project is renamed, `default` (any case or spacing) still names no other project, created or
    renamed (a project so named was hidden by the default project's id: review AY); the default project may take
    its own id back as its name."""
    assert http_json("PUT", router.url + "/api/projects/default", {"name": "house"})[0] == 200
    status, made = http_json("POST", router.url + "/api/projects", {"name": "app"})
    assert status == 201, made
    for method, path, name in (("POST", "/api/projects", "default"), ("PUT", f"/api/projects/{made['id']}", "Default")):
        status, out = http_json(method, router.url + path, {"name": name})
        assert (status, out["error"]["code"], out["error"]["param"]) == (400, "invalid_value", "name"), out
        assert "default project's id" in out["error"]["message"], out
    assert http_json("PUT", router.url + "/api/projects/default", {"name": "default"})[0] == 200
