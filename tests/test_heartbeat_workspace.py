"""OpenClaw's poll with its HEARTBEAT.md inlined into the system prompt ("# Project Context … ## HEARTBEAT.md"), and
checklist items that are never due of their own accord (standing rules, conditions, windows, ticks, other days)."""

from __future__ import annotations

from typing import Any

import pytest

from larouter.routing import Tier, classify
from tests.support.agents import HB_PROMPT, HISTORY, SYSTEM, TOOLS, call, result

POLL = HB_PROMPT + "\nCurrent time: Tuesday, July 14th, 2026 — {now} (Asia/Kolkata) / 2026-07-14 11:35 UTC"
DIGEST = "- Weekdays 17:00: send Priya a summary of today's unread emails from clients (label:clients)."


def body(checklist: str, *turns: dict[str, Any] | str, now: str = "5:05 PM") -> dict[str, Any]:
    """An OpenClaw request whose system prompt ends with the workspace files it loaded, HEARTBEAT.md last."""
    system = (SYSTEM + "\n# Project Context\nThe following workspace files were loaded at session start:\n\n"
              "## SOUL.md\nBe brief. Never paste secrets.\n\n## HEARTBEAT.md\n# HEARTBEAT.md\n" + checklist + "\n")
    msgs = [{"role": "user", "content": t} if isinstance(t, str) else t for t in (turns or (POLL.format(now=now),))]
    return {"model": "auto", "messages": [{"role": "system", "content": system}, *HISTORY, *msgs], "tools": TOOLS}


def test_a_task_due_in_the_inlined_heartbeat_md_makes_the_poll_work() -> None:
    """The weekday 17:00 digest is due at 5:05 PM (it was last sent yesterday): the poll is classified on it, and the
    reason says where the task was read; at 9:05 AM nothing is due and the poll is a heartbeat (blind v32: three of
    its four false heartbeats were such polls)."""
    due = classify(body(DIGEST))
    assert due.tier is not Tier.HEARTBEAT
    assert "heartbeat whose HEARTBEAT.md in the system prompt lists a task due -> classified on the tasks" in due.reasons
    assert classify(body(DIGEST, now="9:05 AM")).tier is Tier.HEARTBEAT


def test_only_a_check_in_reads_the_inlined_file_and_only_that_file() -> None:
    """A request of the user's own is classified on its text, whatever HEARTBEAT.md holds; a due-looking item in
    another inlined file (SOUL.md, AGENTS.md) is not a task of the poll."""
    assert classify(body(DIGEST, "what's the capital of Peru?")).tier is Tier.SIMPLE
    other = body("- Saturdays: water the ferns.").copy()
    other["messages"][0] = {"role": "system", "content": other["messages"][0]["content"].replace(
        "Be brief. Never paste secrets.", "- 09:00 send the weekly report to the board")}
    assert classify(other).tier is Tier.HEARTBEAT


def test_a_checklist_the_agent_read_by_a_tool_is_the_fresher_copy() -> None:
    """The poll followed by the agent's own read of HEARTBEAT.md: the tool result decides (the system prompt's copy
    was loaded at session start)."""
    read = [POLL.format(now="5:05 PM"), call(7, "read"), result(7, "# HEARTBEAT.md\n- Sundays 10:00: ask about "
                                                                    "groceries.")]
    assert classify(body(DIGEST, *read)).tier is Tier.HEARTBEAT


@pytest.mark.parametrize("item, as_task", [
    ("- Quiet hours 23:00–07:30: never message.", "- 07:30: message Priya the day's plan."),
    ("- Weekends: no work reminders at all.", "- 10:00: send the work reminders."),
    ("- 22:30 以后不要发消息", "- 10:00 发消息提醒 Wei 吃药"),
    ("- If an email from the letting agent (Foxtons) arrives, summarise it for Priya.",
     "- 17:00: summarise the email from the letting agent (Foxtons) for Priya."),
    ("- Check on Imani once if she's been quiet all day (daytime only, 09:00–17:00).",
     "- Check on Imani once (daytime only, 09:00–18:00)."),
    ("- 08:00 remind Wei to take his pills (today: reminded ✓)", "- 08:00 remind Wei to take his pills"),
    ("- 28th of each month, 09:00: remind Priya to pay the rent.",
     "- 14th of each month, 09:00: remind Priya to pay the rent."),
    ("- Weekends 09:00: plan the family outing.", "- Weekdays 09:00: plan the day."),
    ("- Los viernes a las 13:00: recordar que Irene tiene natación.", "- Los martes a las 13:00: recordar la natación."),
    ("- Nada entre 22:00 y 08:00.", "- Enviar el resumen entre 17:00 y 18:00."),
    ("### Más adelante\n- Renovar el permiso de uso de suelo (vence en septiembre)",  # (a section for later, blind v38)
     "### Hoy\n- Renovar el permiso de uso de suelo (vence hoy)"),
    ("### Later\n- Renew the boat licence.", "- Renew the boat licence today."),
    ("- Wednesdays after 09:00: remind Priya the car inspection is due in September.",  # (what is due in a month is
     "- Tuesdays after 09:00: remind Priya the car inspection is due in September."),  # news when its day comes)
])
def test_items_that_are_not_due_of_their_own_accord(item: str, as_task: str) -> None:
    """A rule about when to speak, a condition on something happening, a window the check-in is outside of, an item
    ticked off, another day of the month or of the week: the poll at 5:05 PM on Tuesday 14 July is a heartbeat; the
    same item written as a task due then is work."""
    assert classify(body(item)).tier is Tier.HEARTBEAT
    assert classify(body(as_task)).tier is not Tier.HEARTBEAT


@pytest.mark.parametrize("now, due", [("9:05 AM", False), ("5:05 PM", True)])
def test_when_a_recurring_item_was_last_done_is_no_due_date(now: str, due: bool) -> None:
    """"Last sent: Mon 2026-07-13 17:02" dates the digest's history: the weekday 17:00 item is due at 5:05 PM on
    Tuesday, not at 9:05 AM (the past date made it look overdue all day)."""
    history = DIGEST + " Last sent: Mon 2026-07-13 17:02."
    assert (classify(body(history, now=now)).tier is not Tier.HEARTBEAT) is due


def test_a_weekday_written_without_spaces_labels_its_item() -> None:
    """"毎週月曜 8:00" (every Monday 8:00) is Monday's item: nothing due at a Saturday check-in (blind v32's Japanese
    checklist read by a tool), due on a Monday."""
    def read(now: str) -> list[Any]:
        return [HB_PROMPT + f"\nCurrent time: {now} (Asia/Tokyo)", call(3, "read"),
                result(3, "# HEARTBEAT.md\n- 毎週月曜 8:00：燃えないゴミの日をリマインド")]
    assert classify(body("", *read("Saturday 2026-06-13 10:30"))).tier is Tier.HEARTBEAT
    assert classify(body("", *read("Monday 2026-06-15 10:30"))).tier is not Tier.HEARTBEAT


NANOBOT_POLL = ("Read HEARTBEAT.md in your workspace (if it exists).\nFollow any instructions or tasks listed there.\n"
                "If nothing needs attention, reply with just: HEARTBEAT_OK")
NANOBOT_TASKS = ("# Heartbeat Tasks\n\n## Active Tasks\n\n- Every Friday 17:00: remind Omar to log this week's receipts\n"
                 "- 1st of each month, 09:00: send Omar last month's totals per category\n\n## Completed\n")


@pytest.mark.parametrize(("clock", "due"), [("2026-03-10 14:30 (Tuesday)", False), ("2026-03-13 17:10 (Friday)", True),
                                            ("2026-04-01 09:05 (Wednesday)", True)])
def test_a_tool_read_checklist_is_dated_by_the_clock_in_the_system_prompt(clock: str, due: bool) -> None:
    """nanobot writes "## Current Time" into its system prompt and its poll names no time: its HEARTBEAT.md, read by
    a tool, is judged at that time (blind v33: the Friday and monthly items were read as due on a Tuesday)."""
    system = f"# nanobot\n\nYou are nanobot.\n\n## Current Time\n{clock}\n\n## Heartbeat\nReply HEARTBEAT_OK if idle."
    body = {"model": "auto", "tools": TOOLS, "messages": [
        {"role": "system", "content": system}, *HISTORY, {"role": "user", "content": NANOBOT_POLL},
        call(5, "read_file"), result(5, NANOBOT_TASKS)]}
    assert (classify(body).tier is not Tier.HEARTBEAT) is due


WS = "/home/ada/.openclaw/workspace"
CLOSING = ("## Silent Replies\nWhen you have nothing to say, respond with ONLY: NO_REPLY\n\n## Heartbeats\nHeartbeat "
           "prompt: Read HEARTBEAT.md if it exists (workspace context).\n\n## Runtime\nRuntime: agent=main | host=nas\n")


@pytest.mark.parametrize("own", ["## Backups / NAS", "## CI/CD", "## shop.example.com", "## Nextcloud 29.0",
                                 "## Messaging", "## Backups\n```bash\n# credentials live in /etc/restic.env\n```",
                                 "## Inbox: ~/notes/inbox.md", "## ~/notes/inbox.md"])  # (a file it watches)
def test_the_files_own_headings_under_its_path_do_not_end_it(own: str) -> None:
    """Review 24: under OpenClaw's path heading the file ran to the next heading that looked like a path ("## Backups
    / NAS", "## CI/CD", a site, a version), named one of the prompt's own sections ("## Messaging"), or was a shell
    comment in a code fence: the task after it was never read. The file ends at the next file's path, or where only
    the prompt's closing sections follow."""
    checklist = f"# Heartbeat checklist\n\n{own}\n- Nothing to do here this week.\n\n## Reminders\n{DIGEST}\n"
    system = (SYSTEM + "\n# Project Context\n\n" + f"## {WS}/USER.md\n- Name: Ada\n\n## {WS}/HEARTBEAT.md\n\n"
              + checklist + f"\n## {WS}/MEMORY.md\n- 09:00 send the weekly report to the board\n\n" + CLOSING)

    def tier(now: str) -> Tier:
        return classify({"model": "auto", "messages": [{"role": "system", "content": system},
                                                       {"role": "user", "content": POLL.format(now=now)}]}).tier
    assert tier("5:05 PM") is not Tier.HEARTBEAT  # the digest is due
    assert tier("9:05 AM") is Tier.HEARTBEAT  # nothing is (MEMORY.md's 09:00 item is no task of the poll)
