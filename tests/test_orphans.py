"""Orphans of a hard-killed larouterd: the next start ends its llama-server whatever runs it, and nothing else."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from larouter.models.binary import find_llama_server
from tests.conftest import LOCAL
from tests.support.proc import daemon_env, daemon_log, larouterd
from tests.support.servers import home_admin, http_json, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

# Stands in for the wrappers people point local.llama_server at (Nix, LD_LIBRARY_PATH scripts): a shell that waits
# for its gate file (a model that is still loading), then execs the real llama-server: same pid, a new argv[0].
WRAPPER = """#!/bin/sh
while [ ! -e "{gate}" ]; do sleep 0.05; done
exec "{real}" "$@"
"""


def boot_id() -> str:
    """This boot's id."""
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def starttime(pid: int) -> int:
    """A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def group_alive(pgid: int) -> bool:
    """True while any process is left in the process group (zombies aside)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


@contextlib.contextmanager
def ended_if_left(pid: int) -> Iterator[None]:
    """On the way out, SIGKILL the group of `pid` if that very process is still there (a failed test's orphan)."""
    born = starttime(pid)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError, IndexError):
            if starttime(pid) == born:
                os.killpg(pid, signal.SIGKILL)


def wrapped_daemon_config(tmp_path: Path, gate: Path) -> Path:
    """A config whose local.llama_server is the gated wrapper, with the tiny GGUF written next to it."""
    wrapper = tmp_path / "llama-server-wrapper"
    wrapper.write_text(WRAPPER.format(gate=gate, real=find_llama_server()))
    wrapper.chmod(0o755)
    write_tiny_gguf(tmp_path / "tiny.gguf")
    cfg = tmp_path / "local.toml"
    cfg.write_text(LOCAL.format(restarts=0) + f'llama_server = "{wrapper}"\n')
    return cfg


def register_tiny(url: str, home: Path, tmp_path: Path) -> None:
    """Add the tiny GGUF as user model `tiny` (with the admin token the daemon of `home` generated)."""
    status, out = http_json("POST", url + "/api/models", {"id": "tiny", "path": str(tmp_path / "tiny.gguf"),
                                                          "contextLength": 2048}, headers=home_admin(home))
    assert status == 201, out


def start_tiny(url: str) -> None:
    """POST /api/models/tiny/start, which answers once the model is ready, or fails when larouterd is killed."""
    with contextlib.suppress(OSError):
        http_json("POST", url + "/api/models/tiny/start")


def health(url: str) -> dict:
    """GET /api/models/tiny/health."""
    return http_json("GET", url + "/api/models/tiny/health")[1]


@pytest.mark.llama
@pytest.mark.parametrize("loaded", [True, False], ids=["ready", "still-starting"])
def test_an_orphan_behind_an_exec_wrapper_is_killed_by_the_next_start(home: Path, tmp_path: Path, loaded: bool) -> None:
    """A llama-server started through a wrapper script, ready or still loading when larouterd was SIGKILLed, is
    killed with its whole process group by the next larouterd, which says so and drops the pidfile."""
    gate = tmp_path / "gate"
    if loaded:
        gate.touch()
    cfg, env = wrapped_daemon_config(tmp_path, gate), daemon_env(home)
    pidfile = home / "run" / "tiny.pid"
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        register_tiny(url, home, tmp_path)
        # The start answers once the model is ready, which a still-starting one never is: it runs in a thread.
        starter = threading.Thread(target=start_tiny, args=(url,))
        starter.start()
        want = "ready" if loaded else "starting"
        wait_until(lambda: health(url)["state"] == want and health(url)["pid"] and pidfile.exists(), 30,
                   f"the model to be {want}")
        pid = int(health(url)["pid"])
        proc.kill()
        proc.wait(10)
        starter.join(30)
    with ended_if_left(pid):
        assert alive(pid) and group_alive(pid)  # orphaned: nobody would end it
        with larouterd(home, "--config", str(cfg), env=env):
            wait_until(lambda: not group_alive(pid), 10, "the orphan's process group to be killed")
            assert not pidfile.exists()
            wait_until(lambda: f"killed orphaned llama-server (pid {pid})" in daemon_log(home), 5, "the kill logged")


def write_record(run: Path, name: str, text: str) -> Path:
    """A pidfile as a previous larouterd would have left it."""
    run.mkdir(exist_ok=True)
    path = run / name
    path.write_text(text)
    return path


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated process leading its own process group (as the recorded llama-server did)."""
    sleep = subprocess.Popen([shutil.which("sleep") or "sleep", "300"], start_new_session=True)
    try:
        yield sleep
    finally:
        sleep.kill()
        sleep.wait(10)


def test_a_pid_that_went_to_another_process_is_left_alone(home: Path, bystander: subprocess.Popen[bytes]) -> None:
    """A recorded pid the kernel has since given to another process (a later start time, or the same numbers in an
    earlier boot) is not killed, even with the same argv[0], and its stale pidfile is dropped."""
    pid, argv0, born = bystander.pid, bystander.args[0], starttime(bystander.pid)
    run = home / "run"
    reused = write_record(run, "reused.pid", f"{pid}\n{argv0}\nboot_id={boot_id()}\nstarttime={born - 1}\n")
    rebooted = write_record(run, "rebooted.pid", f"{pid}\n{argv0}\nboot_id={uuid.uuid4()}\nstarttime={born}\n")
    with larouterd(home):
        assert bystander.poll() is None and alive(pid)  # orphans are dealt with before larouterd answers
        assert not reused.exists() and not rebooted.exists()
        wait_until(lambda: daemon_log(home).count(f"pid {pid} from") == 2, 5, "both records to be reported")
    assert "killed orphaned" not in daemon_log(home)


def test_a_record_that_cannot_be_verified_kills_nothing_and_is_kept(home: Path, bystander: subprocess.Popen[bytes]) -> None:
    """A pidfile without the process's identity (written before it was recorded) never gets its live pid killed and
    stays while that pid runs; one whose process is gone is dropped."""
    done = subprocess.Popen(["true"])
    done.wait(10)
    run = home / "run"
    unverified = write_record(run, "old.pid", f"{bystander.pid}\n{bystander.args[0]}\n")
    gone = write_record(run, "gone.pid", f"{done.pid}\n/usr/bin/true\nboot_id={boot_id()}\nstarttime=1\n")
    with larouterd(home):
        assert bystander.poll() is None and alive(bystander.pid)  # orphans are dealt with before larouterd answers
        assert unverified.exists() and not gone.exists()
        wait_until(lambda: f"pid {bystander.pid} (" in daemon_log(home), 5, "the unverifiable record to be reported")
    assert "killed orphaned" not in daemon_log(home)


def test_without_proc_nothing_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        bystander: subprocess.Popen[bytes]) -> None:
    """Where /proc does not exist (macOS, BSD) a record, even a matching one, is never acted on while its pid runs."""
    from larouter.models import pidfiles  # noqa: PLC0415 - the module under test; the file's other tests need none of it

    record = pidfiles.Record.of(bystander.pid, str(bystander.args[0]))
    assert record.starttime is not None
    write_record(tmp_path, "tiny.pid", record.dump())
    monkeypatch.setattr(pidfiles, "PROC", tmp_path / "no-proc")
    assert pidfiles.kill_orphans(tmp_path) == []
    assert bystander.poll() is None and (tmp_path / "tiny.pid").exists()
