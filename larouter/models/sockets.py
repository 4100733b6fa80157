"""Whose is the TCP socket listening on a port: this machine's process table says (Linux `/proc`).

A llama-server start is only ready when the server answering on its port is the one it started: another program
that took the port first (another local user's, say) would be sent the model's key and the users' prompts. Asking
the server (`/props` with a wrong key and the right one) proves only that it refuses what it was shown; the process
table proves whose socket it is. Blocking (it reads /proc): call it from a worker thread.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from larouter.models.pidfiles import identity

LISTEN = "0A"  # the state column of /proc/net/tcp for a listening socket


def listening_inodes(port: int, proc: Path = Path("/proc")) -> set[int]:
    """The inodes of the TCP sockets (IPv4 and IPv6) listening on `port`."""
    found = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN and int(fields[1].rpartition(":")[2], 16) == port:
                found.add(int(fields[9]))
    return found


def _stat(pid_dir: Path) -> tuple[int, int, int] | None:
    """(parent, process group, CPU clock ticks used: user and system) of one process, or None."""
    try:
        stat = (pid_dir / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after the command name, which may hold spaces and parentheses
    return (int(fields[1]), int(fields[2]), int(fields[11]) + int(fields[12])) if len(fields) > 12 else None


def _family(root: int, proc: Path) -> dict[int, tuple[int, int, int]]:
    """`root` (a process group's leader), the processes of its group, and every descendant of it (a wrapper's
    `setsid` child, say, which leaves the group), each with its `_stat` (one read of the process table)."""
    table = {int(entry): found for entry in os.listdir(proc)
             if entry.isdigit() and (found := _stat(proc / entry)) is not None}
    children: dict[int, list[int]] = {}
    for pid, (parent, _group, _cpu) in table.items():
        children.setdefault(parent, []).append(pid)
    todo, seen = [root], {root}
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {pid: stat for pid, stat in table.items() if pid in seen or stat[1] == root}


def _holds(pid_dir: Path, sockets: set[str]) -> bool:
    try:
        fds = os.listdir(pid_dir / "fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(pid_dir / "fd" / fd) in sockets:
                return True
        except OSError:
            continue
    return False


Strays = list[tuple[int, tuple[str, int]]]  # processes by pid, each with its identity (`pidfiles.identity`)


def strays(group: int, proc: Path = Path("/proc")) -> Strays:
    """The descendants of process group `group`'s leader that left the group (a wrapper's `setsid` child: a signal
    to the group misses it), each with its identity, so a signal sent later cannot reach another process that was
    given its pid since; empty when the process table cannot tell."""
    if not (proc / "self" / "stat").exists():
        return []
    found = []
    for pid, (_parent, group_of, _cpu) in _family(group, proc).items():
        if pid != group and group_of != group:
            with contextlib.suppress(OSError, ValueError, IndexError):
                found.append((pid, identity(pid)))
    return found


def signal_strays(found: Strays, sig: int) -> None:
    """Send `sig` to each of `strays`' processes that is still the one found (blocking: it reads /proc)."""
    for pid, ident in found:
        with contextlib.suppress(OSError, ValueError, IndexError):
            if identity(pid) == ident:
                os.kill(pid, sig)


def family_cpu(group: int, proc: Path = Path("/proc")) -> int | None:
    """CPU time (clock ticks, user and system) used so far by process group `group` and its descendants, as
    `_family` finds them; None when the process table cannot tell."""
    if not (proc / "self" / "stat").exists():
        return None
    return sum(cpu for _parent, _group, cpu in _family(group, proc).values())


def group_listens(group: int, port: int, proc: Path = Path("/proc")) -> bool | None:
    """Whether a process of process group `group` (a model's llama-server, started as a group's leader, any child it
    forked, and any descendant that left the group) holds the socket listening on `port`; None when the process table
    cannot tell (no /proc: not Linux)."""
    if not (proc / "net" / "tcp").exists():
        return None
    inodes = listening_inodes(port, proc)
    if not inodes:
        return False
    sockets = {f"socket:[{inode}]" for inode in inodes}
    return any(_holds(proc / str(pid), sockets) for pid in _family(group, proc))
