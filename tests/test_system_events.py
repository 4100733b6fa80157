"""Events and messages inside a check-in. OpenClaw's system events (`openclaw system event --text …`, cron
`--system-event`): the next heartbeat carries each as a `System: [stamp] …` line before its prompt, and runs to handle
it. An event is work; a routine run that ended well, or an event that says none, leaves the heartbeat a heartbeat. A
message the poll shows ("Latest email: …", "Dana: can you …?") is work too, whatever idle reply it asks for."""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import DEFAULT, ClassifierConfig
from tests.support.agents import BOTH_CONFIGS, RULES_ONLY

OC = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
      "prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Wednesday, March 4th, 2026 - "
      "7:12 AM (Europe/Berlin) / 2026-03-04 06:12 UTC")


def beat(event: str, config: ClassifierConfig) -> Tier:
    text = f"System: [2026-03-04 07:12:03 GMT+1] {event}\n\n{OC}"
    return classify({"messages": [{"role": "system", "content": "You are Juniper, running inside OpenClaw."},
                                  {"role": "user", "content": text}]}, config).tier


@BOTH_CONFIGS
@pytest.mark.parametrize("event", [
    "Reminder: call the dentist to move Friday's appointment (you asked me yesterday)",
    "Exec failed (brisk-fern, code 1) :: backup-photos.sh: rsync error: No space left on device (28)",
    'Gmail: new email from Dana Kim <dana@acme.com> — "Contract: need your signature by noon"',
    "Check for urgent follow-ups",
    "Exec completed (quiet-owl, code 0) :: sync.sh: 2 warnings",
    # review 15: a clean exit whose output reports news, a reminder that mentions "OK", a partial "none"
    "Exec completed (calm-river, code 0) :: df -h /: 97% used",
    "Exec completed (brisk-fern, code 0) :: backup-photos.sh: 1,204 files scanned, 37 could not be read",
    "Exec completed (calm-river, code 0) :: certbot renew: cert for shop.example.com expires in 3 days, renewal skipped",
    "Reminder: check that the backup finished OK, then send the weekly report to Dana",
    "Gmail: no new mail from clients; Dana asked you to call her back before noon",
])
def test_a_system_event_before_the_heartbeat_is_work(event: str, config: ClassifierConfig) -> None:
    """Review 14: the envelope removed the whole `System:` line, event and all, and the verbatim prompt left was a
    heartbeat: the reminder, the failed command and the mail went to the local model."""
    assert beat(event, config) is not Tier.HEARTBEAT


@pytest.mark.parametrize("event", [
    "Exec completed (brisk-fern, code 0) :: backup-photos.sh: 1,204 files scanned, 0 changed, 0 errors",
    "No new mail since 06:00",
])
def test_a_routine_event_that_ended_well_leaves_a_heartbeat(event: str) -> None:
    assert beat(event, DEFAULT) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    'Hourly inbox check 10:00.\nLatest email: Dana Kim — "Contract attached, please sign and return today".\nIf '
    "nothing needs attention, reply HEARTBEAT_OK.",
    "⏰ Periodic sweep 12:00\nmod queue: empty\nlatest DM from @kira: \"someone is posting my address in #general\"\n"
    "If there's nothing to act on, reply with just `quiet`.",
    "定期チェック 10:00\n最新メール: 田中様「本日中に見積書を再送してください」\n対応不要なら QUIET とだけ返信してください。",
    "Heartbeat 10:00\n[2026-05-06 09:12] Dana: can you send me the signed contract before lunch?\nReply HEARTBEAT_OK if "
    "nothing needs attention.",
    # review 15 (N5): a message that asks without a question mark, or whose question is followed by more
    "Heartbeat 10:00\n[2026-05-06 09:12] Dana: please send me the signed contract before lunch.\nReply HEARTBEAT_OK if "
    "nothing needs attention.",
    "Heartbeat 10:00\nDana: can you send me the signed contract? It's urgent.\nReply HEARTBEAT_OK if nothing needs "
    "attention.",
    "Inbox check 10:00 · WhatsApp from Mum: call me when you can, it's about Dad · If nothing needs attention, reply "
    "HEARTBEAT_OK.",
    "Slack sweep 10:00\n#ops @mark: prod deploy is blocked, need your approval\nIf nothing needs attention, reply "
    "HEARTBEAT_OK.",
])
def test_a_message_shown_in_a_poll_is_work_whatever_idle_reply_it_asks_for(text: str) -> None:
    """Review 14: with an idle reply asked, the rules did not read a message the poll pasted ("Latest email: …", "Dana:
    can you …?"): the ack proves a scheduler sent the prompt, not that the pasted content is empty."""
    assert classify({"messages": [{"role": "user", "content": text}]}, RULES_ONLY).tier is not Tier.HEARTBEAT
    for quiet in ("Hourly inbox check 10:00.\nLatest email: none.\nIf nothing needs attention, reply HEARTBEAT_OK.",
                  "Slack sweep 10:00\n#ops: no new messages · @mark: 0 mentions\nIf nothing needs attention, reply "
                  "HEARTBEAT_OK.",
                  "Calendar check 09:00. Rule: nudge me only if something starts within 2 hours. Mentions: 0. Reply "
                  "NO_REPLY unless you have something to post."):
        assert classify({"messages": [{"role": "user", "content": quiet}]}, RULES_ONLY).tier is Tier.HEARTBEAT
