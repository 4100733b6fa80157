"""Review 31 (an adversarial pass over this session's readers that make a lookup quiet or a task not due): each
trouble or due check-in beside its quiet twin (reproductions in the session notes)."""

from __future__ import annotations

import json

import pytest

from larouter.routing import Tier, classify
from tests.test_stated_limits import _call, lookup_tier

WED = "Thursday, April 30th, 2026 - 10:00 AM (Europe/Berlin) / 2026-04-30 08:00 UTC"
POLL = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
        f"prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: {WED}")
FMT = "docker ps --format 'table {{.Names}}\\t{{.Status}}\\t{{.Image}}'"
HEAD = "NAMES     STATUS    IMAGE"
UP = HEAD + "\nuptime-kuma   Up 3 days   louislam/uptime-kuma:1\ncaddy     Up 3 days (healthy)   caddy:2.8"


def record(**fields: object) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize(("checklist", "command", "quiet", "news"), [
    # a shell record whose exit code is its `status` (Node's spawnSync), one that says it failed, one cut short, one
    # killed by a signal (no exit code)
    ("- Make sure caddy is running (`systemctl is-active --quiet caddy`).", "systemctl is-active --quiet caddy",
     record(status=0, stdout="", stderr=""), record(status=3, stdout="", stderr="")),
    ("- Tell me if last night's backup job failed.", "jobs last backup",
     record(command="backup.sh", status="success", output="", duration_ms=812),
     record(command="backup.sh", status="failed", output="", duration_ms=812)),
    ("- Tell me if the nightly `pg_dump` to /srv/backup fails.", "pg_dump -Fc -f /srv/backup/app.dump app",
     record(exitCode=0, stdout="", stderr="", durationMs=41233), record(exitCode=None, stdout="", stderr="")),
    # a trouble filter in another command of the call; a name after `grep -v` that starts like a state
    ("- Tell me if any container has exited, and make sure caddy is running.",
     "docker ps -a --filter status=exited -q; docker ps --filter name=caddy --format 'table {{.Names}}\\t{{.Status}}"
     "\\t{{.Image}}'", HEAD + "\ncaddy     Up 3 days (healthy)   caddy:2.8", HEAD),
    ("- Tell me if any container is not running.", FMT + " | grep -v uptime-kuma", UP, HEAD),
])
def test_review_31_lookups(checklist: str, command: str, quiet: str, news: str) -> None:
    assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, news) is not Tier.HEARTBEAT


def _due(checklist: str) -> Tier:
    """The tier of the poll whose only tool read its HEARTBEAT.md, a checklist under a task header."""
    messages = [{"role": "user", "content": POLL}, _call(1, "read", {"path": "HEARTBEAT.md"}),
                {"role": "tool", "tool_call_id": "c1", "content": "# Heartbeat checklist\n\n## Reminders\n" + checklist}]
    return classify({"messages": messages}).tier


@pytest.mark.parametrize("item", [
    # a sub-item with its own schedule, under a later parent
    "- Flight to Lisbon Friday 07:10 (TP 571):\n  - Thursday 09:00: remind me to do the online check-in (once).",
    "- Moving to the new flat on 15 May:\n  - ASAP: remind me to cancel the internet contract (once).",
    # an hour that is another thing's, not the reminder's
    "- Today: remind me to book a table at Lupa for 7pm (once).",
    "- Today: tell Ada the plumber comes at 4pm (once).",
    "- Today: remind me to book a table at Lupa for 19:00 (once).",
    "- Today: set an alarm for 18:30 for the school pickup (once).",
    "- Heute: erinnere mich, einen Tisch für 19:30 zu reservieren (einmal).",
])
def test_review_31_tasks_due_now(item: str) -> None:
    assert _due(item) is not Tier.HEARTBEAT
    done = item
    for label in ("Thursday", "ASAP", "Today", "Heute"):
        done = done.replace(f"- {label}", f"- [x] {label}")
    assert _due(done) is Tier.HEARTBEAT


def test_a_bad_high_reading_whose_name_holds_a_bad_low_word() -> None:
    """"Unsuccessful" holds "success", "balancer" holds "balance": the reading is bad high all the same."""
    def tier(template: str, reading: str) -> Tier:
        text = f"Heartbeat 10:30 — {template.format(reading)}. Reply HEARTBEAT_OK if nothing needs attention."
        return classify({"messages": [{"role": "user", "content": text}]}).tier
    for template, bad, good in (("Unsuccessful logins: {} — alarm at 50", "340", "2"),
                                ("Load balancer 5xx: {} — alarm at 100", "412", "3")):
        assert tier(template, good) is Tier.HEARTBEAT
        assert tier(template, bad) is not Tier.HEARTBEAT
