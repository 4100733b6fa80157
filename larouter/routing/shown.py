"""User text quoted in a decision's reasons: short, on one line, and with nothing hidden in it.

Reasons keep their words in any script ("毎朝", "wie spät"): they are read in `route explain`, the usage ledger and
its CSV export. Only the characters that would break a reason's line or disguise how it reads are escaped, as
Python writes them (`\\n`, `\\x1b`, `\\u202e`): C0 and C1 controls (CR, LF, tab, NUL, ESC, NEL), DEL, the line and
paragraph separators, bidi marks, embeddings, overrides and isolates, and lone surrogates (which neither a UTF-8
ledger nor JSON takes); a backslash is doubled, so an escape is never ambiguous. Joiners (ZWJ, ZWNJ) stay: Persian
and Indic words are written with them. The `x-larouter-reason` header is made ASCII where it is set
(`proxy.call.header_safe`).
"""

from __future__ import annotations

import re

ACK_SHOWN = 24  # characters of an idle ack ("HEARTBEAT_OK", "'nothing new'") a reason shows

UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE_RE = re.compile(f"[{UNSAFE}]")
_ESCAPED_RE = re.compile(f"[\\\\{UNSAFE}]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[:limit - 3] + "..."


def escaped(text: str, limit: int | None = None) -> str:
    """`text` as a reason shows it, unquoted: unsafe characters escaped (see above), cut to `limit` characters with
    "..." when longer."""
    return _ESCAPED_RE.sub(_escape, _cut(text, limit))


def quoted(text: str, limit: int) -> str:
    """`'text'` (in double quotes when it holds a single one), escaped and cut as `escaped` does."""
    shown = escaped(text, limit)
    return f'"{shown}"' if "'" in shown and '"' not in shown else f"'{shown}'"
