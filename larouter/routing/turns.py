"""Find the user turn to classify, walking from the end, and read only its text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

_TEXT_PARTS = frozenset({"text", "input_text"})
_IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})
_TOOL_PARTS = frozenset({"tool_result", "function_call_output"})
_TOOL_ROLES = frozenset({"tool", "function"})


@attrs.frozen
class Turn:
    """One user message: its (capped) text, where it sits, and what was skipped to reach it."""

    text: str
    index: int
    images: int
    after_tools: bool
    truncated: bool


def find_user_turn(
    messages: Sequence[Any], start: int, max_walk: int, head: int, tail: int
) -> Turn | None:
    """The last user message at or before `start`, looking at no more than `max_walk` messages.

    Tool results, assistant tool calls, assistant text and system messages are stepped over
    without reading their content; a user message that only carries tool results counts as a
    tool turn.
    """
    after_tools = False
    stop = max(-1, start - max_walk)
    for i in range(start, stop, -1):
        msg = messages[i]
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        if role == "user":
            text, images, tool_parts, truncated = read_content(msg.get("content"), head, tail)
            if text or images or not tool_parts:
                return Turn(text, i, images, after_tools, truncated)
            after_tools = True
        elif role in _TOOL_ROLES or (role == "assistant" and msg.get("tool_calls")):
            after_tools = True
    return None


def read_content(content: Any, head: int, tail: int) -> tuple[str, int, int, bool]:
    """(text, image parts, tool-result parts, truncated) of a message's content.

    A string is the text; a list of parts contributes its text parts. Text longer than
    head + tail characters keeps its first `head` and last `tail` characters.
    """
    images = tools = 0
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
                continue
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind in _TEXT_PARTS and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif kind in _IMAGE_PARTS:
                images += 1
            elif kind in _TOOL_PARTS:
                tools += 1
        text = "\n".join(texts)
    else:
        text = ""
    if len(text) > head + tail:
        return text[:head] + "\n" + text[len(text) - tail :], images, tools, True
    return text, images, tools, False


def previous_is_assistant_text(messages: Sequence[Any], index: int) -> bool:
    """Whether the message before `index` is an assistant message with text (e.g. a proposal)."""
    if index <= 0:
        return False
    msg = messages[index - 1]
    return (
        isinstance(msg, dict)
        and msg.get("role") == "assistant"
        and not msg.get("tool_calls")
        and bool(msg.get("content"))
    )
