"""What an answer's tokens are estimated from when its provider reports no usage: the size of its text, measured the
same way streamed or not, so streaming an answer never bills it less.

The text is what the model wrote: content, reasoning (`reasoning_content`, `reasoning`), a refusal, and each tool
call's (or legacy `function_call`'s) name and arguments; never the JSON around it (ids, roles, finish reasons), nor how
many events a stream split it into. Its size is in UTF-8 bytes, as the prompt's estimate counts the request's bytes
(`usage.records.BYTES_PER_TOKEN`): about a token for every 4 bytes of English, and nearer one a character for the
scripts whose characters take 3 bytes.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from larouter import jsonx

TEXT_KEYS = ("content", "reasoning_content", "reasoning", "refusal")  # a message's (or a delta's) own text
CALL_KEYS = ("name", "arguments")  # a tool call's function, or a legacy function_call
# A streamed event's text: the same keys with a JSON string value (one scan of the event; a string's quotes inside a
# JSON string are escaped, so a key quoted in a text never matches).
_STREAMED = re.compile(rb'"(?:content|reasoning(?:_content)?|refusal|name|arguments)": ?"([^"\\]*(?:\\.[^"\\]*)*)"')


def _size(text: str) -> int:
    """UTF-8 bytes of a text (a lone surrogate, which JSON can carry, as the 3 bytes it takes escaped so)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _unescaped(raw: bytes) -> int:
    """UTF-8 bytes of a JSON string's text, from its escaped form (`\\n`, `\\"`, `\\u00e9`...)."""
    try:
        return _size(jsonx.loads(b'"' + raw + b'"'))
    except ValueError:
        return len(raw)


def streamed_text_bytes(events: bytes | bytearray) -> int:
    """UTF-8 bytes of the text in a block of streamed events (`data: {...}` lines, as relayed)."""
    found = _STREAMED.findall(events)
    if not found:
        return 0
    if b"\\" not in events:  # the usual: no escape, the bytes are the text's
        return sum(map(len, found))
    return sum(_unescaped(raw) if b"\\" in raw else len(raw) for raw in found)


def _message_bytes(message: dict[str, Any]) -> int:
    total = sum(_size(text) for key in TEXT_KEYS if isinstance(text := message.get(key), str))
    calls = message.get("tool_calls")
    functions = [call.get("function") for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []
    for function in (*functions, message.get("function_call")):
        if isinstance(function, dict):
            total += sum(_size(text) for key in CALL_KEYS if isinstance(text := function.get(key), str))
    return total


def answer_text_bytes(answer: Any) -> int:
    """UTF-8 bytes of the text of a non-streamed answer's messages (every choice's); 0 for what is no chat
    completion."""
    choices = answer.get("choices") if isinstance(answer, dict) else None
    if not isinstance(choices, list):
        return 0
    messages = (choice.get("message") for choice in choices if isinstance(choice, dict))
    return sum(_message_bytes(message) for message in messages if isinstance(message, dict))


def prompt_bytes(raw: bytes, body: dict[str, Any]) -> int:
    """The request's bytes a prompt's estimate counts: the body without its `stream` and `stream_options` (as the
    client wrote them, give or take a separator), so a prompt streamed costs what it costs not streamed."""
    size = len(raw)
    for key in ("stream", "stream_options"):
        if key in body:
            size -= len(key) + 4 + len(jsonx.dumps(body[key]))  # (`,"key":value`, as the SDKs write it)
    return max(size, 0)


# A prompt's inline media (base64 in a data: URL or `input_audio.data`) is no text: its bytes are not its tokens. The
# context filter and a usage estimate count an image as IMAGE_TOKENS (a typical count: Gemma's 256 to 1,120 by its
# budget, gpt-4o's 765 for a high-detail 1024x1024, Claude's ~1,600 at most), a recording as a token per
# AUDIO_BYTES_PER_TOKEN of its base64 (16 kHz WAV is ~43 kB a second of it, counted 25 a second by Gemma, ~10 by
# OpenAI). Budgets reserve more (`billing.worst_case_tokens`).
IMAGE_TOKENS = 1_000
AUDIO_BYTES_PER_TOKEN = 1_000


def _inline(part: dict[str, Any]) -> tuple[int, int]:
    """(bytes, tokens) of one content part's inline media; (0, 0) for text or a URL the provider fetches."""
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        return (len(url), IMAGE_TOKENS) if isinstance(url, str) and url[:5].lower() == "data:" else (0, 0)
    if kind == "input_audio":
        audio = part.get("input_audio")
        data = audio.get("data") if isinstance(audio, dict) else None
        return (len(data), len(data) // AUDIO_BYTES_PER_TOKEN) if isinstance(data, str) else (0, 0)
    return 0, 0


def content_parts(messages: Any) -> Iterator[dict[str, Any]]:
    """The parts (objects) of the messages whose content is a list of parts; the usual case, every content a
    string, is one comprehension (this runs on every request)."""
    lists = [c for m in messages if type(m) is dict and type(c := m.get("content")) is list] if type(
        messages) is list else ()
    for content in lists:
        yield from (part for part in content if isinstance(part, dict))


def inline_media(body: dict[str, Any]) -> tuple[int, int]:
    """(bytes, tokens) of the inline images and recordings of the request's messages (`_inline`)."""
    size = tokens = 0
    for part in content_parts(body.get("messages")):
        b, t = _inline(part)
        size, tokens = size + b, tokens + t
    return size, tokens


def prompt_tokens(request_bytes: int, media: tuple[int, int], bytes_per_token: int = 4) -> int:
    """A prompt's tokens, estimated: its bytes but the inline media's at `bytes_per_token`, plus the media's own."""
    return -(-max(request_bytes - media[0], 0) // bytes_per_token) + media[1]
