"""Where `larouter usage export` writes its CSV, and how: a regular file whole or not at all (a temporary file renamed
into place, nothing left of an export that fails or is stopped), a device or FIFO written into, stdout or another
descriptor of this process through the descriptor the shell opened, and never a name another user made in a directory
others may write, nor a path through another user's symlink or directory (`exportwalk`: reviews AB, AE, AF, AG, AH,
AK, AM of the thirty-fourth session, AO of the thirty-sixth)."""

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
from typing import BinaryIO, Iterator

from larouter.cli.common import EXIT_UNREACHABLE, Client, CliError
from larouter.cli.ending import stdout_to_devnull
from larouter.cli.exportwalk import Spot, cannot, locate, refused

CHUNK = 64 * 1024
NAME_MAX = 255  # bytes in a file name (Linux, macOS, the BSDs)


def copy(client: Client, src: HTTPResponse, dst: BinaryIO, name: str, left: str = "nothing was written") -> int:
    """Copy the response body a chunk at a time (memory stays flat); return the byte count. A read that fails is the
    daemon's (exit 2; `left`: what a cut-off export leaves, for the message), a write that fails is ours ("cannot
    write `name`", exit 1: a full disk under `-o - > /dev/full` was blamed on the daemon: review AO); a reader gone
    (EPIPE) is left to `reader_may_leave`."""
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
        try:
            dst.write(chunk)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            raise cannot(name, exc.strerror or str(exc)) from None
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


def part_name(name: str) -> str:
    """The temporary file's name for `name`: `.NAME.xxxxxxxx.part`, the middle of NAME cut (`…`) so it fits in
    NAME_MAX bytes (a valid 241-255-byte name failed with "File name too long": review AO)."""
    end = f".{secrets.token_hex(4)}.part"
    room = NAME_MAX - 1 - len(end)
    if len(os.fsencode(name)) > room:
        keep = len(name) // 2
        while keep and len(os.fsencode(f"{name[:keep]}…{name[-keep:]}")) > room:
            keep -= 1
        name = f"{name[:keep]}…{name[-keep:]}" if keep else "…"
    return f".{name}{end}"


def whole(client: Client, resp: HTTPResponse, spot: Spot, output: Path | None) -> tuple[Path, int]:
    """Write the export to a temporary file, then move it into place: the file named with -o (`output`; through a
    symlink of ours, the file it points to; an existing file keeps its mode and, where allowed, its owner, but never
    another user's in a directory others may write), or, without -o, the daemon's suggested name (`spot.name`, in the
    directory `locate` checked: numbered when taken); the name and the byte count. Nothing is left of an export that
    fails. Written by name in the directory `spot` holds open, never through a path walked again."""
    where, name, was = spot.parent, spot.name, spot.found
    target = output or Path(name)
    if was is not None and stat.S_ISREG(was.st_mode) and os.geteuid() != 0 and not writable(where, name, was):
        mode = f"mode {stat.S_IMODE(was.st_mode):04o}"
        raise refused(target, f"it is read-only ({mode}), and `>` would not write it either: make it writable "
                              f"(chmod u+w {target}) to replace it" if was.st_uid == os.geteuid() else
                              f"it is another user's file you may not write ({mode}), and `>` would not write it "
                              "either")
    # named before it is made, so a signal at any moment finds it to remove; a new file of its own, 0600 (O_EXCL: never
    # one a symlink planted at its name points to)
    part = part_name(name)
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=where)
        if was is not None and stat.S_ISREG(was.st_mode):  # (the file that was checked: its mode, owner and ACL;
            os.fchmod(fd, stat.S_IMODE(was.st_mode))  # never another user's in a directory others may write: `locate`)
            with contextlib.suppress(PermissionError):
                os.fchown(fd, was.st_uid, was.st_gid)
            keep_acl(where, name, fd, was)
        with os.fdopen(fd, "wb") as out:
            written = copy(client, resp, out, str(target))
        if output is None:
            return _place(where, part, target), written
        os.replace(part, name, src_dir_fd=where, dst_dir_fd=where)  # the file the user named
        return target, written
    except BaseException as exc:  # (Ctrl-C, a signal, a full disk: no partial file left behind)
        with contextlib.suppress(OSError):  # (on a read-only file system the cleanup fails too: EROFS)
            os.unlink(part, dir_fd=where)
        if isinstance(exc, OSError):
            raise cannot(target, exc.strerror or str(exc)) from None
        raise


def keep_acl(where: int, name: str, fd: int, was: os.stat_result) -> None:
    """Give the new file `fd` the ACL of the file `name` it replaces: with one, the mode's group bits are its mask, so
    the mode alone let the owning group read a CSV the ACL kept from it, and dropped its named users (review AP).
    When the ACL cannot be copied, the group bits are cleared: narrower, never wider."""
    if not hasattr(os, "getxattr"):
        return
    try:
        acl = os.getxattr(f"/proc/self/fd/{where}/{name}", "system.posix_acl_access", follow_symlinks=False)
    except OSError:  # (none: ENODATA; no extended attributes here)
        return
    try:
        os.setxattr(fd, "system.posix_acl_access", acl)
    except OSError:
        os.fchmod(fd, stat.S_IMODE(was.st_mode) & ~0o070)


def writable(where: int, name: str, was: os.stat_result) -> bool:
    """Whether we may write the file `name` in `where` (`was`: what it was when looked at), as `>` would: the
    kernel's answer (its mode, our groups, an ACL); where `os.access` takes no directory descriptor, the mode bits of
    `was` that apply to us. A name gone since it was looked at has nothing left to keep: writable."""
    if os.access in os.supports_dir_fd and os.access in os.supports_follow_symlinks:
        try:
            return os.access(name, os.W_OK, dir_fd=where, effective_ids=os.access in os.supports_effective_ids,
                             follow_symlinks=False)
        except FileNotFoundError:
            return True
    ours = was.st_uid == os.geteuid()
    bit = stat.S_IWUSR if ours else stat.S_IWGRP if was.st_gid in {os.getegid(), *os.getgroups()} else stat.S_IWOTH
    return bool(was.st_mode & bit)


def deliver(client: Client, resp: HTTPResponse, output: Path | None) -> tuple[Path, int] | None:
    """Write the export where `-o` says: stdout (`-`, /dev/stdout), another descriptor of this process
    (/dev/fd/N, /proc/self/fd/N, named or reached through our symlinks: `locate`), a device or FIFO (written into), else a file written whole
    (`whole`); without -o, the daemon's suggested name in this directory, walked to as `-o` is. The file and the byte
    count to report, or None when the CSV went to stdout or stderr (nothing is said after it there)."""
    if output is None:
        suggested = Path(attachment_name(resp.headers.get("Content-Disposition")) or "larouter-usage.csv")
        with walked(suggested, parent_only=True) as spot:
            assert isinstance(spot, Spot)
            return whole(client, resp, spot, None)
    if str(output) == "-":
        return through(client, resp, 1, output)
    with walked(output) as spot:  # (/dev/stdout, /dev/fd/N, /proc/self/fd/N: a descriptor the walk reaches, named
        if isinstance(spot, Spot):  # or through our symlinks)
            return written_to(client, resp, spot, output)
    return through(client, resp, spot, output)


@contextlib.contextmanager
def walked(path: Path, parent_only: bool = False) -> Iterator[Spot | int]:
    """`locate(path)`, its errors said as "cannot write"; the directory it holds open closed after."""
    try:
        spot = locate(path, parent_only)
    except OSError as exc:
        raise cannot(path, exc.strerror or str(exc)) from None
    try:
        yield spot
    finally:
        if isinstance(spot, Spot):
            os.close(spot.parent)


def through(client: Client, resp: HTTPResponse, fd: int, output: Path) -> tuple[Path, int] | None:
    """Write the export through descriptor `fd` of this process (1: stdout's buffer), as the shell opened it."""
    name = "stdout" if fd == 1 else str(output)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if fd == resp.fileno():  # (`-o /dev/fd/3` with no 3 from the shell, `-o /dev/stderr 2>&-`: the CSV went into
            raise cannot(output, f"{os.strerror(errno.EBADF)} (the shell opened no descriptor {fd}: that one is "
                                 "larouter's own connection to larouterd)")  # the CLI's own connection: review AP)
    try:
        if fd == 1:
            try:
                copy(client, resp, sys.stdout.buffer, name, "what reached stdout is incomplete")
                sys.stdout.flush()
            except BaseException:  # (what is buffered is flushed; when that fails, it would fail again as the
                try:  # interpreter exits, with exit 120: it goes to /dev/null instead)
                    sys.stdout.flush()
                except OSError:
                    stdout_to_devnull()
                raise
            return None
        with os.fdopen(os.dup(fd), "wb") as out:
            written = copy(client, resp, out, name, f"what {output} got is incomplete")
    except OverflowError:  # (`/dev/fd/99999999999999999999`: no such descriptor)
        raise cannot(output, os.strerror(errno.EBADF)) from None
    except OSError as exc:
        if fd == 1 and exc.errno == errno.EPIPE:  # (the reader left: `reader_may_leave`)
            raise
        raise cannot(name, exc.strerror or str(exc)) from None
    return None if fd == 2 else (output, written)


def written_to(client: Client, resp: HTTPResponse, spot: Spot, output: Path) -> tuple[Path, int]:
    """Write the export to the name `locate` found: a regular file (or a new name, or our symlink in a shared
    directory) written whole (`whole`); a device, FIFO or terminal written into, the one that was checked (renamed
    over, it became a plain file: as root, /dev/stdout; review AB), opened without O_TRUNC (one swapped in before the
    check is not cut short: none of these needs truncating)."""
    mode = spot.found.st_mode if spot.found is not None else stat.S_IFREG
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return whole(client, resp, spot, output)
    try:
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        fd = os.open(spot.name, os.O_WRONLY | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC, dir_fd=spot.parent)
        with os.fdopen(fd, "wb") as out:
            got = os.fstat(fd)
            if spot.found is None or (got.st_dev, got.st_ino) != (spot.found.st_dev, spot.found.st_ino):
                raise OSError(errno.EAGAIN, "it was replaced as the export began")
            return output, copy(client, resp, out, str(output), f"what {output} got is incomplete")
    except OSError as exc:
        raise cannot(output, exc.strerror or str(exc)) from None
