"""A machine payload (a JSON object, an XML element) as "key: value" lines, for the quiet-report reading.

JSON: nested objects by their own keys, a list by its length (a non-empty list is news: `"alerts": [{...}]`).
XML: attributes and element texts by their names; a child element that carries no number and no text is an item
(`<alarm level="major"/>`: news), counted as one. Anything else, or anything that does not parse, is not a payload.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any


def payload_lines(text: str) -> str | None:
    """The payload's fields as "key: value" lines, None when `text` is not one JSON object or XML element."""
    stripped = text.strip()
    lines: list[str] = []
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        _json(data, "", lines)
    elif stripped.startswith("<") and stripped.endswith(">") and "<!" not in stripped:  # no DTD, no entity bombs
        try:
            root = ET.fromstring(stripped)  # short texts only (the caller's max_chars)
        except ET.ParseError:
            return None
        _xml(root, lines, top=True)
    else:
        return None
    return "\n".join(lines)


def _json(node: Any, key: str, lines: list[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _json(v, str(k), lines)
        return
    if isinstance(node, list):
        value: Any = len(node) if node else "[]"
    else:
        value = "null" if node is None else str(node).lower() if isinstance(node, bool) else node
    lines.append(f"{key}: {value}")


def _xml(element: ET.Element, lines: list[str], top: bool = False) -> None:
    text = (element.text or "").strip()
    numbers = any(any(c.isdigit() for c in v) for v in element.attrib.values())
    if not (top or numbers or text or len(element)):
        lines.append(f"{element.tag}: 1")  # <alarm level="major" code="LINK_DOWN"/>: an item
    else:
        lines.extend(f"{k}: {v}" for k, v in element.attrib.items())
        if text:
            lines.append(f"{element.tag}: {text}")
    for child in element:
        _xml(child, lines)
