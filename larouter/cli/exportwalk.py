"""How `larouter usage export -o PATH` finds where to write: the path walked from `/` one directory descriptor at a
time, each directory checked on the descriptor the file is then made in, so what was checked is what is written;
another user's symlink or directory on the way refused, and in a directory others may write (world-writable,
group-writable with other members, or with an ACL) a name another user made refused and no symlink followed (reviews
AF, AG, AH, AK, AM, AO of the thirty-fourth and thirty-sixth sessions)."""

from __future__ import annotations

import errno
import grp
import os
import pwd
import re
import stat
from pathlib import Path
from typing import NamedTuple

from larouter.cli.common import CliError

# a directory on the way, opened as the kernel walks it: never through a symlink (O_NOFOLLOW: `locate` reads and
# checks each itself); O_PATH where there is one (Linux), so a directory we may search but not list is walked as well
DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
KEPT = 8  # directories on the way held open for a `..` after them; one further up is opened again (as `..` of the
# one below it, checked to be the same) when a `..` reaches it: a 300-deep path stays within `ulimit -n 256`


def cannot(path: Path | str, why: str) -> CliError:
    """The error for a path that cannot be written, saying why."""
    return CliError(f"cannot write {path}: {why}")


def absolute(path: Path) -> Path:
    """`path` made absolute from the current directory, or the error saying that directory is gone (a relative `-o`
    run where it was removed was blamed on the daemon: review AO)."""
    try:
        return path.absolute()
    except FileNotFoundError:
        raise cannot(path, "the current directory was removed (cd to one that exists, or name the file by its full "
                           "path)") from None


def reached_descriptor(here: Path, name: str) -> int | None:
    """The descriptor N of this process when the walk reaches it as `name` in the directory `here` (/dev/stdout,
    /dev/stderr, /dev/fd/N of a shell's process substitution, /proc/self/fd/N: named, or through our symlinks, as
    `out.csv -> /dev/stdout` goes on to /proc/self, then /proc/PID/fd/1): written through, as the shell opened it
    (opened anew, `>> log` was truncated and `2> f.csv` written from its start: review AE; followed, the log was
    replaced: review AO)."""
    if re.fullmatch(r"[0-9]+", name) and re.fullmatch(rf"/dev/fd|/proc/(?:self|thread-self|{os.getpid()}"
                                                      rf"(?:/task/[0-9]+)?)/fd", str(here)):
        return int(name)
    return {"stdout": 1, "stderr": 2}.get(name) if str(here) == "/dev" else None


def theirs(st: os.stat_result) -> bool:
    """Made by another user (not us, not root)."""
    return st.st_uid not in (os.geteuid(), 0)


def shared(fd: int, st: os.stat_result) -> bool:
    """Whether users other than us (and root) may make or rename names in the directory `fd` (`st`): another user
    may then swap a name in it at any moment. World-writable (/tmp, sticky or not); group-writable (a team's 2775
    directory: review AO) unless its group is our user-private group (Debian's, umask 002: our directories are 775)
    with no one else in it and no ACL on the directory (its group bits are then the ACL's mask: some named user or
    group may write)."""
    if st.st_mode & stat.S_IWOTH:
        return True
    if not st.st_mode & stat.S_IWGRP:
        return False
    if hasattr(os, "listxattr"):  # (Linux; an O_PATH descriptor is read through its /proc link)
        try:
            names = os.listxattr(f"/proc/self/fd/{fd}" if hasattr(os, "O_PATH") else fd)
        except OSError:  # (a file system without extended attributes: no ACL)
            names = []
        if "system.posix_acl_access" in names:
            return True
    return not private_group(st.st_gid) or others_in(st.st_gid)


def private_group(gid: int) -> bool:
    """Whether `gid` is our user-private group (Debian's convention: our primary group, named as we are). Any other
    group may have members no database lists (an unknown gid, NSS, systemd's SupplementaryGroups=: review AP)."""
    try:
        return gid == os.getegid() and grp.getgrgid(gid).gr_name == pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return False


def others_in(gid: int) -> bool:
    """Whether a user other than us and root is in group `gid`: a listed member, or one whose primary group it is."""
    us = (os.geteuid(), 0)
    try:
        members = grp.getgrgid(gid).gr_mem
    except KeyError:  # (no such group in the database: no listed members)
        members = []
    for name in members:
        try:
            if pwd.getpwnam(name).pw_uid not in us:
                return True
        except KeyError:  # (a member the user database does not know: someone else)
            return True
    return any(user.pw_gid == gid and user.pw_uid not in us for user in pwd.getpwall())


class Spot(NamedTuple):
    """Where the export goes: the name in a directory held open (`parent`, walked to by `locate`), and what the name
    was when looked at (None: not there, a new file; never another user's in a directory others may write)."""
    parent: int
    name: str
    found: os.stat_result | None


def refused(path: Path, why: str) -> CliError:
    """The error refusing `path`, saying why."""
    return CliError(f"refusing to write {path}: {why}; name a file of yours")


def kind(st: os.stat_result) -> str:
    """What a name is, for a message."""
    return "a symlink" if stat.S_ISLNK(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else (
        "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a file")


def locate(path: Path, parent_only: bool = False) -> Spot | int:
    """Walk to `path` one name at a time, from the root, as the kernel does (`..` after the symlink it follows, a
    symlink's target walked in turn, at most 40), each directory opened with O_NOFOLLOW relative to the one before
    and checked on its descriptor: what was checked is what the export is written through, so a name swapped for a
    symlink after it was looked at is never followed (a path checked then written by name was: 1 export in 36 for
    review AM). Refused: another user's symlink anywhere on the way (`/tmp/their-link/usage.csv` went to their
    directory: review AF; `usage.csv -> ~/.bashrc` in a directory of theirs replaced our file: review AK), a
    directory of theirs on the way (they may swap or rename a name in it: review AM; their sticky 1777 drop box too,
    whose owner may rename anything in it: review AO; root's, such as /tmp, is not theirs), and, in a directory others
    may write (`shared`), a name another user made (their symlink followed replaced one of our files: review AF; their
    FIFO or file handed them the CSV: reviews AH, AO). In such a directory the name itself is written, even our own
    symlink not followed (one swapped in after the check would be: review AG). A descriptor of ours reached through
    symlinks is returned as its number. `parent_only`: walk to the directory the name is in (the export's suggested
    name, numbered there, never followed). The error saying why when the path cannot be walked."""
    todo, hops = list(reversed(absolute(path).parts[1:])), 0
    if parent_only:
        todo = todo[1:]
    # the directories walked to, each opened in the one before it: [descriptor (None: closed, opened again as `..`
    # when needed), path, (device, inode)]
    stack: list[list] = [[os.open("/", DIR_FLAGS), Path("/"), None]]
    try:
        while todo:
            name = todo.pop()
            if name in ("", "."):
                continue
            if name == "..":  # (the directory it was walked to from: `/` is its own parent)
                if len(stack) > 1:
                    up(stack)
                continue
            (fd, here, _), last = stack[-1], not todo and not parent_only
            if last and (mine := reached_descriptor(here, name)) is not None:
                return mine
            if not last:
                try:
                    sub = os.open(name, DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    raise missing(path, here / name, todo, parent_only) from None
                except OSError as exc:
                    if exc.errno not in (errno.ENOTDIR, errno.ELOOP, errno.EMLINK):  # (a symlink: looked at below)
                        raise
                else:
                    got = os.fstat(sub)
                    stack.append([sub, here / name, (got.st_dev, got.st_ino)])
                    if len(stack) > KEPT + 1 and stack[-KEPT - 1][0] is not None:
                        os.close(stack[-KEPT - 1][0])
                        stack[-KEPT - 1][0] = None
                    if theirs(got):
                        raise refused(path, f"{here / name} on the way is a directory another user owns (they may "
                                            "swap a name in it for a symlink as the export writes), and the export "
                                            "would go where they choose")
                    continue
            try:
                found = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if last:
                    return Spot(stack.pop()[0], name, None)
                raise missing(path, here / name, todo, parent_only) from None
            if last and shared(fd, os.fstat(fd)):
                if theirs(found):
                    raise refused(path, f"it is {kind(found)} another user made in a directory others may write, "
                                        "and the export would go where they choose or to them")
                return Spot(stack.pop()[0], name, found)
            link = symlink(fd, name) if stat.S_ISLNK(found.st_mode) else None
            if link is None and last:
                return Spot(stack.pop()[0], name, found)
            hops += 1
            if hops > 40:  # (a loop of symlinks, or a name swapped back and forth as it is looked at)
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
            if link is None:
                if not stat.S_ISDIR(found.st_mode) and not stat.S_ISLNK(found.st_mode):
                    raise cannot(path, f"{here / name} is not a directory")
                todo.append(name)  # (swapped as it was looked at: look again)
                continue
            if theirs(link[0]):
                raise refused(path, f"{here / name} on the way is a symlink another user made, and the export "
                                    "would go where they choose")
            target = Path(link[1])
            if target.is_absolute():
                while len(stack) > 1:
                    if (closing := stack.pop()[0]) is not None:
                        os.close(closing)
            todo.extend(reversed(target.parts[1:] if target.is_absolute() else target.parts))
        if parent_only:
            return Spot(stack.pop()[0], path.name, None)
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))  # (`/`, or a path ending in `..`)
    finally:
        for fd, _, _ in stack:
            if fd is not None:
                os.close(fd)


def up(stack: list[list]) -> None:
    """`..`: back to the directory before, opened again as `..` of the one left when it was closed (`KEPT`), and
    checked to be the one walked through (a directory moved meanwhile has another `..`)."""
    fd, _, _ = stack.pop()
    try:
        if stack[-1][0] is None:
            again = os.open("..", DIR_FLAGS, dir_fd=fd)
            st = os.fstat(again)
            if (st.st_dev, st.st_ino) != stack[-1][2]:
                os.close(again)
                raise OSError(errno.EAGAIN, f"{stack[-1][1]} was moved as the export was walking it")
            stack[-1][0] = again
    finally:
        os.close(fd)


def missing(path: Path, gone: Path, todo: list[str], parent_only: bool) -> CliError:
    """The error for a directory on the way that does not exist: the first one missing, and how to make them all."""
    rest = list(reversed(todo))[:None if parent_only else -1]
    return cannot(path, f"the directory {gone} does not exist (make it with `mkdir -p {Path(gone, *rest)}`)")


def symlink(parent: int, name: str) -> tuple[os.stat_result, str] | None:
    """The symlink `name` in `parent`: its owner and mode, and its target, read from the one link (where O_PATH is,
    Linux: a link swapped in after its owner was looked at is not the one read); None when it is not one."""
    if hasattr(os, "O_PATH"):
        fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
        try:
            st = os.fstat(fd)
            return (st, os.readlink("", dir_fd=fd)) if stat.S_ISLNK(st.st_mode) else None
        finally:
            os.close(fd)
    st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    if not stat.S_ISLNK(st.st_mode):
        return None
    target = os.readlink(name, dir_fd=parent)
    again = os.stat(name, dir_fd=parent, follow_symlinks=False)
    if (again.st_dev, again.st_ino, again.st_uid) != (st.st_dev, st.st_ino, st.st_uid):
        raise OSError(errno.EAGAIN, "it changed as it was read")
    return st, target
