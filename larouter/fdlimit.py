"""larouterd's limit on open files, raised at start.

Each proxied stream holds two file descriptors (the client's connection and the provider's), and systemd and most
shells start a service with a soft limit of 1,024: about 500 streams, after which new connections were dropped at
accept and upstream connections failed with "Too many open files" (review AX 3). The soft limit is raised to the hard
one (which an unprivileged process may do), at most to CAP; never lowered."""

from __future__ import annotations

import logging

log = logging.getLogger("larouter.daemon")
CAP = 65536  # what the soft limit is raised to at most (an unlimited or huge hard limit: ~32,000 streams is plenty)


def raise_fd_limit() -> None:
    """Raise RLIMIT_NOFILE's soft limit toward the hard one (nothing where there is no such limit, Windows, or it
    cannot be changed). Logged at DEBUG."""
    try:
        import resource
    except ImportError:  # (Windows)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = CAP if hard == resource.RLIM_INFINITY else min(hard, CAP)
    if soft == resource.RLIM_INFINITY or soft >= target:
        log.debug("open-file limit is %s (hard limit %s)", soft, hard)
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (OSError, ValueError) as exc:  # (a sandbox that forbids it: keep what there is)
        log.debug("open-file limit stays %s (hard %s): %s", soft, hard, exc)
        return
    log.debug("open-file limit raised from %s to %s (hard limit %s)", soft, target, hard)
