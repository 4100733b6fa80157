"""User text quoted in a decision's reasons: short, on one line, and with nothing hidden in it.

Reasons keep their words in any script ("毎朝", "wie spät"): they are read in `route explain`, the usage ledger and
its CSV export. Only the characters that would break a reason's line or disguise how it reads are escaped
(`larouter.textsafe`: the same class as the daemon's log records and the CLI's output). The `x-larouter-reason` header
is made ASCII where it is set (`proxy.call.header_safe`).
"""

from __future__ import annotations

from larouter.textsafe import escaped

ACK_SHOWN = 24  # characters of an idle ack ("HEARTBEAT_OK", "'nothing new'") a reason shows


def quoted(text: str, limit: int) -> str:
    """`'text'` (in double quotes when it holds a single one), escaped and cut as `escaped` does."""
    shown = escaped(text, limit)
    return f'"{shown}"' if "'" in shown and '"' not in shown else f"'{shown}'"
