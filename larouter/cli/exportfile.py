"""Where `larouter usage export` writes its CSV, and how: a regular file whole or not at all (a temporary file renamed
into place, nothing left of an export that fails or is stopped), a device or FIFO written into, stdout or another
descriptor of this process through the descriptor the shell opened, and never a name another user made in a directory
all may write, nor a path through another user's symlink or directory, walked one directory descriptor at a time so
what was checked is what is written (reviews AB, AE, AF, AG, AH, AK, AM of the thirty-fourth session)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import sys
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import BinaryIO, NamedTuple

from larouter.cli.common import EXIT_UNREACHABLE, Client, CliError

CHUNK = 64 * 1024
# a directory on the way, opened as the kernel walks it: never through a symlink (O_NOFOLLOW: `locate` reads and
# checks each itself); O_PATH where there is one (Linux), so a directory we may search but not list is walked as well
DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def copy(client: Client, src: HTTPResponse, dst: BinaryIO, left: str = "nothing was written") -> int:
    """Copy the response body a chunk at a time (memory stays flat); return the byte count (`left`: what a cut-off
    export leaves, for the message)."""
    total = 0
    while True:
        try:
            chunk = src.read(CHUNK)
        except (OSError, HTTPException) as exc:
            raise CliError(f"the export from {client.base_url} was cut off after {total:,} bytes ({type(exc).__name__}):"
                           f" larouterd stopped it (its log says why) or stopped; {left}",
                           EXIT_UNREACHABLE) from None
        if not chunk:
            return total
        dst.write(chunk)
        total += len(chunk)


def attachment_name(header: str | None) -> str | None:
    """The filename of a Content-Disposition header when it is an export's (`larouter-usage-….csv`), else None: the
    server (which may be another user's program on the settings' port) never picks a file such as `.bashrc`."""
    found = re.search(r'filename="(larouter-usage-[A-Za-z0-9._\-]{0,200}\.csv)"', header or "")
    return found.group(1) if found else None


def _place(where: int, part: str, target: Path) -> Path:
    """Move the finished `part` to `target`, or, when a file has that name, to `<stem>-2.csv`, `-3`… (never
    replaces one: the name was not the user's choice), in the directory `where`; the name it got."""
    for n in range(1, 1000):
        name = target if n == 1 else target.with_name(f"{target.stem}-{n}{target.suffix}")
        try:  # (fails when the name is taken: no check-then-write race)
            os.link(part, name.name, src_dir_fd=where, dst_dir_fd=where, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links (FAT, some network mounts): check, then move
            with contextlib.suppress(FileNotFoundError):
                os.stat(name.name, dir_fd=where, follow_symlinks=False)
                continue
            os.replace(part, name.name, src_dir_fd=where, dst_dir_fd=where)
            return name
        os.unlink(part, dir_fd=where)
        return name
    raise CliError(f"{target} and 998 numbered names next to it exist; choose a file with -o")


FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd|proc/thread-self/fd)/(\d+)")


def descriptor(path: Path) -> int | None:
    """The descriptor of this process a path names (/dev/stdout, /dev/stderr, /dev/fd/N of a shell's process
    substitution, /proc/self/fd/N), else None: it is written through that descriptor, as the shell opened it (opened
    anew, `>> log` was truncated and `2> f.csv` written from its start: review AE)."""
    text = os.path.normpath(str(path.absolute()))
    found = FD_PATH.fullmatch(text) or re.fullmatch(rf"/proc/{os.getpid()}/fd/(\d+)", text)
    return {"/dev/stdout": 1, "/dev/stderr": 2}.get(text, int(found.group(1)) if found else None)


def shared(directory: os.stat_result) -> bool:
    """A directory every user may write (/tmp; sticky or not): a name in it may be swapped by another user at any
    moment."""
    return bool(directory.st_mode & stat.S_IWOTH)


def theirs(st: os.stat_result) -> bool:
    """Made by another user (not us, not root)."""
    return st.st_uid not in (os.geteuid(), 0)


class Spot(NamedTuple):
    """Where the export goes: the name in a directory held open (`parent`, walked to by `locate`), and what the name
    was when looked at (None: not there, a new file)."""
    parent: int
    name: str
    found: os.stat_result | None


def refused(path: Path, why: str) -> CliError:
    """The error refusing `path`, saying why."""
    return CliError(f"refusing to write {path}: {why}; name a file of yours")


def locate(path: Path) -> Spot:
    """Walk to `path` one name at a time, from the root, as the kernel does (`..` after the symlink it follows, a
    symlink's target walked in turn, at most 40), each directory opened with O_NOFOLLOW relative to the one before
    and checked on its descriptor: what was checked is what the export is written through, so a name swapped for a
    symlink after it was looked at is never followed (a path checked then written by name was: 1 export in 36 for
    review AM). Refused: another user's symlink anywhere on the way (`/tmp/their-link/usage.csv` went to their
    directory: review AF; `usage.csv -> ~/.bashrc` in a directory of theirs replaced our file: review AK), a
    directory of theirs on the way (they may swap a name in it: review AM; root's and world-writable sticky ones, such
    as /tmp, are not theirs), and, in a directory all may write, a name another user made there (their symlink
    followed replaced one of our files with their cells: review AF; their FIFO or file handed them the CSV: review
    AH). In such a directory the name itself is written, even our own symlink not followed (one swapped in after the
    check would be: review AG). OSError when the path cannot be walked (the caller says "cannot write")."""
    todo, hops = list(reversed(path.absolute().parts[1:])), 0
    stack = [(os.open("/", DIR_FLAGS), Path("/"))]  # (the directories walked to, each opened in the one before it)
    try:
        while todo:
            (fd, here), name = stack[-1], todo.pop()
            if name in ("", "."):
                continue
            if name == "..":  # (the directory it was walked to from: `/` is its own parent)
                if len(stack) > 1:
                    os.close(stack.pop()[0])
                continue
            last = not todo
            if not last:
                try:
                    sub = os.open(name, DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno not in (errno.ENOTDIR, errno.ELOOP, errno.EMLINK):  # (a symlink: looked at below)
                        raise
                else:
                    stack.append((sub, here / name))
                    got = os.fstat(sub)
                    if theirs(got) and not (shared(got) and got.st_mode & stat.S_ISVTX):
                        raise refused(path, f"{here / name} on the way is a directory another user owns (they may "
                                            "swap a name in it for a symlink as the export writes), and the export "
                                            "would go where they choose")
                    continue
            try:
                found = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if last:
                    return Spot(stack.pop()[0], name, None)
                raise
            if last and shared(where := os.fstat(fd)):
                if found.st_uid not in (os.geteuid(), where.st_uid):
                    what = ("a symlink" if stat.S_ISLNK(found.st_mode) else
                            "a FIFO" if stat.S_ISFIFO(found.st_mode) else "a file")
                    raise refused(path, f"it is {what} another user made in a shared directory, and the export "
                                        "would go where they choose or to them")
                return Spot(stack.pop()[0], name, found)
            link = symlink(fd, name) if stat.S_ISLNK(found.st_mode) else None
            if link is None and last:
                return Spot(stack.pop()[0], name, found)
            hops += 1
            if hops > 40:  # (a loop of symlinks, or a name swapped back and forth as it is looked at)
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
            if link is None:
                if not stat.S_ISDIR(found.st_mode) and not stat.S_ISLNK(found.st_mode):
                    raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
                todo.append(name)  # (swapped as it was looked at: look again)
                continue
            if theirs(link[0]):
                raise refused(path, f"{here / name} on the way is a symlink another user made, and the export "
                                    "would go where they choose")
            target = Path(link[1])
            if target.is_absolute():
                while len(stack) > 1:
                    os.close(stack.pop()[0])
            todo.extend(reversed(target.parts[1:] if target.is_absolute() else target.parts))
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))  # (`/`, or a path ending in `..`)
    finally:
        for fd, _ in stack:
            os.close(fd)


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


def whole(client: Client, resp: HTTPResponse, spot: Spot | None, output: Path | None) -> tuple[Path, int]:
    """Write the export to a temporary file, then move it into place: the file named with -o (`spot`, through a symlink
    of ours, the file it points to; an existing file keeps its mode and, where allowed, its owner), or, without -o,
    the daemon's suggested name here (numbered when taken); the name and the byte count. Nothing is left of an export
    that fails. Written by name in the directory `spot` holds open (`locate`), never through a path walked again."""
    target = output or Path(attachment_name(resp.headers.get("Content-Disposition")) or "larouter-usage.csv")
    try:
        where = spot.parent if spot is not None else os.open(".", DIR_FLAGS)
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    name, was = (spot.name, spot.found) if spot is not None else (target.name, None)
    # named before it is made, so a signal at any moment finds it to remove; a new file of its own, 0600 (O_EXCL: never
    # one a symlink planted at its name points to)
    part = f".{name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=where)
        if was is not None and stat.S_ISREG(was.st_mode):  # (the file that was checked: its mode, and owner)
            os.fchmod(fd, stat.S_IMODE(was.st_mode))
            with contextlib.suppress(PermissionError):
                os.fchown(fd, was.st_uid, was.st_gid)
        with os.fdopen(fd, "wb") as out:
            written = copy(client, resp, out)
        if output is None:
            return _place(where, part, target), written
        os.replace(part, name, src_dir_fd=where, dst_dir_fd=where)  # the file the user named
        return target, written
    except BaseException as exc:  # (Ctrl-C, a signal, a full disk: no partial file left behind)
        with contextlib.suppress(OSError):  # (on a read-only file system the cleanup fails too: EROFS)
            os.unlink(part, dir_fd=where)
        if isinstance(exc, OSError):
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    finally:
        if spot is None:
            os.close(where)


def deliver(client: Client, resp: HTTPResponse, output: Path | None) -> tuple[Path, int] | None:
    """Write the export where `-o` says: stdout (`-`, /dev/stdout), another descriptor of this process
    (`descriptor`), a device or FIFO (written into), else a file written whole (`whole`). The file and the byte count
    to report, or None when the CSV went to stdout or stderr (nothing is said after it there)."""
    if output is None:
        return whole(client, resp, None, None)
    fd = 1 if str(output) == "-" else descriptor(output)
    if fd == 1:
        copy(client, resp, sys.stdout.buffer, "what reached stdout is incomplete")
        sys.stdout.flush()
        return None
    if fd is None:
        try:
            spot = locate(output)
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
        try:
            return written_to(client, resp, spot, output)
        finally:
            os.close(spot.parent)
    try:
        with os.fdopen(os.dup(fd), "wb") as out:
            written = copy(client, resp, out, f"what {output} got is incomplete")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    return None if fd == 2 else (output, written)


def written_to(client: Client, resp: HTTPResponse, spot: Spot, output: Path) -> tuple[Path, int]:
    """Write the export to the name `locate` found: a regular file (or a new name, or our symlink in a shared
    directory) written whole (`whole`); a device, FIFO or terminal written into, the one that was checked (renamed
    over, it became a plain file: as root, /dev/stdout; review AB)."""
    mode = spot.found.st_mode if spot.found is not None else stat.S_IFREG
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return whole(client, resp, spot, output)
    try:
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        fd = os.open(spot.name, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC,
                     dir_fd=spot.parent)
        with os.fdopen(fd, "wb") as out:
            got = os.fstat(fd)
            if spot.found is None or (got.st_dev, got.st_ino) != (spot.found.st_dev, spot.found.st_ino):
                raise OSError(errno.EAGAIN, "it was replaced as the export began")
            return output, copy(client, resp, out, f"what {output} got is incomplete")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
