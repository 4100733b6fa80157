"""Review 25 (an adversarial pass over this session's readers: terse bounds, member counts, listed names, absences,
a turn's own readings, months, learned heartbeats): a representative case of each family of false heartbeats it
found beside its quiet twin (reproductions in the session notes). Member counts are in `test_lookup_absences.py`,
terse bounds in `test_limit_phrasings.py`, months and headings in `test_heartbeat_workspace.py`.
"""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify

IDLE = " Reply HEARTBEAT_OK if nothing needs attention."


@pytest.mark.parametrize(("turn", "news", "quiet"), [
    ("Heartbeat {}. Server room: {} °C (tell me if it goes above 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C (tell me if it's above 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C (warn if it exceeds 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C (ping me when it passes 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C — tell me if above 27 °C.", "29.6", "22.1"),  # (a dash, no bracket)
    ("Heartbeat {} — UPS battery: {} % charged (warn at 20 %). Mains: online.", "18", "100"),
    ("Heartbeat {} — UPS runtime: {} min remaining (warn at 15 min). Mains: on battery.", "9", "48"),
    ("Heartbeat {} — /srv: {} GiB avail (warn at 20 GiB).", "12", "212"),
    ("Heartbeat {} — /srv: {} % ocupado (aviso en 85 %).", "91", "41"),
    ("Heartbeat {}. Freezer: {} °C (warn at -15 °C). Front door: closed.", "-12.4", "-19.2"),  # (signed; bad warm)
])
def test_a_turns_own_reading_past_its_alert_in_other_words_is_work(turn: str, news: str, quiet: str) -> None:
    """More words and an apostrophe before the operator, "exceeds" and "passes", a dash for the bracket, states of
    what is left ("charged", "remaining", "avail"), "ocupado", and signed figures ("Freezer" holds nothing free)."""
    def tier(reading: str) -> Tier:
        return classify({"messages": [{"role": "user", "content": turn.format("10:30", reading) + IDLE}]}).tier
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(news) is not Tier.HEARTBEAT
