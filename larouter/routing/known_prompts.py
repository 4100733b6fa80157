"""The agent frameworks' own check-in prompts, verbatim: a turn that is exactly one of them is a heartbeat at once.

Most heartbeats in the world are one framework's default prompt sent unchanged every half hour. A turn whose text
is exactly one of `known_prompts` (`[routing.classifier.heartbeat]`; runs of whitespace count as one space, and the
`Current time: ...` line OpenClaw appends is left aside) is recognised by one set lookup (~2 us) instead of the full
heartbeat rules (~60-90 us). Only the whole turn counts: such a prompt quoted in a question, edited, or followed
by anything else goes through every rule as before, and what the classifier checks after the rules still applies
(a checklist the agent's tool read with tasks due, a count that rose since the last beat, a request for reasoning).
"""

from __future__ import annotations

import attrs

CLOCK_LINE = "\nCurrent time:"  # OpenClaw: "\nCurrent time: Thursday, April 30th, 2026 - 10:00 AM (...) / ... UTC"
MAX_CLOCK_LINE = 200
OPENING = 12

# Verbatim from each framework's source; see ../shared/eval/heartbeat_prompts.jsonl for where each comes from.
DEFAULT_KNOWN_PROMPTS: tuple[str, ...] = (
    # OpenClaw's heartbeat prompt (2026) and its transcript marker
    "Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
    "prior chats. If nothing needs attention, reply HEARTBEAT_OK.",
    "[OpenClaw heartbeat poll]",
    # OpenClaw (latest): the heartbeat-monitor prompt, with either idle token
    "Follow the heartbeat monitor scratch context when provided. Recurring tasks are automations; create or change "
    "their schedules with the automations tool, not heartbeat scratch. Do not infer or repeat old tasks from prior "
    "chats. If nothing needs attention, reply HEARTBEAT_OK.",
    "Follow the heartbeat monitor scratch context when provided. Recurring tasks are automations; create or change "
    "their schedules with the automations tool, not heartbeat scratch. Do not infer or repeat old tasks from prior "
    "chats. If nothing needs attention, reply NO_REPLY.",
    # OpenClaw: a cron event or an async command that brought nothing
    "A scheduled cron event was triggered, but no event content was found. Reply NO_REPLY.",
    "An async command completion event was triggered, but no command output was found. Reply NO_REPLY only. Do not "
    "mention, summarize, or reuse output from any earlier run.",
    # nanobot (HKUDS/nanobot and its clones)
    "Read HEARTBEAT.md in your workspace (if it exists).\nFollow any instructions or tasks listed there.\nIf nothing "
    "needs attention, reply with just: HEARTBEAT_OK",
)


def canonical(text: str) -> str:
    """The turn as compared: without a final `Current time:` line, runs of whitespace as one space."""
    clock = text.rfind(CLOCK_LINE)
    if clock >= 0 and len(text) - clock <= MAX_CLOCK_LINE and "\n" not in text[clock + 1:].rstrip():
        text = text[:clock]
    return " ".join(text.split())


@attrs.frozen
class KnownPrompts:
    """The known prompts, compared in canonical form."""

    prompts: frozenset[str]
    longest: int  # characters a turn may have and still be one of them (with its clock line and extra spaces)
    openings: frozenset[str]  # each prompt's first OPENING characters: most turns are ruled out by one set look-up

    @classmethod
    def of(cls, prompts: tuple[str, ...]) -> KnownPrompts:
        texts = frozenset(canonical(p) for p in prompts if p.strip())
        return cls(texts, 2 * max(map(len, texts), default=0) + MAX_CLOCK_LINE, frozenset(t[:OPENING] for t in texts))

    def match(self, text: str) -> bool:
        """Whether the whole turn is one of the known prompts."""
        if len(text) > self.longest:
            return False
        head = text.lstrip()[:OPENING]
        if head not in self.openings and head == " ".join(head.split()):
            return False  # (an opening with no run of whitespace is as canonical() would make it)
        return canonical(text) in self.prompts
