"""Upgrades: a home an older LARouter wrote, holding values it took that this version refuses from the API, still
starts, each value carried over with the meaning it had and a warning (review AS). The files below are the bytes older
versions wrote (trimmed to the entries that matter)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.proc import daemon_log, larouterd
from tests.support.servers import home_admin, http_json

# projects.json as LARouter before 0b721e8 wrote it after `POST /api/projects {"name": "app "}` and
# `{"name": "tiny", "budgetUsd": 1e-11}` (a name ending in a space; a budget below the ledger's precision, 7603da0)
OLD_PROJECTS = b"""[
  {
    "id": "default",
    "name": "default",
    "created_at": "2026-12-07T21:15:02Z",
    "description": "Requests without a project token",
    "budget_usd": null,
    "budget_window": "monthly",
    "routing_policy": "cost-optimized",
    "token_hash": null,
    "token_prefix": null
  },
  {
    "id": "proj_2899d7897dad",
    "name": "app ",
    "created_at": "2026-12-07T21:15:02Z",
    "description": "",
    "budget_usd": null,
    "budget_window": "monthly",
    "routing_policy": "cost-optimized",
    "token_hash": "f67d5c05e9185421700ae0eb4b640cb73edf56dd21629958dee9cbd17444d28e",
    "token_prefix": "lr_sk_XbcCMecp"
  },
  {
    "id": "proj_36ab77e436a8",
    "name": "tiny",
    "created_at": "2026-12-07T21:15:02Z",
    "description": "",
    "budget_usd": 1e-11,
    "budget_window": "monthly",
    "routing_policy": "cost-optimized",
    "token_hash": "2ea4056350ca1426256baeff9c6b5beda7c9cc55c1241671eeff86d6f728b9cb",
    "token_prefix": "lr_sk_2N_dz5Bm"
  }
]"""

def projects(url: str) -> dict[str, dict]:
    status, body = http_json("GET", url + "/api/projects")
    assert status == 200, body
    return {p["id"]: p for p in body["data"]}


def test_project_values_an_older_version_took_are_carried_over(home: Path) -> None:
    """A budget of 1e-11 USD (below the ledger's 10 decimal places) is $0, what it allowed, and a name ending in a
    space is the name without it: the start warns naming each project and value (it refused the home, exit 78). The
    file keeps the old values until a project change writes it; the API still refuses such a budget."""
    path = home / "projects.json"
    path.write_bytes(OLD_PROJECTS)
    with larouterd(home) as (url, _):
        found = projects(url)
        assert found["proj_36ab77e436a8"]["budgetUsd"] == 0 and found["proj_2899d7897dad"]["name"] == "app"
        assert path.read_bytes() == OLD_PROJECTS
        status, body = http_json("PUT", url + "/api/projects/proj_36ab77e436a8", {"budgetUsd": 1e-11},
                                 headers=home_admin(home))
        assert status == 400 and "below the ledger's precision" in body["error"]["message"], body
        status, _ = http_json("PUT", url + "/api/projects/proj_36ab77e436a8", {"description": "kept"},
                              headers=home_admin(home))
        assert status == 200
        written = {p["id"]: p for p in json.loads(path.read_bytes())}
        assert written["proj_36ab77e436a8"]["budget_usd"] == 0 and written["proj_2899d7897dad"]["name"] == "app"
        assert written["proj_36ab77e436a8"]["token_hash"].startswith("2ea40563")  # (its token is kept)
    log = daemon_log(home)
    assert ("WARNING larouter.projects: project proj_36ab77e436a8 ('tiny'): budget 1e-11 USD, below the ledger's "
            "precision (0.0000000001 USD)") in log and "is carried over as 0" in log, log[-3000:]
    assert "project proj_2899d7897dad: name 'app ', ending in white space" in log and "carried over as 'app'" in log
    with larouterd(home) as (url, _):  # written in the new form: nothing more to say
        assert projects(url)["proj_36ab77e436a8"]["budgetUsd"] == 0
    assert daemon_log(home).count("carried over") == 2
