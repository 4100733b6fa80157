"""Pidfiles of llama-server children, and ending the ones a daemon killed hard (SIGKILL, OOM) left running.

A pidfile names its process by boot id, pid and start time (clock ticks since boot, field 22 of /proc/<pid>/stat).
The kernel sets the start time at fork and exec keeps it, so the record matches the child whatever
`local.llama_server` is: the binary, a symlink, or a wrapper script that execs it (and while it is still loading).
A pid the kernel gave to another process since has a later start time, and after a reboot the boot id differs:
neither is ever killed. Without /proc nothing can be verified, so nothing is killed.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import signal
from pathlib import Path

import attrs

from larouter.fsutil import atomic_write

log = logging.getLogger("larouter.models")
PROC = Path("/proc")


class Verdict(enum.Enum):
    """What a pidfile's process is now."""

    GONE = "gone"
    OURS = "ours"  # the very process the previous daemon started
    OTHER = "other"  # its pid belongs to another process now
    UNVERIFIED = "unverified"  # alive, but nothing to tell whose it is (no /proc, or a record without identity)


@attrs.frozen
class Record:
    """What a pidfile says: the child's pid, its argv[0] (for people), and its identity where /proc gives one."""

    pid: int
    command: str
    boot_id: str | None = None
    starttime: int | None = None

    @classmethod
    def of(cls, pid: int, command: str) -> Record:
        """The record of a running child (without identity when /proc cannot tell it)."""
        try:
            boot_id, starttime = identity(pid)
        except (OSError, ValueError, IndexError):
            return cls(pid, command)
        return cls(pid, command, boot_id, starttime)

    def dump(self) -> str:
        """Pid on the first line (as pidfiles go), then the command, then the identity."""
        identity_lines = "" if self.starttime is None else f"boot_id={self.boot_id}\nstarttime={self.starttime}\n"
        return f"{self.pid}\n{self.command}\n{identity_lines}"

    @classmethod
    def parse(cls, text: str) -> Record:
        """Read a pidfile (one written before the identity lines existed has none); ValueError when it is not one."""
        lines = text.splitlines()
        if len(lines) < 2:
            raise ValueError("not a pidfile")
        fields = dict(line.split("=", 1) for line in lines[2:] if "=" in line)
        starttime = fields.get("starttime")
        return cls(int(lines[0]), lines[1], fields.get("boot_id"), int(starttime) if starttime is not None else None)


def identity(pid: int) -> tuple[str, int]:
    """(boot id, start time) of a process; OSError when it does not exist or this system has no /proc."""
    boot_id = (PROC / "sys/kernel/random/boot_id").read_text().strip()
    stat = (PROC / str(pid) / "stat").read_text()
    return boot_id, int(stat.rsplit(")", 1)[1].split()[19])  # after "pid (comm)": field 3 is [0], field 22 is [19]


def write_pidfile(path: Path, pid: int, command: str) -> None:
    """Record a child so a later daemon can end it if this one is killed hard (run off the event loop)."""
    atomic_write(path, Record.of(pid, command).dump().encode())


def verdict(record: Record) -> Verdict:
    """Whether the recorded process still runs, and whether it is provably the one the record names."""
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return Verdict.GONE
    except PermissionError:
        pass  # another user's process: /proc still tells whether it is the recorded one
    if record.starttime is None or not (PROC / "self/stat").exists():
        return Verdict.UNVERIFIED
    try:
        now = identity(record.pid)
    except (FileNotFoundError, ProcessLookupError):
        return Verdict.GONE  # exited since the check above
    except (OSError, ValueError, IndexError):
        return Verdict.UNVERIFIED
    return Verdict.OURS if now == (record.boot_id, record.starttime) else Verdict.OTHER


def kill_orphans(run_dir: Path) -> list[int]:
    """End the llama-server process groups a previous daemon left behind (found via its pidfiles); return their pids.
    A pidfile is removed once its process is gone, killed, or provably another one; kept while it may still run."""
    killed = []
    for pidfile in sorted(run_dir.glob("*.pid")) if run_dir.is_dir() else []:
        try:
            record = Record.parse(pidfile.read_text())
        except (OSError, ValueError):
            log.warning("ignoring unreadable pidfile %s", pidfile)
            pidfile.unlink(missing_ok=True)
            continue
        if _settle(pidfile, record):
            killed.append(record.pid)
    return killed


def _settle(pidfile: Path, record: Record) -> bool:
    """Act on one pidfile; True when its process was killed."""
    found = verdict(record)
    if found is Verdict.UNVERIFIED:
        log.warning("pid %d (%s) may be a llama-server a previous run started, but it cannot be verified here: left "
                    "running, and %s kept", record.pid, record.command, pidfile)
        return False
    if found is Verdict.OURS:
        if not _kill(record.pid):
            log.warning("could not kill orphaned llama-server (pid %d): not permitted; %s kept", record.pid, pidfile)
            return False
        log.warning("killed orphaned llama-server (pid %d) left by a previous run", record.pid)
    elif found is Verdict.OTHER:
        log.info("pid %d from %s is another process now (that llama-server is gone): left alone", record.pid, pidfile)
    pidfile.unlink(missing_ok=True)
    return found is Verdict.OURS


def _kill(pid: int) -> bool:
    """SIGKILL a verified child and its process group (a wrapper's children, or what it exec'd); False on EPERM.
    The group's id is the child's pid, which no other process can hold while the child exists."""
    try:
        with contextlib.suppress(ProcessLookupError):  # the child left its group, or the group is gone
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    except PermissionError:
        return False
    return True
