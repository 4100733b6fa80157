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
# After `Bearer` (any case; `Bearer:` too): the credential, up to white space or a closing quote, or a quoted one
# whole (a pass phrase with spaces), whatever its characters (a token-character rule let a gateway's
# `svc:Pr0d-Passw0rd!2024`, a hex run and a lowercase pass phrase through, review AK); a sentence's punctuation after
# it stays. No credential: a placeholder (`'Bearer <token>'`, `{api_key}`, `$TOKEN`, review AH), a word of the
# sentence (letters only, shorter than 12: "Bearer JWT", "Bearer followed by"; or a longer one such as
# "authentication", review AM). A key already redacted takes its `Bearer` along.
_BEARER = re.compile(r"""\b[Bb][Ee][Aa][Rr][Ee][Rr](?:\s*[:=]\s*|\s+)(?:(["'`])([^"'`\n]{1,200}?)\1|()([^\s"'`]+))""")
_TAIL = ".,;:!?)]"  # a sentence's punctuation after a credential (stripped in Python: a lazy run and a tail in the
# pattern took quadratic time on "Bearer a......x", 6.7 s for 16,000 dots)
_PLACEHOLDER = re.compile(r"<[A-Za-z _-]{1,30}>|\{[A-Za-z _-]{1,30}\}|\[[A-Za-z _-]{1,30}\]|\$\{?[A-Za-z_]\w*\}?")
_WORDS = frozenset("authentication authorization credentials credential".split())
_SECRETISH = re.compile(  # (a word's end is no key's start: "task-queue", "pplx-70b-online", "hf_transfer" stay)
    r"(?<![A-Za-z0-9])(?:sk-[A-Za-z0-9*_\-]{4,}|lr_sk_[A-Za-z0-9_\-]+)"  # OpenAI, Anthropic, ours
    r"|(?<![A-Za-z0-9])(?:gsk_|xai-|hf_|fw_|pplx-|nvapi-)[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{20,}")  # Groq, xAI, …


def _bearer(m: re.Match[str]) -> str:
    quote, quoted, _, whole = m.groups()
    run = whole.rstrip(_TAIL) if whole is not None else ""
    tail = whole[len(run):] if whole is not None else ""
    if quoted is not None:  # `Bearer "…"`: the quoted credential whole
        if _PLACEHOLDER.fullmatch(quoted) or quoted.startswith(REDACTED):
            return m[0] if not quoted.startswith(REDACTED) else quote + quoted + quote
        return quote + REDACTED + quote
    if whole.startswith(REDACTED):
        return whole
    if not run or _PLACEHOLDER.fullmatch(run) or (run.isalpha() and (len(run) < 12 or run.lower() in _WORDS)):
        return m[0]
    return REDACTED + tail


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
    """A key whose runs are its own (LEAST or more characters, a digit among them, or 20 and both cases): a real one. A placeholder made
    of words (`sk-no-key-required`, `not-needed`) or short (`ollama`, `EMPTY`) is none: its words are everyone's
    ("Field required", `ollama/llama3.1:8b`), and it guards nothing."""
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
