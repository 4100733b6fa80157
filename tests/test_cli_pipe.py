"""`larouter ... | head -1`: a reader that goes away before the output is all written ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import Router
from tests.support.cli import ROOT
from tests.support.proc import free_port

# Each way the CLI writes stdout: rich a line at a time, a rich table, JSON (long, and short enough to stay buffered
# to the end), CSV bytes, click's help and version.
COMMANDS = [["config", "get"], ["config", "get", "--json"], ["config", "get", "routing.default_model"],
            ["config", "get", "routing.default_model", "--json"], ["status"], ["usage", "export", "-o", "-"],
            ["--help"], ["--version"]]


def closed_stdout(*args: str, buffered: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real `larouter` with a stdout pipe whose reader is gone before it writes a byte (what `| head -1`
    does, without the race of how much `head` read first); stdout block-buffered unless `buffered` is False."""
    env: dict[str, Any] = {k: v for k, v in os.environ.items()
                           if not k.startswith("LAROUTER_") and k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "larouter", *args], cwd=ROOT, env=env, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_that_goes_away_ends_every_command_quietly(router: Router, buffered: bool) -> None:
    """Every command whose stdout reader left exits 0 with nothing on stderr, however it writes (rich, JSON, CSV,
    click's help) and whether the output was still buffered: it was exit 1, or 120 with "Exception ignored ...
    BrokenPipeError" when the last flush failed on the way out."""
    for args in COMMANDS if buffered else COMMANDS[:2]:
        done = closed_stdout(*args, "--url", router.url, buffered=buffered)
        assert (done.returncode, done.stderr) == (0, ""), (args, done.returncode, done.stderr)


def test_an_error_keeps_its_exit_code_when_stdout_is_gone() -> None:
    """A failure is still one (exit 2 unreachable, 1 usage), said on stderr, with no reader on stdout."""
    down = closed_stdout("status", "--url", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 2 and "cannot reach larouterd" in down.stderr, down.stderr
    bad = closed_stdout("usage", "--period", "yearly", "--url", f"http://127.0.0.1:{free_port()}")
    assert bad.returncode == 1 and "'yearly' is not one of" in bad.stderr, bad.stderr
