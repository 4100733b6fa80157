"""Run the `larouter` CLI in-process, the way the CLI tests do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from larouter.cli import main
from tests.conftest import Router

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, input: str | None = None, env: dict[str, str | None] | None = None) -> Result:
    """Invoke `larouter ARGS` in-process, with no LAROUTER_URL/TOKEN leaking in; never a traceback."""
    result = CliRunner().invoke(main, list(args), input=input, env={"LAROUTER_URL": None, "LAROUTER_TOKEN": None,
                                                                     **(env or {})})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def on(router: Router | str, *args: str, admin: bool = False, **kw: Any) -> Result:
    """Invoke a command against this daemon (with `admin`, with `--token` the router's admin token, as the daemon's
    owner's CLI sends it: `models add` and `models remove` need it)."""
    token = ("--token", router.admin_token) if admin and not isinstance(router, str) else ()
    assert token or not admin, "admin=True needs a Router (pass --token TOKEN for a daemon URL)"
    return run(*args, "--url", router if isinstance(router, str) else router.url, *token, **kw)


def ok_json(router: Router | str, *args: str, admin: bool = False, **kw: Any) -> Any:
    """Invoke with --json; assert exit 0; return the parsed stdout."""
    result = on(router, *args, "--json", admin=admin, **kw)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
