"""Where the running larouterd listens, for the CLI: `$LAROUTER_HOME/larouterd.address`.

larouterd writes it once it listens (`{"pid": ..., "url": ...}`) and removes it when it stops; the CLI reads it
before the settings, so it finds a daemon started with `--port`, or on a port set at runtime and applied by a
restart, without `--url`. A file left by a daemon that was killed names a process that is gone and is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from larouter.fsutil import atomic_write

ADDRESS_FILE = "larouterd.address"


def http_url(host: str, port: int) -> str:
    """`http://host:port` to reach a daemon bound to `host` (a wildcard bind is reached on loopback)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def write_address(home: Path, host: str, port: int) -> None:
    """Record this process's listening address (blocking: call it off the event loop)."""
    data = json.dumps({"pid": os.getpid(), "url": http_url(host, port)}).encode()
    atomic_write(home / ADDRESS_FILE, data, 0o644)


def remove_address(home: Path) -> None:
    """Remove the record if it is this process's (blocking)."""
    path = home / ADDRESS_FILE
    if _read(path).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def running_address(home: Path) -> str | None:
    """The URL of the larouterd running on this home, or None (no record, or its process is gone)."""
    record = _read(home / ADDRESS_FILE)
    pid, url = record.get("pid"), record.get("url")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(url, str):
        return None
    if not url.startswith("http://"):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's (a service): its address still stands
        pass
    return url


def _read(path: Path) -> dict:
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
