"""What a download found when it checked a file, kept beside the file for the next time the model is asked for.

A download computes the sha256 of every file it fetches and compares it with the expected one (the catalog's, the
registration's, or the hub's LFS ETag) before it renames the file into place. Right after that rename it writes
`.<file>.checked.json` next to the file: `{"sha256", "verified", "size", "mtimeNs", "checkedAt"}` (`verified`: an
expected sha256 was known and matched; without one the hash is kept all the same). Asking for a model whose files
are already on disk reports that record (`files[]` of the download: `path`, `sha256`, `verified`, `checkedAt`)
instead of pretending the file was never checked. A record whose size or modification time no longer matches the
file (replaced or edited since), or a file with no record (put there by hand, or fetched by a LARouter before this
record existed), reads as not checked: `sha256` null and `verified` false.

Blocking (file I/O): called on download threads or through `asyncio.to_thread`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from larouter.fsutil import atomic_write

log = logging.getLogger("larouter.downloads")


def record_path(dest: Path) -> Path:
    """The record of `dest`'s check: a hidden file beside it."""
    return dest.with_name(f".{dest.name}.checked.json")


def checked(dest: Path, sha256: str, verified: bool) -> dict[str, Any]:
    """Keep what the check of `dest` (just renamed into place) found, and return it as a download's file entry. A
    record that cannot be written (a full disk) is only a warning: the file itself is good."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = {"path": str(dest), "sha256": sha256, "verified": verified, "checkedAt": now}
    try:
        stat = dest.stat()
        record = {"sha256": sha256, "verified": verified, "size": stat.st_size, "mtimeNs": stat.st_mtime_ns,
                  "checkedAt": now}
        atomic_write(record_path(dest), json.dumps(record).encode())
    except OSError as exc:
        log.warning("could not keep the sha256 check of %s (%s): asked for again, it will read as not checked",
                    dest, exc.strerror or exc)
    return entry


def on_disk(dest: Path) -> dict[str, Any]:
    """A file already in place, as a download's file entry: what its record says was checked, if the record still
    matches the file, else not checked."""
    entry: dict[str, Any] = {"path": str(dest), "sha256": None, "verified": False, "checkedAt": None}
    try:
        stat = dest.stat()
        record = json.loads(record_path(dest).read_bytes())
    except (OSError, ValueError):
        return entry
    if not isinstance(record, dict) or (record.get("size"), record.get("mtimeNs")) != (stat.st_size, stat.st_mtime_ns):
        return entry
    sha256, verified, at = record.get("sha256"), record.get("verified"), record.get("checkedAt")
    if not (isinstance(sha256, str) and isinstance(verified, bool) and isinstance(at, str)):
        return entry
    return {**entry, "sha256": sha256, "verified": verified, "checkedAt": at}


def all_on_disk(dests: list[Path]) -> tuple[list[int], list[dict[str, Any]]] | None:
    """Sizes and file entries when every one of `dests` is in place, else None."""
    if not all(dest.is_file() for dest in dests):
        return None
    return [dest.stat().st_size for dest in dests], [on_disk(dest) for dest in dests]
