"""JSON on the proxy's hot path: orjson, with Python's json for the few inputs orjson refuses.

Every proxied chat request is parsed once and serialised once for the upstream, and every non-streamed answer
is parsed for its usage. Agent requests carry the whole conversation (tens of kilobytes), so this is most of the
per-request CPU that grows with the conversation: orjson does it 3-5x faster (bench/overhead.py, CHANGELOG).

Behaviour kept from Python's json: lone UTF-16 surrogate escapes (`"\\ud83d"`, which a client produces when it
cuts an emoji in half) parse and are sent on escaped, as before; a UTF-8 byte-order mark is accepted.
Differences, all for input that no provider accepts: `NaN`/`Infinity` in a client's request are refused as
invalid JSON (RFC 8259; they used to be forwarded as is), and so is a number too large for a 64-bit float (`1e999`,
which Python's json reads as infinity and would send on as `Infinity`); an integer beyond 64 bits parses as a float.

orjson refuses all three itself, so the check costs the usual request nothing: only input orjson refused (a lone
surrogate, say) goes through Python's json, whose hooks note a non-finite number and name where it is.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

__all__ = ["NonFiniteNumber", "TooDeep", "WRITE_DEPTH", "deeper_than", "dumps", "loads", "non_finite_path", "writable"]


class NonFiniteNumber(ValueError):
    """A number JSON cannot carry: `NaN`, `Infinity`, or one beyond a 64-bit float (`1e999`). `path` names where it
    is (`temperature`, `tools[0].function.parameters.maximum`; None for a bare number, or when a later duplicate key
    replaced it)."""

    def __init__(self, text: str, path: str | None) -> None:
        what = (f"{text} is out of a 64-bit float's range (about ±1.8e308); JSON numbers must be finite"
                if text[-1:].isdigit() else f"{text} is not valid JSON (RFC 8259 has no NaN or Infinity)")
        super().__init__(f"{path!r}: {what}" if path else what)
        self.path = path


class TooDeep(ValueError):
    """JSON nested past what the parsers read (orjson stops at 1,024 levels of arrays and objects)."""


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def non_finite_path(node: Any, path: str = "") -> str | None:
    """Where the first non-finite float of a parsed document is, as `a.b[2].c` ("" for the document itself); None
    when every number is finite."""
    if isinstance(node, float):
        return None if math.isfinite(node) else path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found = non_finite_path(value, _child(path, key))
        if found is not None:
            return found
    return None


def _strict_loads(raw: bytes | str) -> Any:
    """Python's json, refusing non-finite numbers with where they are (this call's own hooks: no shared state)."""
    seen: list[str] = []

    def constant(name: str) -> float:
        seen.append(name)
        return math.nan

    def number(text: str) -> float:
        value = float(text)
        if math.isinf(value):
            seen.append(text)
        return value

    data = json.loads(raw, parse_constant=constant, parse_float=number)
    if seen:
        raise NonFiniteNumber(seen[0][:40], non_finite_path(data) or None)
    return data


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
            return _strict_loads(raw)
        except RecursionError:  # orjson stops at 1024 levels; Python's json runs out of stack a little later
            raise TooDeep("JSON is nested too deeply (more than 1,024 levels)") from None


# Levels of arrays and objects `dumps` is sure to write: orjson writes about as many (254 in orjson 3.13) and refuses
# more, and Python's json, its fallback, writes these and runs out of stack near 1,000 (a 500: review AX 1).
WRITE_DEPTH = 255


def deeper_than(node: Any, limit: int) -> bool:
    """Whether a parsed document nests arrays and objects more than `limit` levels deep (the document itself is level
    1). Iterative (no stack to run out of), and it looks only at arrays and objects."""
    todo: list[tuple[Any, int]] = [(node, 1)] if type(node) in (dict, list) else []
    while todo:
        container, depth = todo.pop()
        if depth > limit:
            return True
        values = container.values() if type(container) is dict else container
        todo.extend((value, depth + 1) for value in values if type(value) in (dict, list))
    return False


def writable(obj: Any) -> bool:
    """Whether `dumps` can write a parsed document: orjson writes it (the usual case: ~20 us for 140 KB, where
    walking it took ~380), or it nests no deeper than WRITE_DEPTH. (A chat body is not asked: `dumps` refuses it
    as it is sent, where orjson writes it anyway.)"""
    try:
        orjson.dumps(obj)
        return True
    except TypeError:  # too deep for orjson, or what it does not write (a lone surrogate): its fallback decides
        return not deeper_than(obj, WRITE_DEPTH)


def dumps(obj: Any) -> bytes:
    """Serialise to compact UTF-8 JSON bytes; TooDeep for a document nested past WRITE_DEPTH levels (found only once
    orjson has refused it: no cost to what it writes)."""
    try:
        return orjson.dumps(obj)
    except TypeError:  # lone surrogates, integers beyond 64 bits: Python's json writes them as before
        if deeper_than(obj, WRITE_DEPTH):  # (its recursion runs out of stack near 1,000 levels: a 500, review AX 1)
            raise TooDeep(f"JSON is nested too deeply to write (more than {WRITE_DEPTH} levels)") from None
        return json.dumps(obj, separators=(",", ":")).encode()
