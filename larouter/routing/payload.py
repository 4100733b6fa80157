"""A machine payload (a JSON object, an XML element) as "key: value" lines, for the quiet-report reading; and
whether it holds records to handle (`payload_records`).

JSON: nested objects by their own keys, a list by its length (a non-empty list is news: `"alerts": [{...}]`).
XML: attributes and element texts by their names; a child element that carries no number and no text is an item
(`<alarm level="major"/>`: news), counted as one. Anything else, or anything that does not parse, is not a payload.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from larouter.routing import textjson
from larouter.routing.limits import within_own_limits

# A record's own state: {"host": "web-01", "status": "ok"}, {"status": "completed", "conclusion": "success"}.
STATUS_KEYS = frozenset({"status", "state", "result", "health", "conclusion"})  # ("conclusion": a CI run's outcome)
OK_VALUES = frozenset({"ok", "success", "succeeded", "healthy", "green", "up", "idle", "done", "clear", "no_change",
                       "passed", "completed", "resolved", "closed", "locked", "normal", "nominal", "online",
                       "operational", "ready"})  # ("ready": a deploy's or a pod's finished, healthy state)


def healthy(record: Mapping[str, Any]) -> bool:
    """A record that reports its own state as fine, in every field that says it ({"host": "web-01", "status": "ok"};
    {"status": "completed", "conclusion": "success"}; not {"status": "completed", "conclusion": "failure"}), and whose
    readings lie within the limits it carries, if any (`limits.within_own_limits`)."""
    states = [str(v).strip().lower() for k, v in record.items() if str(k).lower() in STATUS_KEYS]
    if states and not all(state in OK_VALUES for state in states):
        return False
    judged = within_own_limits(record)  # a record's readings against the limits it carries ({"gust": 11.9, "limits":
    return judged is not False and (bool(states) or judged is True)  # {"gust": {"warn": 18, "stop": 20}}})


def payload_records(text: str) -> bool:
    """Whether a check-in that is one JSON object or XML element lists records to handle: a non-empty list of JSON
    objects anywhere in it (`"مهام_متأخرة": [{"العنوان": …}]`, overdue tasks), or XML elements that each carry
    attributes under one parent (`<low_stock><item name="…" qty="6" min="40"/>…`); not records that each report
    their state as fine (hosts "ok")."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        return _json_records(textjson.loads(stripped))  # (None, not JSON or too deep to read: no records)
    if stripped.startswith("<") and stripped.endswith(">") and "<!" not in stripped:
        root = textjson.xml_root(stripped)
        if root is None:
            return False
        return any(len(parent) > 0 and all(_record(child.attrib) for child in parent) for parent in root.iter())
    return False


def _json_records(node: Any) -> bool:
    if isinstance(node, dict):
        return any(_json_records(v) for v in node.values())
    if isinstance(node, list):
        return any(isinstance(v, dict) and _record(v) for v in node) or any(map(_json_records, node))
    return False


def _record(fields: Mapping[str, Any]) -> bool:
    """A record to handle: fields that neither report a fine state nor count only zeros (`<channel name="#support"
    unread="0"/>` is a tally)."""
    if not fields or healthy(fields):
        return False
    numbers = [v for v in fields.values()
               if isinstance(v, (int, float)) or (isinstance(v, str) and _NUMBER_RE.fullmatch(v))]
    return not numbers or any(float(v) != 0 for v in numbers)


_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")


def payload_lines(text: str) -> str | None:
    """The payload's fields as "key: value" lines, None when `text` is not one JSON object or XML element."""
    stripped = text.strip()
    lines: list[str] = []
    if stripped.startswith("{") and stripped.endswith("}"):
        data = textjson.loads(stripped)  # (None: not JSON, or too deep to read)
        if not isinstance(data, dict):
            return None
        _json(data, "", lines)
    elif stripped.startswith("<") and stripped.endswith(">") and "<!" not in stripped:  # no DTD, no entity bombs
        root = textjson.xml_root(stripped)  # short texts only (the caller's max_chars)
        if root is None:
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
