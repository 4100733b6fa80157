"""`server.log_level`: set in config.toml, by `LAROUTER_LOG_LEVEL` / `LAROUTER_SERVER__LOG_LEVEL`, or at runtime by
PATCH /api/config (at once, no restart); `larouterd --log-level` wins over all of them. It could only be set by the
flag: the variable was warned about and ignored, the key stopped the start (review AS)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, free_port, larouterd
from tests.support.servers import home_admin, http_json, wait_until

DEBUG_LINE = "answered HTTP 200 (its request id"  # larouter.upstream's debug line, one per call to a provider


def call(url: str, text: str) -> None:
    """One chat completion through the daemon to the fake provider."""
    sdk = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0, timeout=30)
    assert sdk.chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": text}]).choices


def stopped_log(home: Path, proc: subprocess.Popen) -> str:
    """The daemon's whole log, once it has stopped (every batched line written)."""
    proc.terminate()
    assert proc.wait(20) == 0
    return daemon_log(home)


@pytest.mark.parametrize(("variables", "file", "flag", "shown"), [
    ({"LAROUTER_LOG_LEVEL": "debug"}, "", (), True),
    ({"LAROUTER_SERVER__LOG_LEVEL": "DEBUG"}, "", (), True),  # any case
    ({}, '[server]\nlog_level = "Debug"\n', (), True),
    ({"LAROUTER_LOG_LEVEL": "info"}, '[server]\nlog_level = "debug"\n', (), False),  # the environment over the file
    ({"LAROUTER_LOG_LEVEL": "debug"}, '[server]\nlog_level = "debug"\n', ("--log-level", "info"), False),  # the flag
    ({}, "", ("--log-level", "DEBUG"), True),
    ({}, "", (), False),  # info by default
], ids=["short-variable", "section-variable", "config-file", "env-over-file", "flag-over-all", "flag", "default"])
def test_the_log_level_is_a_setting(home: Path, fake: Fake, tmp_path: Path, variables: dict[str, str], file: str,
                                    flag: tuple[str, ...], shown: bool) -> None:
    """The level is read from the file, then the environment, then the command line; a debug-only line is logged
    exactly when it says debug, and no variable is warned about as "not a LARouter setting"."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, file))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY, **variables)
    with larouterd(home, "--config", str(cfg), *flag, env=env) as (url, proc):
        call(url, "hello")
        assert http_json("GET", url + "/api/config")[1]["server"]["log_level"] == ("debug" if shown else "info")
        log = stopped_log(home, proc)
    assert (DEBUG_LINE in log) is shown, log
    assert "not a LARouter setting" not in log and " DEBUG " in log if shown else " DEBUG " not in log


def test_a_patch_changes_the_log_level_at_once(home: Path, fake: Fake, tmp_path: Path) -> None:
    """PATCH server.log_level applies without a restart: a call before it logs no debug line, one after it does, and
    setting it back (any case) stops them again; the change is logged, persisted, and needs no restart."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY)) as (url, proc):
        call(url, "before")
        status, out = http_json("PATCH", url + "/api/config", {"server": {"log_level": "debug"}})
        assert status == 200 and out["server"]["log_level"] == "debug" and out["restartRequired"] == [], out
        call(url, "during")
        wait_until(lambda: DEBUG_LINE in daemon_log(home), 10, "the debug line of the call after the PATCH")
        status, out = http_json("PATCH", url + "/api/config", {"server": {"log_level": "INFO"}})
        assert status == 200 and out["server"]["log_level"] == "info", out
        call(url, "after")
        log = stopped_log(home, proc)
    assert log.count(DEBUG_LINE) == 1, log
    assert log.index("log level: debug (was info)") < log.index(DEBUG_LINE) < log.index("log level: info (was debug)")
    saved = json.loads((home / "runtime-config.json").read_text())
    assert saved["server"]["log_level"] == "INFO"  # (as sent: the next start reads it as info)


def test_the_command_line_wins_over_a_patch(home: Path, fake: Fake, tmp_path: Path) -> None:
    """Under `larouterd --log-level warning`, a PATCH of server.log_level is saved for a start without the option,
    and says so in `warnings`; the level in force stays the flag's (as `--port` over a patched server.port)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY)
    with larouterd(home, "--config", str(cfg), "--log-level", "warning", env=env) as (url, proc):
        status, out = http_json("PATCH", url + "/api/config", {"server": {"log_level": "debug"}})
        assert status == 200 and out["server"]["log_level"] == "warning", out
        assert any("server.log_level is set by larouterd's command line (--log-level)" in w for w in out["warnings"])
        call(url, "hello")
        port = int(url.rsplit(":", 1)[1])  # (the same for --port: the helper starts larouterd with it)
        status, out = http_json("PATCH", url + "/api/config", {"server": {"port": port + 1}}, headers=home_admin(home))
        assert status == 200 and any("server.port is set by larouterd's command line (--port)" in w
                                     for w in out["warnings"]), out
        log = stopped_log(home, proc)
    assert DEBUG_LINE not in log and " INFO " not in log, log
    assert json.loads((home / "runtime-config.json").read_text())["server"]["log_level"] == "debug"
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):  # without the option: the saved value
        assert http_json("GET", url + "/api/config")[1]["server"]["log_level"] == "debug"


@pytest.mark.parametrize("value", ["verbose", "warn", 10, ""])
def test_a_bad_log_level_is_refused_naming_the_setting(home: Path, fake: Fake, tmp_path: Path, value: object) -> None:
    """A PATCH of a level that is none of debug, info, warning, error is a 400 naming server.log_level that changes
    nothing."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY)) as (url, _proc):
        status, out = http_json("PATCH", url + "/api/config", {"server": {"log_level": value}})
        assert status == 400 and out["error"]["param"] == "server.log_level", out
        assert out["error"]["message"].startswith("server.log_level: "), out
        assert http_json("GET", url + "/api/config")[1]["server"]["log_level"] == "info"
    assert not (home / "runtime-config.json").exists()


@pytest.mark.parametrize(("variables", "file", "message"), [
    ({"LAROUTER_LOG_LEVEL": "loud"}, "", "server.log_level: must be one of debug, info, warning, error (in any case), "
                                         "got 'loud' (from the environment variable LAROUTER_LOG_LEVEL)"),
    ({}, "[server]\nlog_level = 1\n", "server.log_level: expected a string, got 1"),
    ({}, '[server]\nlog_level = "trace"\n', "server.log_level: must be one of debug, info, warning, error"),
])
def test_a_bad_log_level_stops_the_start(home: Path, tmp_path: Path, variables: dict[str, str], file: str,
                                         message: str) -> None:
    """A bad level in the environment or the config file refuses the start (exit 78) naming the setting (and the
    variable), with no traceback."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(file)
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--config", str(cfg), "--port", str(free_port())],
                         env=daemon_env(home, **variables), capture_output=True, text=True, timeout=30)
    assert out.returncode == 78, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr, out.stderr
