"""Validate a chat-completions request body, naming the offending field on failure."""

from __future__ import annotations

from typing import Any

from larouter import jsonx
from larouter.errors import bad_request

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_NUMBERS = ("temperature", "top_p", "presence_penalty", "frequency_penalty")
_POS_INTS = ("max_tokens", "max_completion_tokens", "n")


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _magnitude(val: int | float) -> str:
    """A large number, short: `1e+24`, or `an integer of 401 digits` (too large for a float)."""
    return f"{val:g}" if isinstance(val, float) or val.bit_length() < 1000 else f"an integer of {len(str(val)):,} digits"


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Parse the body as a JSON object or raise a 400."""
    if not raw.strip():
        raise bad_request("request body is empty; expected a JSON object", code="invalid_json")
    try:
        body = jsonx.loads(raw, allow_nan=False)
    except jsonx.NonFiniteNumber as exc:  # names the field: NaN, Infinity or 1e999 is never sent on
        raise bad_request(f"request body is not valid JSON: {exc}", exc.path, "invalid_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"request body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(body, dict):
        raise bad_request(f"request body must be a JSON object, got {_type_name(body)}", code="invalid_json")
    return body


MAX_MODEL_NAME = 256
MAX_POS_INT = 2**31 - 1  # max_tokens, n, ...: no model takes more (and the ledger counts tokens up to this)


def check_model_name(model: str, param: str = "model") -> None:
    """A model name is printable text of at most 256 characters: it is logged, recorded and shown back."""
    if not model.strip():
        raise bad_request(f"'{param}' must not be empty or blank", param, "invalid_value")
    if len(model) > MAX_MODEL_NAME:
        raise bad_request(f"'{param}' is {len(model):,} characters long; the limit is {MAX_MODEL_NAME}", param,
                          "invalid_value")
    if not model.isprintable():
        raise bad_request(f"'{param}' must not contain control characters", param, "invalid_value")


def _check_message(i: int, msg: Any) -> None:
    where = f"messages[{i}]"
    if not isinstance(msg, dict):
        raise bad_request(f"{where} must be an object, got {_type_name(msg)}", where, "invalid_type")
    role = msg.get("role")
    if not isinstance(role, str):
        raise bad_request(f"{where}.role is required and must be a string", f"{where}.role", "invalid_type")
    if role not in ROLES:
        raise bad_request(f"{where}.role must be one of {sorted(ROLES)}, got {role!r}", f"{where}.role")
    content = msg.get("content")
    if content is not None and not isinstance(content, (str, list)):
        raise bad_request(
            f"{where}.content must be a string, an array of parts or null, got {_type_name(content)}",
            f"{where}.content",
            "invalid_type",
        )


def validate_chat(body: dict[str, Any]) -> None:
    """Check the fields LARouter relies on; everything else passes through untouched."""
    model = body.get("model")
    if model is None:
        raise bad_request("'model' is required (a model name, or \"auto\")", "model", "missing_field")
    if not isinstance(model, str):
        raise bad_request(f"'model' must be a non-empty string, got {_type_name(model)}", "model", "invalid_type")
    check_model_name(model)
    messages = body.get("messages")
    if messages is None:
        raise bad_request("'messages' is required", "messages", "missing_field")
    if not isinstance(messages, list):
        raise bad_request(f"'messages' must be an array, got {_type_name(messages)}", "messages", "invalid_type")
    if not messages:
        raise bad_request("'messages' must contain at least one message", "messages")
    for i, msg in enumerate(messages):
        _check_message(i, msg)
    _check_scalars(body)


def _check_scalars(body: dict[str, Any]) -> None:
    if "stream" in body and not isinstance(body["stream"], bool) and body["stream"] is not None:
        raise bad_request(f"'stream' must be a boolean, got {_type_name(body['stream'])}", "stream", "invalid_type")
    opts = body.get("stream_options")
    if opts is not None:
        if not isinstance(opts, dict):
            raise bad_request("'stream_options' must be an object", "stream_options", "invalid_type")
        if "include_usage" in opts and not isinstance(opts["include_usage"], bool):
            raise bad_request(
                "'stream_options.include_usage' must be a boolean", "stream_options.include_usage", "invalid_type"
            )
    for name in _NUMBERS:
        val = body.get(name)
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float))):
            raise bad_request(f"'{name}' must be a number, got {_type_name(val)}", name, "invalid_type")
    for name in _POS_INTS:
        val = body.get(name)
        if val is None:
            continue
        if isinstance(val, (int, float)) and not isinstance(val, bool) and val > MAX_POS_INT and (
                isinstance(val, int) or val.is_integer()):  # (float() of an integer of 400 digits would overflow)
            raise bad_request(f"'{name}' is too large ({_magnitude(val)}); the most is {MAX_POS_INT:,}", name,
                              "invalid_value")
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise bad_request(f"'{name}' must be a positive integer, got {val!r}", name, "invalid_type")
    if "tools" in body and body["tools"] is not None and not isinstance(body["tools"], list):
        raise bad_request(f"'tools' must be an array, got {_type_name(body['tools'])}", "tools", "invalid_type")
    choice = body.get("tool_choice")
    if choice is not None and not isinstance(choice, (str, dict)):
        raise bad_request("'tool_choice' must be a string or an object", "tool_choice", "invalid_type")
