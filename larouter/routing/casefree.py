"""A case-insensitive pattern rewritten case-sensitively, for lowercased ASCII text: the same matches, faster.

Python's regex engine skips an alternative whose first character cannot match only for case-sensitive literals; in a
case-insensitive alternation of a hundred words ("rewrite|refactor|implement|...") it steps into every one of them at
every place it tries (~2x the time). For an ASCII text, `text.lower()` lowercases character by character (same
length, same positions), and a case-insensitive pattern matches `text` exactly where its lowercase spelling matches
`lower` case-sensitively: upper-case letters are written in lower case ("Z" -> "z", "[A-Z]" -> "[a-z]"), a non-ASCII
character that matches an ASCII letter case-insensitively gets that letter beside it ("ı" matches "i" and "I":
"ı" -> "[ıi]"), everything else (\\w \\d \\s \\b, other scripts, digits, punctuation) reads the same.

`lowered` answers None, and the pattern keeps its case-insensitive form, wherever that is not plain: ASCII-only
matching (`re.ASCII`, `(?a)`), an escape spelling a character by number (\\x41, \\u0041, \\N{...}), inline flags
turning case-insensitivity off (`(?-i:...)`), a class range that holds upper-case letters without being one (`[!-_]`)
or holds a non-ASCII character matching an ASCII letter, a range with an escaped end.
"""

from __future__ import annotations

import re
import string

_SAFE_ESCAPES = frozenset("AZBDSWbdswntrfv123456789")  # \A \Z \b \w ... and back-references
_FLAG_OFF_RE = re.compile(r"\(\?[a-zA-Z]*-")
_LEADING_FLAGS_RE = re.compile(r"\A\(\?([aiLmsux]+)\)")


def lowered(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    """`rx` rewritten case-sensitively, to run on lowercased ASCII text; None when `rx` is not case-insensitive or
    when the rewrite is not plain (see the module's docstring)."""
    if not rx.flags & re.IGNORECASE or rx.flags & re.ASCII or _FLAG_OFF_RE.search(rx.pattern):
        return None  # (with re.ASCII, "ı" matches no "i": the partners below would be wrong)
    pattern = rx.pattern
    leading = _LEADING_FLAGS_RE.match(pattern)
    if leading:  # "(?i)" or "(?im)" opening the pattern: the flags (rx.flags holds them) without the "i"
        kept = leading.group(1).replace("i", "")
        pattern = (f"(?{kept})" if kept else "") + pattern[leading.end():]
    pattern = lowercase_pattern(pattern)
    if pattern is None:
        return None
    try:
        variant = re.compile(pattern, rx.flags & ~re.IGNORECASE)
    except re.error:  # (an inline flag "(?L)" written "(?l)")
        return None
    return None if variant.flags & re.IGNORECASE else variant  # an inline (?i) keeps it case-insensitive


def lowercase_pattern(pattern: str) -> str | None:
    """The case-sensitive spelling of a case-insensitive `pattern` for lowercased ASCII text, or None."""
    out: list[str] = []
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i + 1 : i + 2]
            if not escaped or (escaped.isalnum() and escaped not in _SAFE_ESCAPES) or _ascii_partners(escaped):
                return None  # a character by number, or an escaped one that matches an ASCII letter
            if in_class and pattern[i + 2 : i + 3] == "-" and pattern[i + 3 : i + 4] not in ("]", ""):
                return None  # a range from an escaped character
            out.append(pattern[i : i + 2])
            i += 2
        elif not in_class and c == "[":
            in_class = True
            start = i + 1 + (pattern[i + 1 : i + 2] == "^")
            start += pattern[start : start + 1] == "]"  # "[]...]": a literal "]" first
            out.append(pattern[i:start])
            i = start
        elif in_class and c == "]":
            in_class = False
            out.append(c)
            i += 1
        elif in_class and pattern[i + 1 : i + 2] == "-" and pattern[i + 2 : i + 3] not in ("]", ""):
            rng = _range(c, pattern[i + 2])
            if rng is None:
                return None
            out.append(rng)
            i += 3
        else:
            partners = _ascii_partners(c)
            if "A" <= c <= "Z":
                out.append(c.lower())
            elif partners:
                out.append(c + partners if in_class else f"[{c}{partners}]")
            else:
                out.append(c)
            i += 1
    return "".join(out)


def _range(low: str, high: str) -> str | None:
    """A class range's case-sensitive spelling: "A-Z" -> "a-z", a range without upper-case ASCII letters as it is;
    None for one that holds some (`!-_`) or a non-ASCII character matching an ASCII letter, or has an escaped end."""
    if "\\" in (low, high) or low > high:
        return None
    if "A" <= low <= high <= "Z":
        return f"{low.lower()}-{high.lower()}"
    if low <= "Z" and high >= "A":
        return None
    if not high.isascii():
        probe = f"[{re.escape(max(low, chr(128)))}-{re.escape(high)}]"
        if re.search(probe, string.ascii_letters, re.IGNORECASE):
            return None
    return f"{low}-{high}"


def _ascii_partners(c: str) -> str:
    """The lower-case ASCII letters a non-ASCII character matches case-insensitively ("ı" -> "i", the Kelvin sign
    -> "k"), as the regex engine itself answers; "" for most characters."""
    if c.isascii() or not any(f.isascii() and f.isalpha() for f in c.lower() + c.upper() + c.casefold()):
        return ""  # (the engine folds one character to one: through one of these mappings, or "ı"/"ſ" to "I"/"S")
    return "".join(a for a in string.ascii_lowercase if re.fullmatch(re.escape(c), a, re.IGNORECASE))
