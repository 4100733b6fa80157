"""Configuration for turns read in their conversation (shipped defaults): continuations of earlier work and turns
that recur, answered each time with the same ack."""

from __future__ import annotations

import attrs

from larouter.routing.bounds import number, size
from larouter.routing.heartbeat_rules import Gated


@attrs.frozen
class ContinuationRules:
    """User-role turns that continue earlier work; the classifier reads the turn that started it."""

    events: Gated = Gated(
        r"\brequest_heartbeat\s*=\s*true\b|\bcontinue_chaining\s*=\s*true\b|\breturning control\b"
        r"|\basync command (?:you ran earlier )?has completed\b|\bcommand completion event\b"
        r"|\b(?:background|async) (?:task|job|command|process) (?:has )?(?:finished|completed)\b",
        ("request_heartbeat", "continue_chaining", "returning control", "completed", "completion", "finished"),
    )
    go_ahead: str = (
        r"\A\W*(?:yes|yeah|yep|ok|okay|sure|sure thing|go ahead|go for it|go on|do it|do that|let'?s do it"
        r"|proceed|continue|carry on|please do|sounds good|lgtm|ship it|absolutely|of course|s[ií]|vale|adelante"
        r"|hazlo|oui|vas-y|allez-y|d'accord|ja|mach das|mach weiter|los|sim|pode|vai|да|давай|продолжай|好的|可以|继续|はい"
        r"|お願いします|続けて)(?:[\s,.!;:—–-]+(?:please do|please|go ahead|go on|do it|do that|thanks|thank you"
        r"|proceed|continue|por favor|s'il te plaît|bitte|пожалуйста))*\W*\Z"
    )
    go_ahead_max_chars: int = number(80, 0, note="0: no go-ahead continues earlier work")
    lookback: int = size(64)


@attrs.frozen
class RecurrenceRules:
    """A turn that recurs in its own conversation, answered each time with the same short ack, is a heartbeat
    whatever its wording (see `recurrence.py`). `min_repeats` 0 turns the check off."""

    min_repeats: int = number(2, 0, note="0 turns the check off")  # earlier sightings of the turn, each answered with the same ack
    max_ack_chars: int = number(64, 0)  # an answer this short (stripped) is an acknowledgement; "" (silence) is one too
    max_chars: int = size(1024)  # longer turns are requests, not check-ins
    lookback: int = size(64)  # messages before the turn that are looked at
