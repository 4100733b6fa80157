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
from cattrs.errors import ClassValidationError, IterableValidationError, IterableValidationNote

from larouter.configerr import FieldError

TABLE = "a table"
Hook = Callable[[Any, Any], Any]


def make_converter(shapes: Mapping[Any, str]) -> cattrs.Converter:
    """The converter: unknown keys refused, scalars never coerced, tables and lists shape-checked. `shapes` names
    what a table type holds, for the messages ("a table of provider settings"); others are "a table"."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook_factory(lambda t: isinstance(t, type) and attrs.has(t), lambda t: _table(
        _every_field_error(conv, conv.gen_structure_attrs_fromdict(t)), shapes.get(t, TABLE)))
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
            raise ValueError(f"expected {what}, got {shown(value)}")
        return inner(value, t)

    return structure


def _every_field_error(conv: cattrs.Converter, inner: Hook) -> Hook:
    """A table's validators, every one heard: attrs stops at the first that refuses its value (`stop_grace = -3`),
    and none runs when a value under the table is of the wrong shape (`[local.models.x] threads = -1`), so a table
    with several bad values was fixed one start at a time. On a failure each field's validator is run on its own
    value, and all the complaints are raised together, in the order of the fields."""

    def structure(value: Any, t: Any) -> Any:
        try:
            return inner(value, t)
        except (FieldError, ClassValidationError) as exc:  # (cattrs wraps the first validator's complaint)
            given = exc.exceptions if isinstance(exc, ClassValidationError) else (exc,)
            others = [e for e in given if not isinstance(e, FieldError)]  # a value's type or shape, with its key
            errors = others + _field_errors(conv, t, value)
            if len(errors) <= len(given):
                raise
            order = {field.name: i for i, field in enumerate(attrs.fields(t))}
            errors.sort(key=lambda e: order.get(_field_of(e), -1))
            raise ClassValidationError(f"While structuring {t.__name__}", errors, t) from None

    return structure


def _field_of(exc: BaseException) -> str | None:
    """The field a complaint is about: a validator's, or the one cattrs' note names."""
    if isinstance(exc, FieldError):
        return exc.field
    return next((note.name for note in getattr(exc, "__notes__", []) if hasattr(note, "name")), None)


def _field_errors(conv: cattrs.Converter, t: Any, value: Mapping[str, Any]) -> list[Exception]:
    """What each of the table's validators says of the value given for its field (fields not given have their
    defaults, which pass), in the order the fields are declared."""
    errors: list[Exception] = []
    for field in attrs.fields(attrs.resolve_types(t)):
        if field.validator is None or field.name not in value:
            continue
        try:
            field.validator(None, field, conv.structure(value[field.name], field.type))
        except FieldError as exc:
            errors.append(exc)
        except Exception:  # noqa: BLE001 - a value of the wrong type: cattrs said so before any validator ran
            continue
    return errors


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
            raise ValueError(f"expected {what}, got {shown(value)}")
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
    raise ValueError(f"expected a path (a string), got {shown(v)}")


def _strict_bool(v: Any, _t: type) -> bool:
    if isinstance(v, bool):
        return v
    raise ValueError(f"expected true or false, got {shown(v)}")


def _strict_int(v: Any, _t: type) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    raise ValueError(f"expected an integer, got {shown(v)}")


def _strict_float(v: Any, _t: type) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if math.isfinite(v):
            return float(v)
        raise ValueError(f"expected a finite number, got {shown(v)}")  # TOML has nan and inf; no setting means them
    raise ValueError(f"expected a number, got {shown(v)}")


def _strict_str(v: Any, _t: type) -> str:
    if isinstance(v, str):
        return v
    raise ValueError(f"expected a string, got {shown(v)}")


def shown(value: Any) -> str:
    """A value the settings refuse, as the user wrote it in TOML or JSON: `true`, not Python's `True`."""
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)
