"""Which daemon a command talks to, and with which token: --url / LAROUTER_URL as given (checked), else where this
home's running larouterd says it listens (`larouterd.address`), else the settings' address; the local admin token
goes only to an address the daemon of this home recorded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from larouter.cli.common import Client, CliError
from larouter.cli.output import err_console, safe
from larouter.cli.urlcheck import url_problem


def settings_target(token: str | None) -> Client:
    """A client for the daemon of this home: where it says it listens (`larouterd.address`, written while it runs:
    `--port` included), with the local admin token if none was given; else where the settings larouterd starts with
    put it (`load_runtime`: config file, LAROUTER_* env, and the changes made at runtime in runtime-config.json),
    without a token: no daemon of this home listens there now, and another local user's program may."""
    from larouter.address import http_url, running_address, running_config
    from larouter.config import ConfigError  # only needed without --url / LAROUTER_URL
    from larouter.runtime import load_runtime, runtime_file

    home = env_home()
    try:
        try:
            runtime = load_runtime(None, light=True)
        except ConfigError:  # the running daemon may read another file (`larouterd --config FILE`): its settings
            if (config := running_config(home)) is None or os.environ.get("LAROUTER_CONFIG"):
                raise  # (with the changes made at runtime for providers that file defines) are valid with it
            runtime = load_runtime(config, light=True)
    except ConfigError as exc:  # the daemon could not start with this config; one that runs still says where it is
        problem = " ".join(line if line.endswith((".", ":", ";")) else line + "."
                           for line in (raw.strip() for raw in str(exc).splitlines()) if line)
        if (live := running_address(home)) is None:
            raise CliError(f"{problem} (no larouterd of {home} is running, and larouter reads server.host and "
                           "server.port from these settings: fix them, or point --url / LAROUTER_URL at the "
                           "daemon)") from None
        err_console().print(f"[yellow]warning: {safe(problem)} (a restart of larouterd would fail; this command "
                            f"goes to the running one at {safe(live)})[/yellow]", soft_wrap=True)
        return Client(live, token if token is not None else _file_token(home), recorded=True, given=token is not None)
    settings = runtime.settings
    live = running_address(settings.home)  # the address the daemon of this home listens on, when one runs
    url = live or http_url(settings.server.host, settings.server.port)
    given = token is not None
    token = local_token(settings) if token is None and live else token
    moved = [] if live else sorted(f"server.{key}" for key in ("host", "port")
                                   if key in runtime.overrides.get("server", {}))
    hint = (f"{' and '.join(moved)} come{'s' if len(moved) == 1 else ''} from {runtime_file(settings.home)} (set at "
            "runtime): a larouterd that was running then listens there once restarted") if moved else None
    return Client(url, token, hint=hint, recorded=live is not None, given=given)


def _file_token(home: Path) -> str | None:
    """The running daemon's admin token when this user may read it (the daemon's owner; the files are 0600): the one
    it started with (`larouterd.token`: set by LAROUTER_ADMIN_TOKEN or a config file this CLI may not read), else
    `<home>/admin_token`; else None."""
    from larouter.address import ADMIN_TOKEN_FILE, TOKEN_FILE

    for name in (TOKEN_FILE, ADMIN_TOKEN_FILE):
        try:
            if token := (home / name).read_text("utf-8").strip():
                return token
        except (OSError, ValueError):  # not there, another user's, not text
            continue
    return None


def local_token(settings: Any) -> str | None:
    """The admin token of this home's daemon: `server.admin_token`, else `<home>/admin_token` when this user may read
    it (the daemon's owner; the file is 0600), else None."""
    if settings.server.admin_token:
        return str(settings.server.admin_token)
    return _file_token(settings.home)


def url_target(url: str, token: str | None) -> Client:
    """A client for --url / LAROUTER_URL (as `daemon_url` made it) with `token`, else the local admin token when the
    URL is where the daemon of this home says it listens (`larouterd.address`, written while it runs: its answers are
    larouterd's). `http://localhost:PORT` on a loopback address's port is that address: the client talks to the
    recorded address itself, so the token never goes to whatever `localhost` resolves to (on [::1], another user's
    program may listen: review AG). Any other URL gets no local token (a token is never sent to an address the daemon
    did not record), and a 401/403 there says so."""
    from larouter.address import running_address
    from larouter.config import ConfigError
    from larouter.runtime import load_runtime

    try:
        settings = load_runtime(None, light=True).settings
    except ConfigError:  # (settings that do not load: the home from the environment, the token from its files)
        settings = None
    home = settings.home if settings is not None else env_home()
    live = running_address(home)
    if live is None or not same_daemon(url, daemon_url(live)):
        return Client(url, token, elsewhere=live if token is None else None, given=token is not None)
    given = token is not None
    if token is None:
        token = local_token(settings) if settings is not None else _file_token(home)
    return Client(daemon_url(live), token, recorded=True, given=given)


def same_daemon(url: str, live: str) -> bool:
    """Whether `url` is the recorded address `live`, or `http://localhost:` its port when `live` is on loopback."""
    from larouter.address import is_loopback

    if url == live:
        return True
    given, recorded = urlsplit(url), urlsplit(live)
    return (given.scheme == recorded.scheme == "http" and (given.hostname or "").rstrip(".") == "localhost"
            and given.username is None and given.path == recorded.path and given.port == recorded.port
            and is_loopback(recorded.hostname))


def env_home() -> Path:
    """This user's LAROUTER_HOME as the environment (or the platform's default) names it, without the settings."""
    import platformdirs

    from larouter.config import APP

    return Path(os.environ.get("LAROUTER_HOME") or platformdirs.user_data_path(APP))


def daemon_url(url: str) -> str:
    """--url / LAROUTER_URL as the base the API paths go under, checked before any request is sent (a usage error,
    exit 1, naming the URL): an http(s) address with a host, a port in 1-65535 if any, no query or fragment. A
    trailing `/v1` (an OpenAI client's base URL, pasted) and a trailing `/` are dropped."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # urllib's complaints before the port is read are all about `[IPv6]`
        raise CliError(f"--url / LAROUTER_URL {url!r} is not a valid URL ({exc}): an IPv6 address goes in "
                       "brackets, as in http://[::1]:18790") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--url / LAROUTER_URL must be an http:// or https:// address, got {url!r}")
    problem = url_problem(parts.netloc.rpartition("@")[2], parts.query or parts.fragment)
    if problem:
        raise CliError(f"--url / LAROUTER_URL {url!r}: {problem}")
    path = parts.path.rstrip("/")
    path = path[: -len("/v1")] if path.endswith("/v1") else path
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))
