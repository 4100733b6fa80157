"""The words of a text, as `\\w+` and `[^\\W_]+` find them, read faster from an ASCII text (most turns): its other
characters become spaces (`bytes.translate` over a 256-byte table, immutable: ~2x faster than `str.translate`) and
`str.split` does the rest, ~3x faster than the regex on a short turn. Other texts go through the regex."""

from __future__ import annotations

import re

WORD_RE = re.compile(r"\w+")
PARTS_RE = re.compile(r"[^\W_]+")  # words, and the parts of snake_case names ("kitchen_sink_leak")
# In a text that is not ASCII, a run of the scripts written without spaces (kana, CJK ideographs, Hangul) is a token
# of its own beside a word of another script: "用Python写一个快速排序函数" holds "python" ("\w+" read one token).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
CJK_RE = re.compile(f"[{_CJK}]")  # one character of those scripts
_WORDS_RE = re.compile(rf"[^\W{_CJK}]+|[{_CJK}]+")
_PARTS_RE = re.compile(rf"[^\W_{_CJK}]+|[{_CJK}]+")
# In an ASCII text `\w` is a letter, a digit or "_" (`str.isalnum` or "_"); every other character is a separator.
_ASCII_WORDS = bytes(c if chr(c).isalnum() or chr(c) == "_" else 32 for c in range(128)) + bytes(128)
_ASCII_PARTS = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + bytes(128)  # (bytes 128-255: never read)


def word_tokens(text: str) -> list[str]:
    """`WORD_RE.findall(text)`, runs of scripts written without spaces apart from other words."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return _WORDS_RE.findall(text)


def word_parts(text: str) -> list[str]:
    """`PARTS_RE.findall(text)`, runs of scripts written without spaces apart from other words."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_PARTS).decode("ascii").split()
    return _PARTS_RE.findall(text)
