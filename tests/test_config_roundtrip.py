"""Config layers: GET /api/config sent back whole pins only what changed; a PATCH builds on the file as read at
the start; the start names what a runtime change hides (reviews AG, AJ)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from larouter.runtime import load_runtime, runtime_file
from tests.conftest import FAKE_KEY, Router
from tests.support.servers import http_json


def _reload(router: Router, cfg: Path) -> int:
    """`local.max_restarts` in force at the next start with the config file as it is now."""
    env = {"LAROUTER_HOME": str(router.settings.home), "FAKE_KEY": FAKE_KEY}
    return load_runtime(cfg, env=env).settings.local.max_restarts


def test_a_block_sent_back_whole_pins_only_what_changed(make_router: Callable[..., Router], tmp_path: Path) -> None:
    """The README's "edit a block you read and send it whole": every value of the block became a runtime override,
    so a later edit of the config file (`max_restarts = 7`) was ignored at the next start without a word. Only the
    value that changed is saved; the file's edit applies."""
    router = make_router(extra_toml="\n[local]\nmax_restarts = 3\n")
    block = http_json("GET", router.url + "/api/config")[1]["local"]
    assert block["max_restarts"] == 3 and block["idle_unload"] != 1234
    status, out = http_json("PATCH", router.url + "/api/config", {"local": {**block, "idle_unload": 1234}})
    assert status == 200 and out["local"]["idle_unload"] == 1234 and out["restartRequired"] == [], out
    assert json.loads(runtime_file(router.settings.home).read_text()) == {"local": {"idle_unload": 1234}}
    cfg = tmp_path / "config.toml"
    cfg.write_text(cfg.read_text().replace("max_restarts = 3", "max_restarts = 7"))
    assert _reload(router, cfg) == 7


def test_the_whole_view_sent_back_changes_and_pins_nothing(router: Router) -> None:
    """The whole GET body sent back was a 400 (`home` and `config_path` cannot be changed): they are left alone when
    unchanged, and nothing else is saved, with the admin token or without (its guarded keys sent back as shown)."""
    for headers in ({}, router.admin):
        view = http_json("GET", router.url + "/api/config", headers=headers)[1]
        status, out = http_json("PATCH", router.url + "/api/config", view, headers=headers)
        assert status == 200, out
        assert {k: v for k, v in out.items() if k not in ("restartRequired", "warnings")} == view
        assert out["restartRequired"] == []
        assert not runtime_file(router.settings.home).exists()
    status, out = http_json("PATCH", router.url + "/api/config", {**view, "home": "/elsewhere"})
    assert status == 400 and "cannot be changed at runtime" in out["error"]["message"], out


def test_a_value_sent_as_it_is_keeps_a_runtime_override_and_a_new_one_is_saved(router: Router) -> None:
    """Dropping unchanged values never drops an override the operator made: sent again, it stays; a value that
    differs from the one in force is saved as before (`config set`), and `null` still removes it."""
    url = router.url + "/api/config"
    assert http_json("PATCH", url, {"routing": {"cooldown": 6.0}})[0] == 200
    assert http_json("PATCH", url, {"routing": {"cooldown": 6.0}})[0] == 200
    assert json.loads(runtime_file(router.settings.home).read_text()) == {"routing": {"cooldown": 6.0}}
    assert http_json("PATCH", url, {"routing": {"cooldown": None}})[0] == 200
    assert json.loads(runtime_file(router.settings.home).read_text()) == {"routing": {}}


def test_a_patch_builds_on_the_config_file_as_it_was_at_the_start(make_router: Callable[..., Router],
                                                                   tmp_path: Path) -> None:
    """The file is read at the start: an operator's edits for the next start (a provider's base_url, a guarded key;
    a restart-only one) went live with any unrelated PATCH, without the admin token and with `restartRequired`
    empty; a file left half-edited made every PATCH a 400 about it. A PATCH now builds on the file as it was at the
    start; the next start reads the file as it is then (review AJ)."""
    router = make_router()  # (routing.default_model = "gpt-fake" in the file)
    before = http_json("GET", router.url + "/api/config")[1]
    cfg = tmp_path / "config.toml"
    text = cfg.read_text()
    edited = text.replace('default_model = "gpt-fake"', 'default_model = "fake-empty"') + "\n[server]\nmax_body_bytes = 1000\n"
    edited = edited.replace(before["providers"]["fake"]["base_url"], "http://127.0.0.1:9/v1")
    assert edited != text
    cfg.write_text(edited)
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 5.0}})
    assert status == 200 and out["restartRequired"] == [], out
    assert out["routing"]["default_model"] == "gpt-fake" and out["routing"]["cooldown"] == 5.0, out["routing"]
    assert out["providers"]["fake"]["base_url"] == before["providers"]["fake"]["base_url"]
    assert out["server"]["max_body_bytes"] == before["server"]["max_body_bytes"]
    cfg.write_text(edited + "\n[routing\n")  # half-edited: not TOML
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 6.0}})
    assert status == 200 and out["routing"]["cooldown"] == 6.0, out
    cfg.write_text(edited)
    env = {"LAROUTER_HOME": str(router.settings.home), "FAKE_KEY": FAKE_KEY}
    later = load_runtime(cfg, env=env).settings
    assert later.routing.default_model == "fake-empty" and later.server.max_body_bytes == 1000
    assert later.routing.cooldown == 6.0


def test_the_start_names_variables_a_runtime_change_hides(home: Path, tmp_path: Path) -> None:
    """A provider key rotated in the environment (`api_key_env`) or a `LAROUTER_*` setting, under a runtime change of
    the same key, was ignored at the next start without a word (the file's keys were said): the start names the
    variable and the key, never the value (review AJ)."""
    from tests.support.proc import daemon_env, daemon_log, larouterd

    cfg = tmp_path / "c.toml"
    cfg.write_text('[providers.fake]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "FAKE_KEY"\nmodels = ["m"]\n')
    runtime_file(home).write_text(json.dumps({"routing": {"cooldown": 7.0},
                                              "providers": {"fake": {"api_key": "sk-runtime-key-0123456789"}}}))
    env = daemon_env(home, FAKE_KEY="sk-rotated-key-9876543210", LAROUTER_ROUTING__COOLDOWN="60",
                     LAROUTER_ROUTING__STICKY_SECONDS="5")
    with larouterd(home, "--config", str(cfg), env=env) as (url, _):
        assert http_json("GET", url + "/api/config")[1]["routing"]["cooldown"] == 7.0
    log = daemon_log(home)
    line = next((ln for ln in log.splitlines() if "the environment sets" in ln), "")
    assert "FAKE_KEY (providers.fake.api_key)" in line and "LAROUTER_ROUTING__COOLDOWN (routing.cooldown)" in line, log
    assert "STICKY" not in line and "config unset" in line, line
    assert "sk-rotated" not in log and "sk-runtime" not in log


def test_a_patch_the_edited_file_would_refuse_at_the_next_start_is_refused(make_router: Callable[..., Router],
                                                                           tmp_path: Path) -> None:
    """The file is read at the start, but the next start reads it as it is then: a change naming a policy the
    operator has since taken out of the file was saved, and the next start refused the whole configuration (exit 78,
    the router down until runtime-config.json was edited by hand, review AK). It is a 400 naming the key and why; a
    change the edited file takes is saved, and so is one while the file is half-edited (the start will say what is
    wrong with the file itself)."""
    router = make_router(extra_toml='\n[routing.policies.nightly]\nCOMPLEX = ["gpt-fake"]\n')
    cfg = tmp_path / "config.toml"
    cfg.write_text(cfg.read_text().replace('[routing.policies.nightly]\nCOMPLEX = ["gpt-fake"]\n', ""))
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"policy": "nightly"}})
    assert status == 400 and out["error"]["param"] == "routing.policy", out
    assert "with the config file as it is now" in out["error"]["message"], out
    assert not runtime_file(router.settings.home).exists()
    assert http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 9.0}})[0] == 200
    both = {"routing": {"policies": {"nightly": {"COMPLEX": ["gpt-fake"]}}, "policy": "nightly"}}  # a block that
    status, out = http_json("PATCH", router.url + "/api/config", both)  # restores it: kept whole, not thinned to what
    assert status == 200, out  # the daemon had from the file at its start (review AM)
    saved = json.loads(runtime_file(router.settings.home).read_text())["routing"]
    assert saved["policies"] == {"nightly": {"COMPLEX": ["gpt-fake"]}} and saved["policy"] == "nightly", saved
    cfg.write_text(cfg.read_text() + "\n[routing\n")  # half-edited: no start would take it, whatever the change
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 8.0}})
    assert status == 200 and any(f"config file {cfg} cannot be read now" in w for w in out["warnings"]), out  # (AM)


def test_one_setting_set_as_it_is_in_force_is_saved(make_router: Callable[..., Router], tmp_path: Path) -> None:
    """`larouter config set KEY V` with V in force (from the file, the environment or a `--port` flag) said "set" and
    saved nothing: the value was lost at the next start without the variable or flag (review AK). A patch of one
    setting is saved as sent; only a block of several is thinned."""
    router = make_router(extra_toml="\n[local]\nmax_restarts = 3\n", env={"LAROUTER_ROUTING__COOLDOWN": "42"},
                         server={"port": 18999})
    for patch, admin in (({"local": {"max_restarts": 3}}, False), ({"routing": {"cooldown": 42.0}}, False),
                         ({"server": {"port": 18999}}, True)):
        status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin if admin else {})
        assert status == 200, out
    saved = json.loads(runtime_file(router.settings.home).read_text())
    assert saved == {"local": {"max_restarts": 3}, "routing": {"cooldown": 42.0}, "server": {"port": 18999}}, saved


def test_the_start_names_a_base_url_variable_a_runtime_change_hides(home: Path, tmp_path: Path) -> None:
    """`larouter config set providers.openai.base_url URL` hid `OPENAI_BASE_URL` at the next start without a word,
    where a `LAROUTER_*` variable hidden the same way was named (review AU 1). A variable the config file hides
    already (`ANTHROPIC_BASE_URL` under the file's `providers.anthropic.base_url`) is not blamed on the runtime."""
    from tests.support.proc import daemon_env, daemon_log, larouterd

    cfg = tmp_path / "c.toml"
    cfg.write_text('[providers.anthropic]\nbase_url = "http://127.0.0.1:8/v1"\n')
    runtime_file(home).write_text(json.dumps({"providers": {"openai": {"base_url": "http://127.0.0.1:2222/v1"},
                                                            "anthropic": {"base_url": "http://127.0.0.1:4444/v1"}}}))
    env = daemon_env(home, OPENAI_BASE_URL="http://127.0.0.1:3333/v1", ANTHROPIC_BASE_URL="http://127.0.0.1:5555")
    with larouterd(home, "--config", str(cfg), env=env) as (url, _):
        view = http_json("GET", url + "/api/config")[1]["providers"]
        assert view["openai"]["base_url"] == "http://127.0.0.1:2222/v1", view
    log = daemon_log(home)
    line = next((ln for ln in log.splitlines() if "the environment sets" in ln), "")
    assert "OPENAI_BASE_URL (providers.openai.base_url)" in line and "config unset" in line, log
    assert "ANTHROPIC_BASE_URL" not in line and "3333" not in line, line
