"""The words of a text, as `\\w+` and `[^\\W_]+` find them, read faster from an ASCII text (most turns): its other
characters become spaces (a 128-character table, immutable) and `str.split` does the rest, ~3x faster than the regex
on a short turn. Other texts go through the regex."""

from __future__ import annotations

import re

WORD_RE = re.compile(r"\w+")
PARTS_RE = re.compile(r"[^\W_]+")  # words, and the parts of snake_case names ("kitchen_sink_leak")
# In an ASCII text `\w` is a letter, a digit or "_" (`str.isalnum` or "_"); every other character is a separator.
_ASCII_WORDS = "".join(c if c.isalnum() or c == "_" else " " for c in map(chr, range(128)))
_ASCII_PARTS = "".join(c if c.isalnum() else " " for c in map(chr, range(128)))


def word_tokens(text: str) -> list[str]:
    """`WORD_RE.findall(text)`."""
    return text.translate(_ASCII_WORDS).split() if text.isascii() else WORD_RE.findall(text)


def word_parts(text: str) -> list[str]:
    """`PARTS_RE.findall(text)`."""
    return text.translate(_ASCII_PARTS).split() if text.isascii() else PARTS_RE.findall(text)
