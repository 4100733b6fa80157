"""What is wrong with an address's `host:port` and query, as the CLI's --url / LAROUTER_URL check reads it."""

from __future__ import annotations


def url_problem(host_port: str, extra: str) -> str | None:
    """What is wrong with a URL's `host:port` (no host, a port that is no number or out of 1-65535), or with its
    having a query or fragment (`extra`); None when nothing is."""
    if host_port.startswith("["):  # [IPv6]:port
        host, _, rest = host_port[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = host_port.partition(":")
    if not host:
        return "no host name or address"
    if port and not (port.isascii() and port.isdigit()):
        return f"the port {port!r} is not a number"
    if port and not 1 <= int(port) <= 65535:
        return f"the port {int(port)} is out of range (1-65535)"
    if extra:
        return "a daemon URL takes no query (?...) or fragment (#...)"
    return None
