"""JSON and XML the classifier reads out of text (a user turn, a tool result, a call's arguments): parsed so that no
string can make it raise. What does not parse, or nests deeper than TEXT_DEPTH levels, is "not JSON" (None): the
readers that walk what parsed recurse, and a tool result of 5,000 nested brackets used to run them (and Python's
json itself) out of stack, a 500 for the whole request (review AX 1). Real payloads nest a few levels."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from larouter import jsonx

TEXT_DEPTH = 64  # levels of arrays and objects (or of XML elements) read; deeper is no payload
_DECODER = json.JSONDecoder()  # stateless


def loads(text: str) -> Any:
    """The JSON `text` is, or None: invalid, or nested deeper than TEXT_DEPTH."""
    try:
        data = jsonx.loads(text)
    except (ValueError, RecursionError):  # (jsonx turns its own RecursionError into a ValueError; belt and braces)
        return None
    return None if jsonx.deeper_than(data, TEXT_DEPTH) else data


def leading(text: str) -> tuple[Any, int] | None:
    """The JSON value `text` opens with and where it ends (`raw_decode`), or None: invalid, or nested too deeply."""
    try:
        data, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):  # Python's scanner recurses once per level
        return None
    return None if jsonx.deeper_than(data, TEXT_DEPTH) else (data, end)


def xml_root(text: str) -> ET.Element | None:
    """The XML element `text` is, or None: invalid, or nested deeper than TEXT_DEPTH elements."""
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, RecursionError, ValueError):
        return None
    level: list[tuple[ET.Element, int]] = [(root, 1)]
    while level:  # (iterative: the depth is what is being checked)
        element, depth = level.pop()
        if depth > TEXT_DEPTH:
            return None
        level.extend((child, depth + 1) for child in element)
    return root
