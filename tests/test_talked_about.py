"""A person talking about the check-in (a troubleshooting question, a change of schedule, "can you explain …") is
never the check-in, in any language; the scheduler's own titles for it are (session 29's probe: 13 of 21 such
messages were heartbeats)."""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify


def tier(text: str) -> Tier:
    return classify({"messages": [{"role": "user", "content": text}]}).tier


@pytest.mark.parametrize("text", [
    "The periodic check at 10:00 reports nothing anymore, what's the reason?",
    "Since yesterday the periodic check no longer runs. Help!",
    "Please skip the periodic check today at 14:00.",
    "Our periodic check has been silent since Monday 10:00.",
    "The heartbeat at 10:00 reports nothing anymore, what's the reason?",
    "Die periodische Prüfung um 10:00 meldet nichts mehr, woran liegt das?",
    "Seit gestern läuft die regelmäßige Prüfung nicht mehr. Hilfe!",
    "Il controllo periodico delle 10:00 non parte più, cosa controllo?",
    "Quiero cambiar la revisión periódica a cada hora.",
    "Je voudrais que la vérification périodique tourne toutes les heures.",
    "Gibt es einen Grund, warum die periodische Prüfung zweimal lief?",
    "Kannst du die periodische Prüfung im Skript erklären?",
    "¿Puedes explicar la revisión periódica del script?",
    "Peux-tu expliquer la vérification périodique du script ?",
    "Puoi spiegare il controllo periodico dello script?",
])
def test_a_person_talking_about_the_check_in_is_not_one(text: str) -> None:
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Periodische Prüfung — Do, 14.05.2026, 20:00 Uhr",
    "[cron] controllo periodico — gio 14/05/2026 18:40",
    "⏰ Revisión periódica — jueves 14/05/2026 10:00.",
    "Réveil programmé — vérification périodique (jeu. 14 mai 2026, 16:30 Europe/Paris)",
    "Es hora de tu revisión periódica. Nada pendiente.",
    "Run the periodic check. If nothing needs attention, reply HEARTBEAT_OK.",
])
def test_a_schedulers_check_in_stays_one(text: str) -> None:
    assert tier(text) is Tier.HEARTBEAT


OC_PROMPT = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks "
             "from prior chats. If nothing needs attention, reply HEARTBEAT_OK.")


def test_a_check_in_prompt_quoted_as_a_block_is_talked_about() -> None:
    """Blind v48: a person pastes the poll they saw in the log as a Markdown block quote and asks about it."""
    text = (f"weird question. every 30 min there's this message I never typed:\n\n> {OC_PROMPT}\n\nand then you "
            "answer HEARTBEAT_OK and it disappears. is that a prompt injection??")
    assert tier(text) is not Tier.HEARTBEAT
    assert tier(f"> {OC_PROMPT}") is Tier.HEARTBEAT  # (the quote alone is the poll itself)


def test_a_request_to_write_heartbeat_md_is_no_check_in() -> None:
    """Blind v48: "make me a new HEARTBEAT.md … if nothing, stay quiet with HEARTBEAT_OK"; the agent read the
    template (comments only): no check-in whose lookups found nothing."""
    messages = [{"role": "user", "content": "HEARTBEAT.md を新しく作ってほしい。内容は:\n- ディスク使用率が90%を超えたら通知\n"
                                            "- 何もなければ HEARTBEAT_OK で黙ってて\n今のファイルはテンプレートのままです。"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                    "name": "read", "arguments": '{"path": "HEARTBEAT.md"}'}}]},
                {"role": "tool", "tool_call_id": "c1",
                 "content": "# HEARTBEAT.md\n\n# Keep this file empty (or with only comments) to skip heartbeat API calls.\n"}]
    assert classify({"messages": messages}).tier is not Tier.HEARTBEAT
