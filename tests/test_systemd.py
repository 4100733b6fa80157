"""The shipped systemd unit is valid and hardened."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).parent.parent / "systemd" / "larouterd.service"


def test_unit_is_hardened() -> None:
    """The unit runs as a dedicated user with the hardening the operator expects."""
    text = UNIT.read_text()
    for line in ("DynamicUser=yes", "User=larouter", "StateDirectory=larouter", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "KillMode=mixed", "Environment=LAROUTER_HOME=/var/lib/larouter"):
        assert line in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None and "CI" not in __import__("os").environ,
                    reason="systemd-analyze not installed (.ci/run installs it in CI)")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit (ExecStart pointed at an existing binary)."""
    unit = tmp_path / "larouterd.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/larouterd", sys.executable))
    out = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "larouterd.service" not in out.stderr, out.stderr
