"""Remove the metadata agents wrap around what the user typed.

Handled by the shipped rules: OpenClaw-style `Sender (untrusted metadata):` / `Conversation
info (untrusted metadata):` blocks with fenced JSON (and their siblings), the trailing
`Untrusted context (...)` suffix, `[Tue 2026-03-10 09:12 UTC]` and `[Telegram Ana id:1 ...]`
headers, `[message_id: ...]` and `[[reply_to_current]]` tags, `[media attached: ...]` lines
and the image hint after them, `Current time: ...` lines, the stamp of `System: [...]` lines (their event stays: a
heartbeat's work, `system_events.py`), and Letta-style
JSON user messages (`{"type": "user_message", "message": "..."}`).
"""

from __future__ import annotations

import re

from larouter.routing import textjson
from larouter.routing.compiled import Compiled

_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def strip_envelope(text: str, rules: Compiled) -> tuple[str, tuple[str, ...]]:
    """The user's own text and the names of what was removed (empty when nothing was)."""
    removed: list[str] = []
    if text[:64].lstrip()[:1] == "{":
        inner = _json_message(text, rules.json_message_types)
        if inner is not None:
            text = inner
            removed.append("JSON message wrapper")
    lower = text.lower()
    for block in rules.env_blocks:
        if block.gate and not any(map(lower.__contains__, block.gate)):
            continue
        text, n = block.rx.subn("", text)
        if n:
            removed.append(f"{n} metadata block{'s' if n > 1 else ''}")
    lines = rules.env_lines
    if not lines.gate or any(map(lower.__contains__, lines.gate)):
        count, tagged = 0, text
        for _ in range(4):  # tags can be stacked on one line: "[[reply_to_current]] [Tue ...] hi"
            text, n = lines.rx.subn("", text)
            count += n
            if not n:
                break
        if count and not text.strip() and tagged.strip():
            text, count = tagged, 0  # the tag is the whole message ("[heartbeat 10:00]", "[tick 08:15]"): keep it
        if count:
            removed.append(f"{count} header/tag line{'s' if count > 1 else ''}")
    if removed:
        text = _BLANK_RUNS.sub("\n\n", text).strip()
    return text, tuple(removed)


def _json_message(text: str, types: frozenset[str]) -> str | None:
    """The message inside a JSON-wrapped user turn of one of `types`, else None."""
    stripped = text.strip()
    if not stripped.endswith("}") or '"type"' not in stripped[:40] or len(stripped) > 100_000:
        return None
    obj = textjson.loads(stripped)  # (None for what is no JSON, or nests too deeply to read)
    if isinstance(obj, dict) and obj.get("type") in types and isinstance(obj.get("message"), str):
        return obj["message"]
    return None
