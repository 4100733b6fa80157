"""An OpenClaw-style agent request (big system prompt, tools, history) around a turn, for classifier tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import DEFAULT, without_model

# The rules alone, without the learned check-in model: for tests of what a rule does, and of what the recurrence
# and learned-heartbeat trackers do with a convention nothing recognises on first sight.
RULES_ONLY = without_model()
# A test run twice: with the learned check-in model (the shipped default) and with the rules alone.
BOTH_CONFIGS = pytest.mark.parametrize("config", [DEFAULT, RULES_ONLY], ids=["with-model", "rules-only"])
NO_MODEL_TOML = "\n[routing.classifier.heartbeat]\nmodel = false\n"

HB_PROMPT = (
    "Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat "
    "old tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK."
)
TIME_LINE = "\nCurrent time: Thursday, April 30th, 2026 - 10:00 AM (America/New_York) / 2026-04-30 14:00 UTC"
SYSTEM = (
    "You are a personal assistant running inside OpenClaw.\n\n## Heartbeats\nHeartbeat prompt: "
    + HB_PROMPT
    + "\nIf you receive a heartbeat poll and nothing needs attention, reply exactly:\nHEARTBEAT_OK\n"
    "## Silent replies\nWhen you have nothing to say, respond with ONLY: NO_REPLY\n"
    "## AGENTS.md\nProve every claim. Write Python code with tests. Think step by step.\n"
) * 20
TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {}}}}
         for n in ("read", "write", "exec", "web_search", "message")]


def envelope(text: str) -> str:
    """`text` wrapped the way OpenClaw delivers an inbound chat message."""
    meta = {"message_id": "5107", "sender_id": "8812094411", "sender": "Rui", "timestamp": "Tue 2026-03-10 09:12 GMT+0"}
    who = {"label": "Rui (8812094411)", "id": "8812094411", "name": "Rui"}
    return (f"Conversation info (untrusted metadata):\n```json\n{json.dumps(meta, indent=2)}\n```\n\n"
            f"Sender (untrusted metadata):\n```json\n{json.dumps(who, indent=2)}\n```\n\n"
            f"[Tue 2026-03-10 09:12 GMT+0] {text}")


def call(i: int, name: str = "exec") -> dict[str, Any]:
    """An assistant message that calls one tool."""
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": "{}"}}]}


def result(i: int, content: str) -> dict[str, Any]:
    """The tool message answering `call(i)`."""
    return {"role": "tool", "tool_call_id": f"c{i}", "content": content}


HISTORY = [
    {"role": "user", "content": envelope("fix the failing test in ~/src/ledger, CI is red")},
    call(1), result(1, "E   AssertionError: assert 12 == 13\nledger/money.py:41: AssertionError"),
    {"role": "assistant", "content": "Fixed the rounding; 213 tests pass."},
    {"role": "user", "content": HB_PROMPT}, {"role": "assistant", "content": "HEARTBEAT_OK"},
]


def agent(*turns: dict[str, Any] | str) -> dict[str, Any]:
    """A long agent request: big system prompt, tools, history, then `turns` (strings are user turns)."""
    msgs = [{"role": "user", "content": t} if isinstance(t, str) else t for t in turns]
    return {"model": "auto", "messages": [{"role": "system", "content": SYSTEM}, *HISTORY, *msgs], "tools": TOOLS}


def tier(*turns: dict[str, Any] | str) -> Tier:
    """The tier of an agent request ending in `turns`."""
    return classify(agent(*turns)).tier


def rules_tier(text: str) -> Tier:
    """The tier the rules alone give one bare user turn (no system prompt, no history, no learned model)."""
    return classify({"messages": [{"role": "user", "content": text}]}, RULES_ONLY).tier
