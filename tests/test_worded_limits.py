"""Alert conditions written in words beside a reading ("(Alarm über −15 °C)", "(alert below 20 %)"), and what a
check-in's "otherwise, do W" branch must not hide, through `classify` with the rules alone."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import rules_tier

HOUSE = ("Statusbericht Haus 2026-07-22 14:00\nGefriertruhe Keller: {freezer} °C (Alarm über −15 °C)\nKühlschrank: "
         "4,1 °C (1–6 °C)\nAntworte nur mit OK, wenn alle Werte im Rahmen sind. Sonst formuliere die Push-Nachricht.")


@pytest.mark.parametrize(("quiet", "work"), [
    (HOUSE.format(freezer="−19,2"), HOUSE.format(freezer="−8,4")),
    ("Battery poll 09:00: garden sensor 45 % (alert below 20 %). Reply OK if nothing needs doing.",
     "Battery poll 09:00: garden sensor 15 % (alert below 20 %). Reply OK if nothing needs doing."),
])
def test_an_alert_written_in_words_is_met_or_not(quiet: str, work: str) -> None:
    """"über", "above", "below" are the alert's operator as much as ">" and "<" (a freezer at −8.4 °C with its
    alarm above −15 °C was a heartbeat whenever the "otherwise" branch was short)."""
    assert rules_tier(quiet) is Tier.HEARTBEAT
    assert rules_tier(work) is not Tier.HEARTBEAT



def test_an_otherwise_branch_does_not_hide_what_the_report_lists() -> None:
    """Review 14: skipping an "Otherwise write …" sentence as no request made any listed submission the rules could
    not read a heartbeat; it counts again (blind v37's quiet Zapier poll is missed again for it)."""
    text = ("Hourly check (Zap: \"Typeform → ChatGPT → Gmail draft\", step 3 of 4).\nTrigger time: Wed, 06 May 2026 "
            "16:00:00 +0100\n\nNew Typeform submissions since last run (form: \"Book a discovery call\"):\n{found}\n\n"
            "If there are no new submissions, respond with exactly: NOTHING_NEW\nOtherwise write a warm reply email "
            "draft for each submission, proposing two call slots from Thursday or Friday 10:00–16:00, signed "
            "\"Maeve, Harbour & Pine\".")
    for found in ("Submissions: 1", "Aoife Byrne (kitchen), Cian Walsh (bathroom)", "2 submissions (Aoife Byrne, Cian "
                  "Walsh)", "- Aoife Byrne, kitchen redesign, budget €18k"):
        assert rules_tier(text.format(found=found)) is not Tier.HEARTBEAT, found


@pytest.mark.parametrize(("quiet", "work"), [
    ("Home Assistant check 23:00 · garage door: closed · alarm: armed · Reply HA_OK if nothing to do.",
     "Home Assistant check 23:00 · garage door: open · alarm: armed · Reply HA_OK if nothing to do."),
    ("Home Assistant check 23:00\nfront door: locked\nwindows: closed\nReply HA_OK if nothing to do.",
     "Home Assistant check 23:00\nfront door: unlocked\nwindows: closed\nReply HA_OK if nothing to do."),
])
def test_a_labels_one_word_value_must_say_all_is_well(quiet: str, work: str) -> None:
    """Review 14: a one-word value after a label passed as quiet whatever it said ("garage door: open"); it must be
    a none or all-is-well word now (or a name: "fleet_status", "STOCK_QUIET", an id with digits)."""
    assert rules_tier(quiet) is Tier.HEARTBEAT
    assert rules_tier(work) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("reading", "quiet", "work"), [
    ("garden sensor {} % (alert when it drops below 20 %)", "45", "15"),
    ("Gefriertruhe Keller: {} °C (Alarm ab −15 °C)", "−19,4", "−8,4"),
    ("Gefriertruhe Keller: {} °C (Soll unter −15 °C)", "−19,4", "−8,4"),
    ("cold room {} °C (normal below 8 °C)", "6.8", "9.8"),
    ("chambre froide {} °C (alarme si plus de 8 °C)", "6,8", "9,8"),
    # review 15: three words before the operator, an action due past the bound
    ("garden sensor {} % (alert once it is below 20 %)", "45", "15"),
    ("garden sensor {} % (swap batteries under 20 %)", "45", "15"),
])
def test_more_alert_and_normal_conditions_in_words(reading: str, quiet: str, work: str) -> None:
    """Review 14: words between the alert word and its operator ("when it drops below"), "ab", "plus de", "oltre", and
    a normal range in words ("Soll unter", "normal below")."""
    text = "Scheduled check 14:00 · " + reading + " · Reply OK if nothing needs doing."
    assert rules_tier(text.format(quiet)) is Tier.HEARTBEAT
    assert rules_tier(text.format(work)) is not Tier.HEARTBEAT


@pytest.mark.parametrize("state", ["OPEN", "TRIGGERED"])
def test_a_state_in_capitals_is_no_name(state: str) -> None:
    """Review 15: a one-word value in capitals was taken for a name (like "STOCK_QUIET") and passed as quiet."""
    text = "Home Assistant check 23:00 · garage door: {} · alarm: armed · Reply HA_OK if nothing to do."
    assert rules_tier(text.format("CLOSED")) is Tier.HEARTBEAT
    assert rules_tier(text.format(state)) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Home Assistant check 23:00 · garage door: open · Reply HA_OK if nothing to do.",
    "Pool check 07:00 · pump: stopped · heater: off · Reply POOL_OK if nothing to do.",
    "Revisión casa 23:00 · puerta del garaje: abierta · ventanas: cerradas · Responde solo HA_OK si no hay nada que hacer.",
])
def test_the_check_in_model_does_not_overrule_a_labelled_state_in_trouble(text: str) -> None:
    """Review 15: the rules call these work; the learned check-in model, which reads words, not what they label,
    scored them 0.98-1.0 and sent them to the local model."""
    from larouter.routing import classify

    assert classify({"messages": [{"role": "user", "content": text}]}).tier is not Tier.HEARTBEAT
