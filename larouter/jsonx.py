"""JSON on the proxy's hot path: orjson, with Python's json for the few inputs orjson refuses.

Every proxied chat request is parsed once and serialised once for the upstream, and every non-streamed answer
is parsed for its usage. Agent requests carry the whole conversation (tens of kilobytes), so this is most of the
per-request CPU that grows with the conversation: orjson does it 3-5x faster (bench/overhead.py, CHANGELOG).

Behaviour kept from Python's json: lone UTF-16 surrogate escapes (`"\\ud83d"`, which a client produces when it
cuts an emoji in half) parse and are sent on escaped, as before; a UTF-8 byte-order mark is accepted.
Differences, all for input that no provider accepts: `NaN`/`Infinity` in a client's request are refused as
invalid JSON (RFC 8259; they used to be forwarded as is), and an integer beyond 64 bits parses as a float.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(raw: bytes | str, *, allow_nan: bool = True) -> Any:
    """Parse JSON; ValueError (or UnicodeDecodeError) on invalid input, like `json.loads`.

    `allow_nan=False` for what clients send (NaN/Infinity are a 400); a provider's answer may carry them
    (a logprob of -Infinity) and is read as Python's json reads it."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            if allow_nan:
                return json.loads(raw)  # the slow path decides, and names the problem
            return json.loads(raw, parse_constant=_no_constant)
        except RecursionError:  # orjson stops at 1024 levels; Python's json runs out of stack a little later
            raise ValueError("JSON is nested too deeply (more than 1,024 levels)") from None


def dumps(obj: Any) -> bytes:
    """Serialise to compact UTF-8 JSON bytes."""
    try:
        return orjson.dumps(obj)
    except TypeError:  # lone surrogates, integers beyond 64 bits: Python's json writes them as before
        return json.dumps(obj, separators=(",", ":")).encode()
