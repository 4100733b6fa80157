"""Where `larouter usage export` writes its CSV, and how: a regular file whole or not at all (a temporary file renamed
into place, nothing left of an export that fails or is stopped), a device or FIFO written into, stdout or another
descriptor of this process through the descriptor the shell opened, and never a name another user made in a directory
all may write (reviews AB, AE, AF, AG, AH of the thirty-fourth session)."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import sys
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import BinaryIO

from larouter.cli.common import EXIT_UNREACHABLE, Client, CliError

CHUNK = 64 * 1024


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


def _place(part: Path, target: Path) -> Path:
    """Move the finished `part` to `target`, or, when a file has that name, to `<stem>-2.csv`, `-3`… (never
    replaces one: the name was not the user's choice); the name it got."""
    for n in range(1, 1000):
        name = target if n == 1 else target.with_name(f"{target.stem}-{n}{target.suffix}")
        try:
            os.link(part, name)  # (fails when the name is taken: no check-then-write race)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links (FAT, some network mounts): check, then move
            if name.exists():
                continue
            os.replace(part, name)
            return name
        part.unlink()
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


def replaceable(path: Path) -> bool:
    """Whether an export may go to a temporary file renamed over `path` (written whole or not at all): a regular file
    (through symlinks), or a name not taken. Anything else (a device such as /dev/null, a FIFO, a terminal) is
    written into instead: renamed over, it became a plain file (as root, /dev/stdout: review AB)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:  # (a new name, or a symlink to one: `whole` makes the file it points to)
        return True
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def shared(directory: os.stat_result) -> bool:
    """A directory every user may write (/tmp; sticky or not): a name in it may be swapped by another user at any
    moment."""
    return bool(directory.st_mode & stat.S_IWOTH)


def planted(path: Path) -> None:
    """Refuse a name another user made in a shared directory (writable by all, such as /tmp): a symlink, followed,
    would have the export replace the file it points to, one of ours (`~/.bashrc`), with a CSV whose cells the other
    user may have written (the kernel's fs.protected_symlinks refuses this where it is on; elsewhere it is not:
    review AF); a FIFO or file of theirs would hand them the CSV (review AH). Refuse as well a path that goes through
    a symlink of theirs anywhere (`planted_on_the_way`)."""
    try:
        link, where = os.lstat(path), os.stat(path.absolute().parent)
        theirs = shared(where) and link.st_uid not in (os.geteuid(), where.st_uid)
    except OSError:
        theirs = False
    if theirs:
        what = "a symlink" if stat.S_ISLNK(link.st_mode) else "a FIFO" if stat.S_ISFIFO(link.st_mode) else "a file"
        raise CliError(f"refusing to write {path}: it is {what} another user made in a shared directory, and the "
                       "export would go where they choose or to them; name a file of yours")
    through = planted_on_the_way(path)
    if through is not None:
        what = ("a symlink another user made" if through[1] else
                "a directory another user owns (they may swap a name in it for a symlink as the export writes)")
        raise CliError(f"refusing to write {path}: {through[0]} on the way is {what}, and the export would go "
                       "where they choose; name a file of yours")


def planted_on_the_way(path: Path) -> tuple[Path, bool] | None:
    """The first symlink the kernel would follow on the way to `path` that another user (not us, not root) made, else
    None: `/tmp/their-link -> ~them/dir` makes `-o /tmp/their-link/usage.csv` an export into their directory, where
    they read it (review AF); in a directory of theirs (`/tmp/reports`, theirs, 0755: `mkdir -p` of ours finds it
    there), `usage.csv -> ~/.bashrc` had the export replace our file (review AK: the kernel's protected_symlinks
    covers only sticky world-writable directories). So is a directory of theirs on the way (True: a symlink; False: a
    directory): they may swap a name in it for a symlink between this check and the write (review AM: 1 export in
    36). Root's and world-writable sticky ones (/tmp: written by name, `_in_shared`) are not theirs. The components
    are walked as the kernel walks them (`..` after the symlink it follows, a symlink's target walked in turn, `path`
    itself included)."""
    here, todo, hops = Path("/"), list(reversed(path.absolute().parts[1:])), 0
    while todo:
        name = todo.pop()
        if name == "..":
            here = here.parent
            continue
        step = here / name
        try:
            link = os.lstat(step)
            theirs = link.st_uid not in (os.geteuid(), 0)
            if not stat.S_ISLNK(link.st_mode):
                if theirs and stat.S_ISDIR(link.st_mode) and not (shared(link) and link.st_mode & stat.S_ISVTX):
                    return step, False
                here = step
                continue
            if theirs:
                return step, True
            target = Path(os.readlink(step))
        except OSError:  # (not there: nothing past it is followed; the write says what is wrong)
            return None
        hops += 1
        if hops > 40:  # (a loop: the write fails with ELOOP)
            return None
        if target.is_absolute():
            here = Path("/")
        todo.extend(reversed(target.parts[1:] if target.is_absolute() else target.parts))
    return None


def _in_shared(path: Path) -> bool:
    """Whether `path` is a name in a shared directory (`shared`): written there by that name, its symlink never
    followed (one swapped in after `planted` looked would be: review AG)."""
    try:
        return shared(os.stat(path.absolute().parent))
    except OSError:
        return False


def whole(client: Client, resp: HTTPResponse, output: Path | None) -> tuple[Path, int]:
    """Write the export to a temporary file, then move it into place: the file named with -o (through a symlink, the
    file it points to; an existing file keeps its mode and, where allowed, its owner), or, without -o, the daemon's
    suggested name (numbered when taken); the name and the byte count. Nothing is left of an export that fails."""
    target = output or Path(attachment_name(resp.headers.get("Content-Disposition")) or "larouter-usage.csv")
    dest = target if output is None or _in_shared(target) else Path(os.path.realpath(target))
    # named before it is made, so a signal at any moment finds it to remove; a new file of its own, 0600 (O_EXCL: never
    # one a symlink planted at its name points to)
    part = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with contextlib.suppress(FileNotFoundError):
            was = dest.stat()
            os.fchmod(fd, stat.S_IMODE(was.st_mode))
            with contextlib.suppress(PermissionError):
                os.fchown(fd, was.st_uid, was.st_gid)
        with os.fdopen(fd, "wb") as out:
            written = copy(client, resp, out)
        if output is None:
            return _place(part, target), written
        os.replace(part, dest)  # the file the user named
        return target, written
    except BaseException as exc:  # (Ctrl-C, a signal, a full disk: no partial file left behind)
        with contextlib.suppress(OSError):  # (on a read-only file system the cleanup fails too: EROFS)
            part.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise


def deliver(client: Client, resp: HTTPResponse, output: Path | None) -> tuple[Path, int] | None:
    """Write the export where `-o` says: stdout (`-`, /dev/stdout), another descriptor of this process
    (`descriptor`), a device or FIFO (written into), else a file written whole (`whole`). The file and the byte count
    to report, or None when the CSV went to stdout or stderr (nothing is said after it there)."""
    if output is None:
        return whole(client, resp, None)
    fd = 1 if str(output) == "-" else descriptor(output)
    if fd == 1:
        copy(client, resp, sys.stdout.buffer, "what reached stdout is incomplete")
        sys.stdout.flush()
        return None
    if fd is None:
        planted(output)
        if replaceable(output):
            return whole(client, resp, output)
    try:
        with os.fdopen(os.dup(fd), "wb") if fd is not None else open(output, "wb") as out:
            written = copy(client, resp, out, f"what {output} got is incomplete")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    return None if fd == 2 else (output, written)
