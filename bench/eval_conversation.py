"""The synthetic long OpenClaw conversation that bench/eval_classifier.py's "long" section (and
bench/classifier_bench.py) wraps around each eval prompt: a large system prompt that mentions
HEARTBEAT.md and HEARTBEAT_OK (tooling, safety, workspace files, skills, runtime, a long memory
index), twelve tool definitions, prior real work with tool calls interleaved with acknowledged
heartbeats, and OpenClaw's inbound metadata envelope. `embed(text, seed, ...)` builds one such
request, deterministic for a seed; bench/eval_classifier.py imports it from here (and so still
offers it to `from eval_classifier import embed`).
"""

from __future__ import annotations

import json
import random
from typing import Any

HEARTBEAT_SECTION = (
    "## Heartbeats\nHeartbeat prompt: Read HEARTBEAT.md if it exists (workspace context). Follow it "
    "strictly. Do not infer or repeat old tasks from prior chats. If nothing needs attention, reply "
    "HEARTBEAT_OK.\nIf you receive a heartbeat poll (a user message matching the heartbeat prompt "
    "above), and there is nothing that needs attention, reply exactly:\nHEARTBEAT_OK\nOpenClaw treats "
    'a leading/trailing "HEARTBEAT_OK" as a heartbeat ack (and may discard it).\nIf something needs '
    'attention, do NOT include "HEARTBEAT_OK"; reply with the alert text instead.'
)

_SYSTEM_PARTS = [
    "You are a personal assistant running inside OpenClaw.",
    "## Tooling\nTool availability (filtered by policy):\n"
    + "\n".join(f"- {n}: {d}" for n, d in [
        ("read", "Read file contents"), ("write", "Create or overwrite files"), ("edit", "Make precise edits"),
        ("exec", "Run shell commands (pty available for TTY-required CLIs)"), ("process", "Manage background exec sessions"),
        ("web_search", "Search the web"), ("web_fetch", "Fetch and extract readable content from a URL"),
        ("browser", "Control the web browser"), ("message", "Send messages and channel actions"),
        ("cron", "Manage cron jobs and wake events (use for reminders)"), ("sessions_list", "List sessions"),
        ("memory_search", "Search MEMORY.md and memory/*.md"),
    ]),
    "## Safety\nYou have no independent goals. Prioritise safety and human oversight. Never exfiltrate "
    "private data. Prove claims with evidence from tools; when you write code, write tests and run them.",
    HEARTBEAT_SECTION,
    "## Silent Replies\nWhen you have nothing to say, respond with ONLY: NO_REPLY\nIt must be your ENTIRE "
    "message. Never append it to an actual response.",
    "## Workspace Files (injected)\n### AGENTS.md\nThis folder is home. Treat it that way.\n- Read SOUL.md, "
    "USER.md and memory/YYYY-MM-DD.md at the start of every session.\n- Use HEARTBEAT.md for periodic checks: "
    "inbox, calendar, mentions, weather. Batch them; reply HEARTBEAT_OK when nothing is new.\n- For maths, "
    "derive step by step and prove each claim. For code, prefer Python and TypeScript; run the linters.\n"
    "### SOUL.md\nBe genuinely helpful, not performatively helpful. Have opinions. Be resourceful before "
    "asking.\n### TOOLS.md\nCameras: front-door, garage. SSH hosts: nas (10.0.0.4), pi (10.0.0.7). TTS voice: "
    "Nova.\n### HEARTBEAT.md\n# Keep this file empty (or with only comments) to skip heartbeat API calls.",
    "## Skills\n" + "\n".join(
        f"<skill><name>{n}</name><description>{d}</description></skill>" for n, d in [
            ("github", "Interact with GitHub via gh: issues, PRs, CI runs, code review"),
            ("weather", "Current weather and forecasts"), ("gog", "Google Workspace CLI for Gmail and Calendar"),
            ("coding-agent", "Run Codex or Claude Code to write and refactor code"),
            ("summarize", "Summarize URLs, podcasts and local files"),
        ]),
    "## Runtime\nRuntime: agent=main | host=pi5 | os=Linux 6.6 (arm64) | model=auto | channel=telegram | "
    "thinking=low\nReasoning: off (hidden unless on/stream).",
]
SYSTEM = "\n\n".join(_SYSTEM_PARTS) + "\n\n" + "\n".join(
    f"- memory/2026-02-{d:02d}.md: notes about projects, errands and decisions" for d in range(1, 29)
) * 8

TOOLS = [
    {"type": "function", "function": {"name": n, "description": d, "parameters": {
        "type": "object", "properties": {p: {"type": "string", "description": p} for p in ps}, "required": [ps[0]]}}}
    for n, d, ps in [
        ("read", "Read file contents", ["path", "offset", "limit"]),
        ("write", "Create or overwrite a file", ["path", "content"]),
        ("edit", "Replace exact text in a file", ["path", "oldText", "newText"]),
        ("exec", "Run a shell command", ["command", "workdir", "timeout", "background"]),
        ("process", "Manage background sessions", ["action", "sessionId"]),
        ("web_search", "Search the web", ["query", "count"]),
        ("web_fetch", "Fetch a URL", ["url", "extractMode"]),
        ("browser", "Control the browser", ["action", "targetUrl"]),
        ("message", "Send a message", ["action", "channel", "to", "message"]),
        ("cron", "Manage cron jobs", ["action", "job"]),
        ("sessions_list", "List sessions", ["kinds", "limit"]),
        ("memory_search", "Search memory files", ["query", "maxResults"]),
    ]
]

_WORK = [
    ("the nightly backup failed again, can you check the logs on the nas?",
     "exec", {"command": "ssh nas journalctl -u restic-backup --since yesterday | tail -n 40"},
     "Mar 09 03:00:01 nas restic[2231]: Fatal: unable to open repository at sftp:backup@10.0.0.7:/srv/restic: "
     "ssh: connect to host 10.0.0.7 port 22: No route to host\nrestic-backup.service: Main process exited, status=1/FAILURE",
     "The backup target (the Pi, 10.0.0.7) was unreachable at 03:00, so restic could not open the repository."),
    ("fix the failing test in ~/src/ledger, the CI is red",
     "exec", {"command": "cd ~/src/ledger && uv run pytest -x -q"},
     "F\n____ test_rounding ____\n    def test_rounding():\n>       assert to_cents(Decimal('0.125')) == 13\n"
     "E       AssertionError: assert 12 == 13\nledger/money.py:41: AssertionError\n1 failed, 212 passed in 3.2s",
     "`to_cents` used banker's rounding; I switched it to ROUND_HALF_UP and the suite is green (213 passed)."),
    ("what's on my calendar tomorrow?",
     "exec", {"command": "gog calendar list --from tomorrow --to tomorrow"},
     '[{"summary": "1:1 with Ana", "start": "10:00"}, {"summary": "Dentist", "start": "17:30"}]',
     "Tomorrow: 1:1 with Ana at 10:00 and the dentist at 17:30."),
    ("summarize https://example.com/blog/postgres-17-release for me",
     "web_fetch", {"url": "https://example.com/blog/postgres-17-release", "extractMode": "markdown"},
     "# PostgreSQL 17 released\nIncremental backup, faster vacuum, JSON_TABLE, logical replication failover...",
     "PostgreSQL 17 adds incremental backups, a faster VACUUM, SQL/JSON `JSON_TABLE`, and failover for logical slots."),
]


def envelope(text: str, rng: random.Random) -> str:
    """`text` inside an OpenClaw inbound envelope (metadata blocks and a timestamp header)."""
    sid = str(rng.randrange(10**9, 10**10))
    stamp = f"Tue 2026-03-{rng.randrange(1, 29):02d} {rng.randrange(24):02d}:{rng.randrange(60):02d} GMT+1"
    meta = {"message_id": str(rng.randrange(10**4)), "sender_id": sid, "sender": "Rui", "timestamp": stamp}
    who = {"label": f"Rui ({sid})", "id": sid, "name": "Rui"}
    return (f"Conversation info (untrusted metadata):\n```json\n{json.dumps(meta, indent=2)}\n```\n\n"
            f"Sender (untrusted metadata):\n```json\n{json.dumps(who, indent=2)}\n```\n\n[{stamp}] {text}")


def _history(rng: random.Random) -> list[dict[str, Any]]:
    """Prior turns: real work with tool calls, interleaved with acknowledged heartbeats."""
    msgs: list[dict[str, Any]] = []
    for k, (ask, tool, args, out, answer) in enumerate(rng.sample(_WORK, k=rng.randrange(2, len(_WORK) + 1))):
        if rng.random() < 0.5:
            msgs += [{"role": "user", "content": HEARTBEAT_SECTION.split("\n")[1].removeprefix("Heartbeat prompt: ")},
                     {"role": "assistant", "content": "HEARTBEAT_OK"}]
        call = f"call_{k}_{rng.randrange(10**6)}"
        msgs += [
            {"role": "user", "content": envelope(ask, rng)},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call, "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}]},
            {"role": "tool", "tool_call_id": call, "content": out},
            {"role": "assistant", "content": answer},
        ]
    return msgs


def embed(text: str, seed: int, *, wrap: bool = False, tool_followup: bool = False) -> dict[str, Any]:
    """A long agent request whose last user turn is `text` (in an envelope when `wrap`).

    With `tool_followup`, the agent has already answered that turn with a tool call
    (reading HEARTBEAT.md) and the request ends with the tool result.
    """
    rng = random.Random(seed)
    last = {"role": "user", "content": envelope(text, rng) if wrap else text}
    msgs = [{"role": "system", "content": SYSTEM}, *_history(rng), last]
    if tool_followup:
        msgs += [
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_hb", "type": "function",
                "function": {"name": "read", "arguments": '{"path": "HEARTBEAT.md"}'}}]},
            {"role": "tool", "tool_call_id": "call_hb", "content": "# HEARTBEAT.md\n\n# Keep this file empty "
             "(or with only comments) to skip heartbeat API calls.\n"},
        ]
    return {"model": "auto", "messages": msgs, "tools": TOOLS, "stream": True}
