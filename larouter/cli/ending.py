"""How a CLI command ends besides returning: a signal that ends it as Ctrl-C does (through its cleanups), and a reader
of stdout that goes away (`| head`), or a stdout that cannot be written at all."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from typing import Any, Iterator

import click

from larouter.callersig import caller_ignores

ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2",
                                                          "SIGALRM") if hasattr(signal, name))


@contextlib.contextmanager
def ended_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP (`timeout`, cron, systemd, a closed terminal), SIGQUIT (Ctrl-\\), SIGUSR1, SIGUSR2 and
    SIGALRM end a command as Ctrl-C does: through its cleanups (an export's partial file is removed: the last four
    left it, review AO), then exit 128 + the signal's number; the handlers before are put back after (in-process
    callers: tests). A signal the caller ignored (`nohup`, a script's `&` job: SIGQUIT) stays ignored, as Python leaves
    SIGINT. SIGPIPE stays ignored, as Python sets it: a reader gone is EPIPE (`reader_may_leave`)."""
    def end(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    before = {}
    try:
        for sig in ENDING_SIGNALS:
            if not caller_ignores(sig):  # (ignored by the caller, it stays so: `nohup larouter usage export &`
                before[sig] = signal.signal(sig, end)  # was ended by the logout's SIGHUP, review AP)
    except ValueError:  # not the main thread: the signals stay as they were
        pass
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def reader_may_leave() -> Iterator[None]:
    """End quietly with exit 0 when what reads stdout goes away (`larouter config get | head -1`): it had what it
    wanted; the command did nothing wrong. stdout then points at /dev/null, so what is still buffered in it cannot
    fail again when the interpreter flushes it on the way out."""
    try:
        yield
        sys.stdout.flush()  # what is still buffered, while a closed pipe can still be told from a failure
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        stdout_to_devnull()
        raise click.exceptions.Exit(0) from None


def stdout_to_devnull() -> None:
    """Point stdout's descriptor at /dev/null, so what is still buffered in it cannot fail again when the interpreter
    flushes it on the way out (a reader gone, a full disk)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no file behind it (CliRunner's capture)
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
