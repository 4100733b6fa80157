"""Crash-safe file writes."""

from __future__ import annotations

import errno
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from larouter.apierror import LarouterError

PRIVATE_DIR = 0o700  # the data directory holds keys, tokens, the usage ledger and model logs: its owner's only


PRIVATE_UMASK = 0o077  # files the daemon (or a library in it, as DuckDB its WAL) creates: 0600, directories 0700


def _shared_mode(path: Path) -> int | None:
    """The permission bits of `path` when they let others in (group or other bits), else None (or unreadable)."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None


def warn_if_shared(directory: Path) -> str | None:
    """A warning when an existing data directory lets others in (group or other permission bits), else None."""
    if (mode := _shared_mode(directory)) is None:
        return None
    return (f"the data directory {directory} has mode {mode:04o}: others on this machine may read what is in it "
            f"(tokens, keys, the usage ledger); run: chmod 700 {directory}")


def warn_if_readable_secret(path: Path | None, secrets: list[str]) -> str | None:
    """A warning when the config file sets a secret (`secrets`: the dotted keys it sets that are keys or tokens)
    and others on this machine may read it, else None."""
    if path is None or not secrets or (mode := _shared_mode(path)) is None:
        return None
    said = (f"the config file {path} has mode {mode:04o} and sets {', '.join(secrets[:3])}: others on this machine "
            "may read it")
    try:
        theirs = path.stat().st_uid != os.geteuid()
    except OSError:
        theirs = False
    if theirs:  # (root's /etc/larouter/config.toml under the systemd unit: chmod 600 would lock larouterd out)
        return (f"{said}; it is another user's file, so move the secrets to the environment instead (under systemd, "
                "/etc/larouter/env: LAROUTER_ADMIN_TOKEN, and the variables the providers' api_key_env name)")
    return f"{said}; run: chmod 600 {path}"


def private_file(path: Path) -> None:
    """Make an existing file its owner's only (0600); nothing when it is not there."""
    try:
        os.chmod(path, 0o600)
    except FileNotFoundError:
        pass


def atomic_write(path: Path, data: bytes, mode: int = 0o600, durable: bool = True) -> None:
    """Write to a temp file in the same directory, fsync, then rename over the target (a directory it has to make
    for it is private: 0700). Not `durable`: no fsync (the file must outlive the process, not the machine)."""
    path.parent.mkdir(PRIVATE_DIR, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def storage_error(exc: OSError, what: str) -> LarouterError:
    """The API error for a write to the data directory that failed: 507 when it is full (or over a quota or a file
    size limit), else 503; the change was not made."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    why = "the disk holding the data directory is full" if full else f"the data directory cannot be written ({exc.strerror})"
    return LarouterError(f"{what} was not saved: {why}; nothing was changed", 507 if full else 503,
                         "server_error", "insufficient_storage" if full else "storage_error")


UNWRITABLE = {errno.EROFS: "read-only", errno.EACCES: "denied", errno.EPERM: "denied"}


def unwritable_advice(code: int | None, directory: Path) -> str | None:
    """What to do when the data directory cannot be written (`code`: the errno): a read-only file system or a
    permission refused. Nothing is damaged then, and the advice says so; None for any other error."""
    kind = UNWRITABLE.get(code or 0)
    if kind == "read-only":
        return (f"{directory} is on a read-only file system; nothing is damaged, so leave its files as they are. Make "
                "it writable (remount it read-write; under systemd's ProtectSystem=strict, list it in ReadWritePaths= "
                "or use StateDirectory=) or point LAROUTER_HOME at a writable directory, then start again.")
    if kind == "denied":
        return (f"The user larouterd runs as may not use {directory} or its files; nothing is damaged, so leave them "
                "as they are. Give that user the directory and its files (chown -R), or run larouterd as their owner, "
                "then start again.")
    return None


def errno_of(message: str) -> int | None:
    """The errno whose text (`os.strerror`) ends a library's message, e.g. DuckDB's `Cannot open file "x": Read-only
    file system`; None when it ends with none."""
    text = message.strip().rstrip(".")
    return next((code for code in errno.errorcode if text.endswith(": " + os.strerror(code))), None)


def toml_of(data: bytes) -> dict[str, Any]:
    """TOML from a file's bytes; a UTF-8 byte-order mark (Windows editors write one) is skipped, not "Invalid
    statement (at line 1, column 1)" (review Z3)."""
    return tomllib.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
