"""The settings' one cattrs converter: strict scalar hooks, and a shape check before every table and list.

cattrs' own hooks assume their input has the shape of the type: a table (`dict`, attrs class) is read with
`.items()` or `in`, a list is iterated. Given a number, a string or null instead they fail with Python's own
words ("'int' object has no attribute 'items'"). Here every table and list hook first checks the shape and says
what it expected (`routing.policies.x: expected a table of tier -> model list, got 1`); `configerr` adds the key
path from cattrs' notes.
"""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Any, Callable, Mapping

import attrs
import cattrs
from cattrs.cols import is_mapping, mapping_structure_factory
from cattrs.errors import IterableValidationError, IterableValidationNote

TABLE = "a table"
Hook = Callable[[Any, Any], Any]


def make_converter(shapes: Mapping[Any, str]) -> cattrs.Converter:
    """The converter: unknown keys refused, scalars never coerced, tables and lists shape-checked. `shapes` names
    what a table type holds, for the messages ("a table of provider settings"); others are "a table"."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook_factory(lambda t: isinstance(t, type) and attrs.has(t),
                                         lambda t: _table(conv.gen_structure_attrs_fromdict(t), shapes.get(t, TABLE)))
    conv.register_structure_hook_factory(is_mapping, lambda t: _table(_mapping(conv, t), shapes.get(t, TABLE)))
    conv.register_structure_hook_factory(_is_list_type, lambda t: _list(conv, t, shapes))
    conv.register_structure_hook(Path, _strict_path)
    conv.register_unstructure_hook(Path, str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    return conv


def _table(inner: Hook, what: str) -> Hook:
    def structure(value: Any, t: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected {what}, got {value!r}")
        return inner(value, t)

    return structure


def _mapping(conv: cattrs.Converter, t: Any) -> Hook:
    """cattrs' own hook for `dict[K, V]` (not `conv.gen_structure_mapping`: that registers it as the direct hook of
    the type, which would replace the shape-checking one the next time cattrs clears its cache)."""
    return mapping_structure_factory(t, conv, dict, detailed_validation=conv.detailed_validation)


def _is_list_type(t: Any) -> bool:
    """`tuple[X, ...]`: the only list type of the settings."""
    args = typing.get_args(t)
    return typing.get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _list(conv: cattrs.Converter, t: Any, shapes: Mapping[Any, str]) -> Hook:
    """A list (a bare string is refused: cattrs would split it into characters), each item structured and every
    bad item reported with its index."""
    item_type = typing.get_args(t)[0]
    what = shapes.get(t) or ("a list of strings" if item_type is str else "a list of tables")

    def structure(value: Any, _t: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected {what}, got {value!r}")
        out, errors = [], []
        for i, item in enumerate(value):
            try:
                out.append(conv.structure(item, item_type))
            except Exception as exc:  # noqa: BLE001 - collected, reported with the index like cattrs does
                exc.__notes__ = [*getattr(exc, "__notes__", []),
                                 IterableValidationNote(f"Structuring {t} @ index {i}", i, item_type)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {t}", errors, t)
        return tuple(out)

    return structure


def _strict_path(v: Any, _t: type) -> Path:
    if isinstance(v, str):
        return Path(v)
    raise ValueError(f"expected a path (a string), got {v!r}")


def _strict_bool(v: Any, _t: type) -> bool:
    if isinstance(v, bool):
        return v
    raise ValueError(f"expected true or false, got {v!r}")


def _strict_int(v: Any, _t: type) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    raise ValueError(f"expected an integer, got {v!r}")


def _strict_float(v: Any, _t: type) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if math.isfinite(v):
            return float(v)
        raise ValueError(f"expected a finite number, got {v!r}")  # TOML has nan and inf; no setting means them
    raise ValueError(f"expected a number, got {v!r}")


def _strict_str(v: Any, _t: type) -> str:
    if isinstance(v, str):
        return v
    raise ValueError(f"expected a string, got {v!r}")
