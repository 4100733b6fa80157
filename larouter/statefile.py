"""LARouter's JSON state files (runtime-config.json, projects.json, the models' records): read, checked, and a
damaged one named in the start-up error, never rewritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, TypeVar

from larouter.configerr import ConfigError, format_structure_error

T = TypeVar("T")
JSON_NAMES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean",
              type(None): "null"}


def damaged(path: Path, problem: str) -> str:
    """The startup error for a state file LARouter cannot use; the file itself is never rewritten or removed."""
    return f"cannot load {path}: {problem}\nThe file was left untouched: fix it or restore it from a backup, then start again."


def load_json_file(path: Path, expect: type[list] | type[dict], what: str) -> Any:
    """Parse one of LARouter's JSON state files; a damaged one is a ConfigError naming it and saying why."""
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise ConfigError(damaged(path, f"not valid JSON ({exc})")) from None
    except OSError as exc:
        raise ConfigError(damaged(path, f"cannot read it ({exc.strerror})")) from None
    if not isinstance(data, expect):
        got = JSON_NAMES.get(type(data), type(data).__name__)
        raise ConfigError(damaged(path, f"expected a JSON {JSON_NAMES[expect]} of {what}, got {got}"))
    return data


def structure_entries(path: Path, data: list[Any], cls: type[T], structure: Callable[[Any, type[T]], T],
                      what: str) -> list[T]:
    """Structure every entry of a JSON array file; a bad entry is a ConfigError naming the file and the key."""
    out = []
    for i, raw in enumerate(data):
        try:
            out.append(structure(raw, cls))
        except Exception as exc:  # cattrs raises exception groups carrying the key path in notes
            detail = format_structure_error(exc, raw, str(path)).split("\n", 1)[-1].strip()
            raise ConfigError(damaged(path, f"entry {i} is not a valid {what}: {detail}")) from None
    return out
