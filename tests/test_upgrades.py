"""Upgrades: a home an older LARouter wrote, holding values it took that this version refuses from the API, still
starts, each value carried over with the meaning it had and a warning (review AS). The files below are the bytes older
versions wrote (trimmed to the entries that matter)."""

from __future__ import annotations

import json
from pathlib import Path

from larouter.runtime import runtime_file
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

# runtime-config.json as LARouter 6f5ed5c wrote it after
# `PATCH /api/config {"routing": {"classifier": {"heartbeat": {"work_after_ack": {"gate": ["deploy"], ...}}}}}`
OLD_RUNTIME = b"""{
  "routing": {
    "classifier": {
      "heartbeat": {
        "work_after_ack": {
          "gate": [
            "deploy"
          ],
          "pattern": "deploy now"
        }
      }
    }
  }
}"""
HEARTBEAT = "routing.classifier.heartbeat"


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


def test_a_runtime_setting_in_its_old_shape_is_carried_over(home: Path) -> None:
    """runtime-config.json holding `work_after_ack` as one table (its shape before eec2906) is read as a list holding
    it, with a warning saying how the setting is written now (the start refused it, exit 78); the next runtime change
    writes the file in the new shape."""
    runtime_file(home).write_bytes(OLD_RUNTIME)
    with larouterd(home) as (url, _):
        shown = http_json("GET", url + "/api/config")[1]["routing"]["classifier"]["heartbeat"]["work_after_ack"]
        assert [(g["pattern"], g["gate"]) for g in shown] == [("deploy now", ["deploy"])], shown
        assert runtime_file(home).read_bytes() == OLD_RUNTIME
        status, body = http_json("PATCH", url + "/api/config", {"routing": {"cooldown": 7.0}}, headers=home_admin(home))
        assert status == 200, body
        saved = json.loads(runtime_file(home).read_bytes())
        assert saved["routing"]["classifier"]["heartbeat"]["work_after_ack"] == [{"gate": ["deploy"],
                                                                                   "pattern": "deploy now"}]
    log = daemon_log(home)
    assert (f"WARNING larouter.runtime: {runtime_file(home)}: {HEARTBEAT}.work_after_ack was read in its old form, "
            "one table (as LARouter before eec2906 took it), as a list holding that table") in log, log[-3000:]
    assert 'The setting is now a list of tables, [{"gate": ["deploy"], "pattern": "deploy now"}]' in log


def test_config_file_settings_in_their_old_shape_are_carried_over(home: Path, tmp_path: Path) -> None:
    """A config file with `[...work_after_ack]` (before eec2906) and `[...work_due]` (before 47d247a) as one table
    each: both read as one-entry lists, each warned with how to write it now; a runtime change goes through (the file
    as it is now is read the same way, not taken for one the next start refuses)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[{HEARTBEAT}.work_after_ack]\npattern = "deploy now"\ngate = ["deploy"]\n\n'
                   f'[{HEARTBEAT}.work_due]\npattern = \'\\bqueue depth: [1-9]\'\ngate = ["queue depth"]\n')
    with larouterd(home, "--config", str(cfg)) as (url, _):
        shown = http_json("GET", url + "/api/config")[1]["routing"]["classifier"]["heartbeat"]
        assert [(g["pattern"], g["gate"]) for g in shown["work_after_ack"]] == [("deploy now", ["deploy"])]
        assert [(g["pattern"], g["gate"]) for g in shown["work_due"]] == [(r"\bqueue depth: [1-9]", ["queue depth"])]
        status, body = http_json("PATCH", url + "/api/config", {"routing": {"cooldown": 7.0}}, headers=home_admin(home))
        assert status == 200 and body["warnings"] == [], body
    log = daemon_log(home)
    for key, since in (("work_after_ack", "eec2906"), ("work_due", "47d247a")):
        assert (f"{cfg}: {HEARTBEAT}.{key} was read in its old form, one table (as LARouter before {since} took it)"
                in log), log[-3000:]
        assert f"write [[{HEARTBEAT}.{key}]] (double brackets) where the file has [{HEARTBEAT}.{key}]" in log
    assert log.count("was read in its old form") == 2  # (at the start, not again at each change)
