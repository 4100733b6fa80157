"""Validate a chat-completions request body, naming the offending field on failure."""

from __future__ import annotations

from typing import Any

from larouter import jsonx
from larouter.errors import LarouterError, bad_request

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


def parse_json_object(raw: bytes, check_depth: bool = True) -> dict[str, Any]:
    """Parse the body as a JSON object or raise a 400 (also, with `check_depth`, for one nested too deeply to write
    back; a chat body is checked as it is sent, where it is written anyway: `upstream.send`)."""
    if not raw.strip():
        raise bad_request("request body is empty; expected a JSON object", code="invalid_json")
    try:
        body = jsonx.loads(raw, allow_nan=False)
    except jsonx.TooDeep:
        raise too_deep() from None
    except jsonx.NonFiniteNumber as exc:  # names the field: NaN, Infinity or 1e999 is never sent on
        raise bad_request(f"request body is not valid JSON: {exc}", exc.path, "invalid_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"request body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(body, dict):
        raise bad_request(f"request body must be a JSON object, got {_type_name(body)}", code="invalid_json")
    # What LARouter parses it must be able to write back (to the provider, a stored setting): Python's json ran out of
    # stack on 1,000 levels, a 500 (review AX 1). (A body that short cannot nest so deep.)
    if check_depth and len(raw) > 2 * jsonx.WRITE_DEPTH and not jsonx.writable(body):
        raise too_deep()
    return body


def too_deep() -> LarouterError:
    return bad_request(f"request body is nested too deeply: more than {jsonx.WRITE_DEPTH} levels of arrays and objects "
                       "(the most LARouter can pass on)", code="invalid_json")


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
    _check_count("messages", len(messages))  # (first: nothing walks a list of a million messages)
    parts = 0
    for i, msg in enumerate(messages):
        _check_message(i, msg)
        if type(content := msg.get("content")) is list:
            parts += len(content)
    _check_count("messages[].content", parts, "content parts in all messages")
    _check_scalars(body)


# Items in one request's lists: a body under server.max_body_bytes made of 900,000 tiny messages took ~500 MB to
# handle (review AX 4). OpenAI takes 2,048 messages and 128 tools; agents' conversations stay far below this.
MAX_ITEMS = 20_000


def _check_count(param: str, count: int, what: str = "") -> None:
    if count > MAX_ITEMS:
        said = f"the request has {count:,} {what}" if what else f"'{param}' has {count:,} items"
        raise bad_request(f"{said}; the most LARouter takes is {MAX_ITEMS:,}", param, "array_above_max_length")


def _check_scalars(body: dict[str, Any]) -> None:
    if "stream" in body and not isinstance(body["stream"], bool) and body["stream"] is not None:
        raise bad_request(f"'stream' must be a boolean, got {_type_name(body['stream'])}", "stream", "invalid_type")
    opts = body.get("stream_options")
    if opts is not None:
        if not isinstance(opts, dict):
            raise bad_request("'stream_options' must be an object", "stream_options", "invalid_type")
        if opts.get("include_usage") is not None and not isinstance(opts["include_usage"], bool):  # null: default
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
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise bad_request(f"'tools' must be an array, got {_type_name(tools)}", "tools", "invalid_type")
        _check_count("tools", len(tools))
        if not _plain_function_tools(tools):  # the usual list passes here; any other is looked at tool by tool
            for i, tool in enumerate(tools):
                _check_tool(f"tools[{i}]", tool)
    choice = body.get("tool_choice")
    if choice is not None:
        _check_tool_choice(choice)
    functions = body.get("functions")  # the legacy form of tools: each item is the function itself
    if functions is not None:
        if not isinstance(functions, list):
            raise bad_request(f"'functions' must be an array, got {_type_name(functions)}", "functions", "invalid_type")
        _check_count("functions", len(functions))
        for i, function in enumerate(functions):
            _check_function(f"functions[{i}]", function)


def _check_function(where: str, function: Any, given: bool = True) -> None:
    """A function (a tool's `function`, a `functions` item, a forced choice's) is an object with a non-empty string
    `name`; the rest of it (description, parameters, ...) passes through untouched."""
    if not given:
        raise bad_request(f"{where} is required: an object naming the function", where, "missing_field")
    if not isinstance(function, dict):
        raise bad_request(f"{where} must be an object naming the function, got {_type_name(function)}", where,
                          "invalid_type")
    name = function.get("name")
    if not isinstance(name, str) or not name.strip():
        got = "a blank string" if isinstance(name, str) else _type_name(name)
        raise bad_request(f"{where}.name must be the function's name (a non-empty string), got {got}", f"{where}.name",
                          "missing_field" if name is None else "invalid_value")


def _plain_function_tools(tools: list[Any]) -> bool:
    """Whether every tool is a function tool naming its function (most requests' tools), in one quick pass that
    builds no message: anything else (a tool of another type included) raises, and `_check_tool` then decides."""
    try:
        for tool in tools:
            name = tool["function"]["name"]
            if type(name) is not str or not name or name.isspace() or tool.get("type", "function") != "function":
                return False
    except (LookupError, TypeError):  # not an object, no `function`, or one that is no object
        return False
    return True


def _check_tool(where: str, tool: Any) -> None:
    """A tool is an object; a function tool (`type` "function", or no type) names its function. Other types and
    every other field pass through untouched."""
    if not isinstance(tool, dict):
        raise bad_request(f"{where} must be an object (a tool), got {_type_name(tool)}", where, "invalid_type")
    kind = tool.get("type", "function")
    if not isinstance(kind, str):
        raise bad_request(f"{where}.type must be a string such as \"function\", got {_type_name(kind)}", f"{where}.type",
                          "invalid_type")
    if kind == "function":
        _check_function(f"{where}.function", tool.get("function"), "function" in tool)


def _check_tool_choice(choice: Any) -> None:
    """A string (`none`, `auto`, `required`, or what a provider takes besides) or an object; an object's `type`, when
    given, is a string, and a function choice names its function."""
    if isinstance(choice, str):
        return
    if not isinstance(choice, dict):
        raise bad_request(f"'tool_choice' must be a string or an object, got {_type_name(choice)}", "tool_choice",
                          "invalid_type")
    kind = choice.get("type")
    if kind is not None and not isinstance(kind, str):
        raise bad_request(f"tool_choice.type must be a string such as \"function\", got {_type_name(kind)}",
                          "tool_choice.type", "invalid_type")
    if kind == "function":
        _check_function("tool_choice.function", choice.get("function"), "function" in choice)
