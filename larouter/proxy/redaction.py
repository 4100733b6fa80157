"""Keys kept out of what a provider's error, relayed to the client or written to the log, quotes back.

A provider echoing the request's key in an error (whole, cut short, in another case) must not hand it, or a run of
it, to a client that holds only a project token: the key given is removed wherever 8 or more of its characters in a
row appear (case aside), and anything shaped like a known provider's key or a bearer credential is removed too."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
LEAST = 8  # characters of a key in a row that count as quoting it (a masked `sk-...abcd` shows 4)
_DIGIT = re.compile(r"[0-9]")
# After `Bearer` (any case; `Bearer:` too) comes a credential: a quoted one whole (a pass phrase with spaces; up to
# 1,024 characters, a longer one redacted to its first white space), a bracketed one, or the run up to white space
# (quotes inside it too), whatever its characters (a token-character rule let `svc:Pr0d-Passw0rd!2024`, hex and
# lowercase pass words through: reviews AK, AN). Not a credential: a placeholder (`'Bearer <token>'`, `<API key>`,
# `{api_key}`, `$TOKEN`, `YOUR_API_KEY`: reviews AH, AN) or a word of prose ("Bearer JWT", "Bearer followed by",
# "Bearer authentication": review AM). A sentence's punctuation after it stays. A key already redacted takes its
# `Bearer` along. Every branch is bounded or greedy: linear time (a lazy run with a punctuation tail was quadratic).
_BEARER = re.compile(r"""\b(?i:bearer)(?:\s*[:=]\s*|\s+)(?:(?P<q>["'`])(?P<quoted>[^"'`]{1,1024}?)(?P=q)"""
                     r"""|(?P<bracket><[^<>\n]{1,60}>|\{[^{}\n]{1,60}\}|\[[^\[\]\n]{1,60}\])|(?P<run>\S+))""")
_QUOTES, _TAIL = "\"'`", ".,;:!?)]"
_PLACEHOLDER = re.compile(r"[<{\[][A-Za-z _-]{1,60}[>}\]]|\$\{?[A-Za-z_]\w*\}?"  # <token>, {api_key}, $TOKEN
                          r"|(?:YOUR|MY)?_?[A-Z_]*(?:KEY|TOKEN|SECRET)[A-Z_]*")  # YOUR_API_KEY
_PROSE = frozenset("""jwt token tokens keyword value values followed header headers scheme prefix auth authentication
    authorization credential credentials string format type required missing invalid expected is was and or with the
    a an must should not in for key keys api access your my instead only here""".split())
_SECRETISH = re.compile(  # (a word's end is no key's start: "task-queue", "pplx-70b-online", "hf_transfer" stay)
    r"(?<![A-Za-z0-9])(?:sk-[A-Za-z0-9*_\-]{4,}|lr_sk_[A-Za-z0-9_\-]+)"  # OpenAI, Anthropic, ours
    r"|(?<![A-Za-z0-9])(?:gsk_|xai-|hf_|fw_|pplx-|nvapi-)[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{20,}")  # Groq, xAI, …


def _bearer(m: re.Match[str]) -> str:
    quote, quoted, bracket, run = m["q"], m["quoted"], m["bracket"], m["run"]
    if quoted is not None:  # `Bearer "…"`: the quoted credential whole
        if quoted.startswith(REDACTED):
            return quote + quoted + quote
        return m[0] if _PLACEHOLDER.fullmatch(quoted) else quote + REDACTED + quote
    if bracket is not None:  # `Bearer <API key>`, `[redacted]`, or a credential in brackets
        if bracket == REDACTED:
            return bracket
        return m[0] if _PLACEHOLDER.fullmatch(bracket) else REDACTED
    lead = run[0] if run[0] in _QUOTES else ""  # (an opening quote never closed, or one over 1,024 characters)
    core = run[len(lead):].rstrip(_TAIL + _QUOTES)
    if core.startswith(REDACTED):
        return run
    if not core or _PLACEHOLDER.fullmatch(core) or core.lower() in _PROSE:
        return m[0]
    return lead + REDACTED + run[len(lead) + len(core):]


def _runs(text: str, secret: str) -> list[tuple[int, int]]:
    """Spans of `text` that are LEAST or more characters of `secret` in a row (case aside), merged."""
    low, key = text.lower(), secret.lower()
    spans = []
    for i in range(len(key) - LEAST + 1):
        window = key[i:i + LEAST]
        start = low.find(window)
        while start != -1:
            spans.append((start, start + LEAST))
            start = low.find(window, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def random_looking(secret: str) -> bool:
    """A key whose runs are its own (LEAST or more characters, a digit among them, or 20 and both cases): a real one.
    A placeholder made of words (`sk-no-key-required`, `not-needed`) or short (`ollama`, `EMPTY`) is none: its words
    are everyone's ("Field required", `ollama/llama3.1:8b`), and it guards nothing."""
    mixed = len(secret) >= 20 and secret.lower() != secret and secret.upper() != secret  # (random letters alone)
    return len(secret) >= LEAST and (_DIGIT.search(secret) is not None or mixed)


def redact(text: str, *secrets: str | None) -> str:
    """Remove API keys from the text a provider sent: each given real one (`random_looking`), and any run of LEAST
    or more of its characters (never run over LARouter's own words: a key's run may be one, "provider"); a key of
    words only where it is quoted whole; anything key-shaped."""
    for secret in secrets:
        if secret and random_looking(secret):
            for start, end in reversed(_runs(text, secret)):
                text = text[:start] + REDACTED + text[end:]
        elif secret and len(secret) >= LEAST:  # (a key of words, quoted whole, is still the key)
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(_bearer, _SECRETISH.sub(REDACTED, text))


def scrub(value: Any, *secrets: str | None) -> Any:
    """`redact` every string in a JSON value (an upstream error object: its message, and whatever else it holds)."""
    if isinstance(value, str):
        return redact(value, *secrets)
    if isinstance(value, dict):
        return {k: scrub(v, *secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, *secrets) for v in value]
    return value
