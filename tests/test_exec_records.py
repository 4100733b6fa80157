"""A shell tool's result as a record ({"exit_code": 0, "stdout": "…", "stderr": ""}: n8n's Execute Command, agent
runtimes' exec tools) is read as the command's output; periodic checklists under more headers (blind v48)."""

from __future__ import annotations

import json

import pytest

from larouter.routing import Tier, classify

DF = "Filesystem      Size  Used Avail Use% Mounted on\n/dev/md2        915G  {}G  {}G  {}% /srv"


def beat(system: str, command: str, result: dict[str, object]) -> Tier:
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": "Periodische Prüfung — Do, 14.05.2026, 20:00 Uhr"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "shell", "arguments": json.dumps({"cmd": command})}}]},
                {"role": "tool", "tool_call_id": "c1", "content": json.dumps(result)}]
    return classify({"messages": messages}).tier


@pytest.mark.parametrize("header", ["Prüfliste:", "Periodic checklist:", "定时巡检清单："])
def test_a_command_record_is_read_as_its_output(header: str) -> None:
    system = (f"Du bist der Hausmeister. Ein Timer weckt dich.\n\n{header}\n1. `df -h /srv`: Belegung unter 80 %.\n\n"
              "Wenn nichts zu melden ist, antworte ausschließlich mit: OK\n")
    quiet = {"exit_code": 0, "stdout": DF.format(622, 247, 72), "stderr": ""}
    full = {"exit_code": 0, "stdout": DF.format(786, 83, 91), "stderr": ""}
    assert beat(system, "df -h /srv", quiet) is Tier.HEARTBEAT
    assert beat(system, "df -h /srv", full) is not Tier.HEARTBEAT
    failed = {"exit_code": 2, "stdout": "", "stderr": "df: /srv: No such file or directory"}
    assert beat(system, "df -h /srv", failed) is not Tier.HEARTBEAT


@pytest.mark.parametrize("code", [0, 1])
def test_a_search_that_printed_nothing_found_nothing(code: int) -> None:
    """`pgrep` printing nothing (it exits 1 when no process matches) is the absence the checklist alerts on; as a
    record of empty strings and a zero it read as an empty answer, quiet."""
    system = ("You are the NVR watcher. A timer wakes you.\n\nPeriodic checklist:\n- frigate must be running: "
              "`pgrep -af frigate`.\n\nIf nothing needs attention, reply exactly: OK\n")
    assert beat(system, "pgrep -af frigate", {"exit_code": code, "stdout": "", "stderr": ""}) is not Tier.HEARTBEAT
