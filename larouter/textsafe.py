"""Text from outside (a prompt, a file name, a provider's message, llama-server's output) shown with nothing hidden in
it: the characters that would break a line or disguise how it reads, escaped as Python writes them (`\\n`, `\\x1b`,
`\\u202e`): C0 and C1 controls (CR, LF, tab, NUL, ESC, NEL), DEL, the line and paragraph separators, bidi marks,
embeddings, overrides and isolates, and lone surrogates (which neither a UTF-8 ledger nor JSON takes). Joiners (ZWJ,
ZWNJ) stay: Persian and Indic words are written with them. One character class for the daemon (routing reasons, log
records: `escaped`) and the CLI (what it prints: `for_terminal`); this module imports nothing, so the CLI can.
"""

from __future__ import annotations

import re

UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE_RE = re.compile(f"[{UNSAFE}]")
_ESCAPED_RE = re.compile(f"[\\\\{UNSAFE}]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_KEPT = frozenset("\t\n")  # (what a terminal shows as it is)


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[:limit - 3] + "..."


def escaped(text: str, limit: int | None = None) -> str:
    """`text` on one line: unsafe characters escaped, a backslash doubled (so an escape is never ambiguous), cut to
    `limit` characters with "..." when longer."""
    return _ESCAPED_RE.sub(_escape, _cut(text, limit))


def for_terminal(text: str) -> str:
    """`text` for a terminal: unsafe characters escaped but tab and line breaks, which it shows as they are, and a
    backslash left alone (a Windows path in llama-server's output reads as it is). A value from the daemon (a
    registered file's name, llama-server's output) never drives the terminal: an OSC 52 sequence in a file name wrote
    the clipboard of whoever listed the models (review AF)."""
    return UNSAFE_RE.sub(lambda m: m.group() if m.group() in _KEPT else _escape(m), text)
