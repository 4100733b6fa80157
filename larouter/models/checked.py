"""What a download found when it checked a file, kept beside the file for the next time the model is asked for.

A download computes the sha256 of every file it fetches and compares it with the expected one (the catalog's, the
registration's, or the hub's LFS ETag) before it renames the file into place. Right after that rename it writes
`.<file>.checked.json` next to the file: `{"sha256", "verified", "size", "mtimeNs", "checkedAt", "repo", "revision",
"file"}` (`verified`: an expected sha256 was known and matched; without one the hash is kept all the same; `repo`,
`revision` and `file`: where it came from). Asking for a model whose files
are already on disk reports that record (`files[]` of the download: `path`, `sha256`, `verified`, `checkedAt`)
instead of pretending the file was never checked. A record whose size or modification time no longer matches the
file (replaced or edited since), or a file with no record (put there by hand, or fetched by a LARouter before this
record existed), reads as not checked: `sha256` null and `verified` false. A record of another source than the one
asked for (a model removed and registered again from another repo, same file name) is `stale`, and `foreign` at the
new registration: the file is another model's, fetched again, never reported as the new one's. A record written
before records named the source (`LEGACY_FIELDS`) still tells what was checked; its source is unknown, so it is never
`foreign` (its sha256 still makes it `stale` when another one is expected).

The record is a cache of a check done earlier, not a proof: whoever can write the file can write its record. It is
read strictly all the same, so that a broken or planted one cannot hurt the daemon or reach a client: opened without
following a symlink and without blocking (a FIFO), only a regular file of at most `MAX_RECORD_BYTES` is read, and
only the exact shape `checked` writes (`sha256` 64 lowercase hex digits, `verified` a bool, `size` and `mtimeNs`
integers matching the file, `checkedAt` a UTC time as written) counts; anything else reads as no record. It is
written through a temp file in the same directory renamed over it, which replaces a symlink there, never follows it.

Blocking (file I/O): called on download threads or through `asyncio.to_thread`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat as stats
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from larouter.fsutil import atomic_write

log = logging.getLogger("larouter.downloads")

MAX_RECORD_BYTES = 4096  # a record is about 200 bytes; anything larger is not one
SHA256 = re.compile(r"[0-9a-f]{64}")
CHECKED_AT = "%Y-%m-%dT%H:%M:%SZ"
SOURCE = ("repo", "revision", "file")  # where the file came from: a `FileJob`'s repo, revision (default main), file
LEGACY_FIELDS = frozenset({"sha256", "verified", "size", "mtimeNs", "checkedAt"})  # (before the source was kept)
FIELDS = frozenset({*LEGACY_FIELDS, *SOURCE})


def source(repo: str, revision: str, file: str) -> dict[str, str]:
    """Where a file came from, as its record keeps it."""
    return {"repo": repo, "revision": revision, "file": file}


def record_path(dest: Path) -> Path:
    """The record of `dest`'s check: a hidden file beside it."""
    return dest.with_name(f".{dest.name}.checked.json")


def checked(dest: Path, sha256: str, verified: bool, origin: dict[str, str]) -> dict[str, Any]:
    """Keep what the check of `dest` (just renamed into place, fetched from `origin`: `source`) found, and return it
    as a download's file entry. A record that cannot be written (a full disk) is only a warning: the file itself is
    good."""
    now = datetime.now(timezone.utc).strftime(CHECKED_AT)
    entry = {"path": str(dest), "sha256": sha256, "verified": verified, "checkedAt": now}
    try:
        stat = dest.stat()
        record = {"sha256": sha256, "verified": verified, "size": stat.st_size, "mtimeNs": stat.st_mtime_ns,
                  "checkedAt": now, **origin}
        atomic_write(record_path(dest), json.dumps(record).encode())
    except OSError as exc:
        log.warning("could not keep the sha256 check of %s (%s): asked for again, it will read as not checked",
                    dest, exc.strerror or exc)
    return entry


def read_record(path: Path) -> Any:
    """The parsed JSON of a record, or None when it is not a regular file of at most `MAX_RECORD_BYTES` (a symlink, a
    FIFO, a device, a directory, a huge file), cannot be read, or is not UTF-8 JSON (nested past the recursion limit
    included). Never blocks on a FIFO and never reads more than the cap."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stats.S_ISREG(info.st_mode) or info.st_size > MAX_RECORD_BYTES:
            return None
        data = b""
        while len(data) <= MAX_RECORD_BYTES:
            chunk = os.read(fd, MAX_RECORD_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_RECORD_BYTES:  # grew since the fstat
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


def is_checked_at(value: Any) -> bool:
    """A `checkedAt` as `checked` writes it: a real UTC time, `YYYY-MM-DDTHH:MM:SSZ`."""
    if not isinstance(value, str) or len(value) != 20:
        return False
    try:
        return datetime.strptime(value, CHECKED_AT).strftime(CHECKED_AT) == value
    except ValueError:
        return False


def valid_record(record: Any, info: os.stat_result) -> bool:
    """The record has exactly the shape `checked` writes and still matches the file (its size and mtime)."""
    if not isinstance(record, dict) or not (record.keys() == LEGACY_FIELDS or (
            record.keys() == FIELDS and all(isinstance(record[k], str) for k in SOURCE))):
        return False
    sha256, verified, size, mtime = record["sha256"], record["verified"], record["size"], record["mtimeNs"]
    return (isinstance(sha256, str) and SHA256.fullmatch(sha256) is not None and isinstance(verified, bool)
            and type(size) is int and type(mtime) is int and (size, mtime) == (info.st_size, info.st_mtime_ns)
            and is_checked_at(record["checkedAt"]))


def _record(dest: Path) -> tuple[os.stat_result | None, dict[str, Any] | None]:
    """The file's stat and its sound record (None when there is no file, or no sound record matching it)."""
    try:
        info = dest.stat()
    except OSError:
        return None, None
    record = read_record(record_path(dest))
    return info, (record if valid_record(record, info) else None)


def on_disk(dest: Path) -> dict[str, Any]:
    """A file already in place, as a download's file entry: what its record says was checked, if the record is sound
    and still matches the file, else not checked."""
    entry: dict[str, Any] = {"path": str(dest), "sha256": None, "verified": False, "checkedAt": None}
    _, record = _record(dest)
    if record is None:
        return entry
    return {**entry, "sha256": record["sha256"], "verified": record["verified"], "checkedAt": record["checkedAt"]}


def foreign(dest: Path, origin: dict[str, str]) -> bool:
    """Whether the file in place came, by its record, from another source than `origin` (another repo, revision or
    file of the hub). A file with no sound record cannot tell: it is not foreign."""
    _, record = _record(dest)
    return record is not None and _from_elsewhere(record, origin)


def _from_elsewhere(record: dict[str, Any], origin: dict[str, str]) -> bool:
    """Whether a sound record names another source than `origin` (a legacy one names none: it cannot tell)."""
    return record.keys() == FIELDS and {k: record[k] for k in SOURCE} != origin


def stale(dest: Path, expected: str | None, origin: dict[str, str]) -> bool:
    """Whether the file in place is, by its record, another file than the one expected: fetched from another source
    than `origin` (a model registered again from another repo under the same file name), or with another sha256
    than `expected` (the catalog's or the registration's: a catalog update that changed a file). It is fetched
    again, never reported as the expected file."""
    _, record = _record(dest)
    if record is None:
        return False
    return _from_elsewhere(record, origin) or bool(expected and record["sha256"] != expected.lower())


def all_on_disk(files: list[tuple[Path, str | None, dict[str, str]]]) -> tuple[list[int], list[dict[str, Any]]] | None:
    """Sizes and file entries when every one of `files` (where, the sha256 expected if known, and the source) is in
    place and not `stale`, else None."""
    if not all(dest.is_file() and not stale(dest, expected, origin) for dest, expected, origin in files):
        return None
    dests = [dest for dest, _, _ in files]
    return [dest.stat().st_size for dest in dests], [on_disk(dest) for dest in dests]
