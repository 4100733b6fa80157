"""Where the running larouterd listens, for the CLI: `$LAROUTER_HOME/larouterd.address`.

larouterd writes it once it listens (`{"pid": ..., "url": ..., "bootId": ..., "startTime": ..., "config": ...}`, the last
the config file it read, `--config` included) and removes it when
it stops; the CLI reads it before the settings, so it finds a daemon started with `--port`, or on a port set at runtime
and applied by a restart, without `--url`. A file left by a daemon that was killed names a process that is gone, or a
pid the kernel has since given to another process (its start time or boot id differ, as for llama-server pidfiles:
`models/pidfiles.py`), and is ignored: the CLI sends the admin token to that address.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from pathlib import Path

from larouter.fsutil import atomic_write
from larouter.models.pidfiles import Record, Verdict, verdict

log = logging.getLogger("larouter.daemon")

ADDRESS_FILE = "larouterd.address"
ADMIN_TOKEN_FILE = "admin_token"  # the generated admin token (0600), kept across starts
TOKEN_FILE = "larouterd.token"  # the running daemon's admin token at its start (0600), for its owner's CLI


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (here, not in `auth`, so the CLI can ask without the server's imports)."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def http_url(host: str, port: int) -> str:
    """`http://host:port` to reach a daemon bound to `host` (a wildcard bind is reached on loopback)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def write_address(home: Path, host: str, port: int, token: str | None = None, config: Path | None = None) -> None:
    """Record this process's listening address (blocking: call it off the event loop), and, for its owner's CLI, the
    admin token it started with (`TOKEN_FILE`, 0600: the `admin_token` file holds the generated one, not one set
    by LAROUTER_ADMIN_TOKEN or a config file the CLI does not read). OSError when either cannot be written."""
    me = Record.of(os.getpid(), "larouterd")
    record = {"pid": me.pid, "url": http_url(host, port), "bootId": me.boot_id, "startTime": me.starttime,
              "config": None if config is None else str(config)}
    data = json.dumps(record).encode()
    if token is not None:
        atomic_write(home / TOKEN_FILE, (token + "\n").encode(), 0o600)
    try:
        atomic_write(home / ADDRESS_FILE, data, 0o644)
    except OSError:  # (the start fails: no copy of the admin token is left behind)
        (home / TOKEN_FILE).unlink(missing_ok=True)
        raise


def remove_address(home: Path) -> None:
    """Remove the record if it is this process's (blocking). A data directory that became unwritable leaves it (a
    stale record is recognised by its process's start time): a warning, not the stop's failure (it was reported as
    "cannot listen ... Permission denied", exit 1: review Z2)."""
    path = home / ADDRESS_FILE
    if _read(path).get("pid") == os.getpid():
        try:
            (home / TOKEN_FILE).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s at stop (%s): the next start replaces it", path, exc.strerror or exc)


def running_address(home: Path) -> str | None:
    """The URL of the larouterd running on this home, or None (no record, or its process is gone)."""
    record = _read(home / ADDRESS_FILE)
    pid, url = record.get("pid"), record.get("url")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(url, str):
        return None
    if not url.startswith("http://"):
        return None
    boot_id, starttime = record.get("bootId"), record.get("startTime")
    identity = (boot_id, starttime) if isinstance(boot_id, str) and type(starttime) is int else (None, None)
    # (alive and another user's, a service: its address still stands; a record without identity cannot be checked)
    return None if verdict(Record(pid, "larouterd", *identity)) in (Verdict.GONE, Verdict.OTHER) else url


def running_config(home: Path) -> Path | None:
    """The config file the larouterd running on this home read (`--config FILE` included), or None."""
    config = _read(home / ADDRESS_FILE).get("config")
    return Path(config) if isinstance(config, str) and config and running_address(home) is not None else None


def _read(path: Path) -> dict:
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
