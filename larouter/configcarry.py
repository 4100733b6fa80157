"""Settings an older LARouter wrote in a shape since changed, read in their new shape (review AS).

An upgrade must not stop a service over a setting an older version took: a config file or a `runtime-config.json`
holding one in its old shape is read in the new one, when the old one has an obvious meaning there, with a warning
saying how to write it now. The API and `larouter config set` take only the new shape."""

from __future__ import annotations

import copy
import json
from typing import Any, Mapping

# A classifier rule that was one gated pattern became a list of them, each run only when its own gate opens (work_due
# in 47d247a, work_after_ack in eec2906). The one old table is the same rule as a list holding it: its pattern runs
# when any of its gates opens, as it did.
_HEARTBEAT = ("routing", "classifier", "heartbeat")
TABLE_TO_LIST = {(*_HEARTBEAT, "work_after_ack"): "eec2906", (*_HEARTBEAT, "work_due"): "47d247a"}


def carried_over(layer: Mapping[str, Any], toml: bool) -> tuple[Any, list[str]]:
    """`layer` (one source of settings, as read: the config file's tables when `toml`, else runtime-config.json's
    object) with each setting of an old shape in its new one, and a sentence for each (for a warning). `layer`
    itself is not changed: the result is a copy when something was carried over."""
    out: Any = layer
    notes: list[str] = []
    for path, since in TABLE_TO_LIST.items():
        node: Any = layer
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, Mapping) else None
        value = node.get(path[-1]) if isinstance(node, Mapping) else None
        if not isinstance(value, Mapping):
            continue  # (absent, already a list, or a value no version took: structuring names it)
        if out is layer:
            out = copy.deepcopy(dict(layer))
        parent = out
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = [copy.deepcopy(dict(value))]
        notes.append(_note(".".join(path), dict(value), since, toml))
    return out, notes


def _note(key: str, table: dict[str, Any], since: str, toml: bool) -> str:
    """What was read, and how to write it now (in the file's own syntax)."""
    if toml:
        now = (f"a list of tables: write [[{key}]] (double brackets) where the file has [{key}], or an inline "
               "table in [ ]")
    else:
        now = (f"a list of tables, {json.dumps([table])[:200]}; this file is rewritten in that form at the next "
               "runtime change (`larouter config set`, PATCH /api/config)")
    return (f"{key} was read in its old form, one table (as LARouter before {since} took it), as a list holding that "
            f"table: the same rule, its pattern run when any of its gates opens. The setting is now {now}")
