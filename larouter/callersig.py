"""Signals the caller ignored: `nohup` starts its command with SIGHUP ignored (the terminal may close), a
non-interactive shell's `cmd &` with SIGINT and SIGQUIT ignored (Ctrl-C is for the script in the foreground). Such a
signal stays ignored: a program that handles it anyway breaks the caller's promise (`nohup larouter usage export &`
was ended by the logout's SIGHUP, review AP; `nohup larouterd &` drained and exited on it, review AS). Python itself
keeps an inherited SIG_IGN for SIGINT."""

from __future__ import annotations

import signal


def caller_ignores(sig: int) -> bool:
    """Whether this process was started with `sig` ignored (ask before installing a handler: it replaces the
    disposition this reads)."""
    return signal.getsignal(sig) is signal.SIG_IGN
