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
