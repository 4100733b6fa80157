"""A data directory larouterd may not write (read-only mount, permission refused) is said as such: nothing is
damaged, so the advice never tells the operator to move the ledger aside (which would start an empty one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.proc import daemon_env, free_port, larouterd

DAMAGE_ADVICE = ("move usage.duckdb", "new, empty ledger", "If it is damaged")
READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def namespaces_work(*args: str) -> bool:
    """Whether `unshare ARGS true` runs here (user and mount namespaces may be unavailable in a sandbox)."""
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", *args, "true"], capture_output=True, timeout=30).returncode == 0


def start(home: Path, *prefix: str) -> subprocess.CompletedProcess[str]:
    """Run larouterd on this home under a command prefix; it is expected to refuse to start."""
    cmd = [*prefix, sys.executable, "-m", "larouter.daemon", "--port", str(free_port())]
    return subprocess.run(cmd, env=daemon_env(home), capture_output=True, text=True, timeout=60)


def used_home(home: Path) -> Path:
    """A home a daemon has run on (a ledger, projects, an admin token)."""
    with larouterd(home):
        pass
    assert (home / "usage.duckdb").is_file()
    return home


def test_a_read_only_home_says_read_only_and_not_damaged(home: Path, tmp_path: Path) -> None:
    """A ledger on a read-only mount: the message says read-only file system, what to do, and that nothing is
    damaged; the same for a fresh home on one (named as the directory, not a temporary file in it)."""
    if not namespaces_work("-rm"):
        pytest.skip("no user and mount namespaces here (unshare -rm)")
    out = start(used_home(home), "unshare", "-rm", "sh", "-c", READ_ONLY, str(home))
    assert out.returncode == 78 and "Traceback" not in out.stderr, out.stderr
    assert f"cannot open the usage ledger {home / 'usage.duckdb'}" in out.stderr, out.stderr
    assert "Read-only file system" in out.stderr and "is on a read-only file system" in out.stderr
    assert "nothing is damaged" in out.stderr and "ReadWritePaths=" in out.stderr
    assert not any(words in out.stderr for words in DAMAGE_ADVICE), out.stderr
    fresh = tmp_path / "fresh"
    fresh.mkdir(mode=0o700)
    out = start(fresh, "unshare", "-rm", "sh", "-c", READ_ONLY, str(fresh))
    assert out.returncode == 78 and "Traceback" not in out.stderr, out.stderr
    assert f"cannot use the data directory {fresh} ($LAROUTER_HOME): Read-only file system" in out.stderr, out.stderr
    assert "is on a read-only file system; nothing is damaged" in out.stderr


def test_a_ledger_it_may_not_open_says_permission_and_not_damaged(home: Path) -> None:
    """A ledger file its user may not open (mode 000, run as a user without root's override): permission denied, who
    should own what, and nothing is damaged."""
    if not namespaces_work("-U", "--map-user=1000", "--map-group=1000"):
        pytest.skip("no user namespaces here (unshare -U --map-user)")
    ledger = used_home(home) / "usage.duckdb"
    os.chmod(ledger, 0)
    out = start(home, "unshare", "-U", "--map-user=1000", "--map-group=1000")
    assert out.returncode == 78 and "Traceback" not in out.stderr, out.stderr
    assert "Permission denied" in out.stderr and "may not use" in out.stderr and "chown -R" in out.stderr, out.stderr
    assert "nothing is damaged" in out.stderr and not any(words in out.stderr for words in DAMAGE_ADVICE)
