"""Run the `larouter` CLI in-process, the way the CLI tests do."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from larouter.cli import main
from tests.conftest import Router

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534  # the other user tests become (as root: CI runs as root)


def run(*args: str, input: str | None = None, env: dict[str, str | None] | None = None) -> Result:
    """Invoke `larouter ARGS` in-process, with no LAROUTER_URL/TOKEN leaking in; never a traceback."""
    result = CliRunner().invoke(main, list(args), input=input, env={"LAROUTER_URL": None, "LAROUTER_TOKEN": None,
                                                                     **(env or {})})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def as_nobody(cwd: Path, *args: str, env: dict[str, str | None]) -> tuple[int, str]:
    """`larouter ARGS` in-process in a forked child that became nobody, in `cwd` (the interpreter lives where nobody
    cannot run it, so no new process): its exit code (99: the child failed before the command ended) and stderr."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # (the child: never back into pytest)
        code = 99
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.chdir(cwd)
            out = run(*args, env=env)
            os.write(write, out.stderr.encode())
            code = out.exit_code
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as said:
        stderr = said.read().decode()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), stderr


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
