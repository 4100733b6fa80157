"""Review 29: what a person writes about check-ins is never one (177 of 218 such messages, in 16 languages, were
heartbeats; 50 are left), while a scheduler's own check-ins, and its own reports on them, stay heartbeats (review 30:
the first version lost 151 of 220 of those; none now). With this session's first probe (13 of 21 messages about "the
periodic check" were heartbeats), blind v48's person messages, and modal openers in other languages."""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify


def tier(text: str, system: str | None = None) -> Tier:
    messages = [{"role": "system", "content": system}] if system else []
    return classify({"messages": [*messages, {"role": "user", "content": text}]}).tier


@pytest.mark.parametrize("text", [
    # a predicate after the phrase, in any language
    "Heartbeat tick at 10:00 was late again",
    "Scheduled check-in at 9:00 never arrived today",
    "Periodische Prüfung läuft seit gestern nicht mehr",
    "Revisión periódica no funciona desde ayer",
    "Vérification périodique ne se lance plus depuis la mise à jour",
    "Плановая проверка в 9:00 не пришла",
    "Zamanlanmış kontrol 9'da gelmedi",
    "定期チェックが昨日から動いていません",
    "定时检查从昨天开始就不运行了",
    "정기 점검이 어제부터 안 돼요",
    # a determiner, an adjective or a time's possessive before it
    "The new heartbeat poll is too noisy",
    "Tonight's scheduled check can be skipped",
    "Die neue periodische Prüfung nervt, jede Stunde eine Nachricht",
    # a question about it by its first words; a pasted one contradicted (review 33)
    "Who set up the scheduled check-in?",
    "¿Cada cuánto se hace la revisión periódica?",
    "定时检查多久运行一次？",
    "> Scheduled check-in: all clear\n\nbut the disk is full, what gives",
    "Periodic check 06:00 — all green\nreally? the NAS has been off since yesterday",
    "Periodic check 08:00: all quiet — not true, the alarm went off at 7:45",
    "「定期チェック：異常なし」って来たけど、サーバー落ちてるよ",
    # woken by it, in any language (review 33)
    "Heartbeat poll at 3am woke up the whole house",
    "Vérification périodique m'a réveillé à 3h du matin",
    "Periodische Prüfung hat heute früh alle geweckt",
    "定期チェックが夜中に通知してきて困っています",
    # a change or praise in other words (review 33)
    "Let's run the routine check only on weekdays",
    "Periodische Prüfung bitte nur noch werktags",
    "Scheduled check-in works great now, nice job",
    # a malfunction in other words (review 33)
    "Heartbeat poll hasn't run since the update",
    "Periodische Prüfung hängt seit 10 Uhr",
    "定时检查从十点开始卡住了",
    # the writer's own words in its clause
    "Periodic check woke me up at 3am again",
    "定时检查半夜把我吵醒了",
    # told not to run, thanked
    "Führe die periodische Prüfung heute nicht aus",
    "今晚不要执行定时检查",
    "Health check passed, thanks for fixing it!",
    # forwarded or pasted with a comment
    "Fwd: Periodic check 06:00 — all green. thoughts?",
    "Heartbeat check — nothing needs attention. <- I get this every 30 min, turn it off",
    "Heartbeat poll: nothing new\n\nplease stop sending me this",
    'My bot sent "Periodic check-in: all clear" to the family group by mistake, how do I undo it',
    # an idle token someone saw, not one asked for
    "I keep getting HEARTBEAT_OK in Telegram",
    "you answered HEARTBEAT_OK to my question, that's wrong",
    "NO_REPLY lol",
    "チャットに HEARTBEAT_OK が表示される",
    "Ich bekomme ständig HEARTBEAT_OK im Chat",
    "Het antwoord was weer HEARTBEAT_OK",
    "The reply was NO_REPLY again, even though I asked about my calendar",
])
def test_a_person_writing_about_check_ins_is_not_one(text: str) -> None:
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "[heartbeat] 2026-05-14 10:00 — nothing new",
    "Periodic check 10:00 — all clear",
    "Heartbeat check: nothing new",
    "Heartbeat poll 14:30",
    "Idle poll: no new human input since 09:40. Agents with nothing to contribute reply exactly PASS.",
    "Kiểm tra định kỳ từ bot giao dịch: không có lệnh mới, không có cảnh báo giá.",
    "Scheduled check-in: anything for me?",
    "Your periodic check-in: nothing pending. Reply HEARTBEAT_OK if idle.",
    "定期チェック（15:00）：新着メッセージなし",
    # a scheduler's report after its title that uses a complaint's words (review 33)
    "Periodic check 10:00: no backup was late, nothing pending.",
    "Scheduled check 13:00: 0 jobs stopped, 0 broken, 0 pending.",
    "Geplante Prüfung 08:00: keine Termine zu verschieben.",
    "Revisión periódica 10:00: ya no hay tareas pendientes.",
    "The scheduled check-in at 10:00 found nothing new.",
    "Scheduled check 10:00: done.\n\nPlease do not reply to this message.",
    'Job "heartbeat poll" (my-agent-01, eu-west-1) ran at 10:00: nothing new.',
    "[cron */30] Sprawdzenie skrzynki i kalendarza zakończone: brak nowych wiadomości.",
    "Despertar agendado. Confira a fila de tarefas; se não houver nada, responda 'nada a relatar'.",
    "Periodic check 10:00\nNew messages: 0\nOpen tickets: 0",
    # a scheduler presenting its check-in with an article (lost since a022262, review 30)
    "This is the hourly heartbeat. Nothing needs your attention.",
    "Es hora de la revisión periódica. No hay mensajes nuevos.",
    "C'est l'heure de la vérification périodique. Aucun nouveau message.",
    # a scheduler's own words about its check-in (review 30)
    "Heartbeat check is due. Nothing new in the inbox.",
    "Periodic check has started. No new messages, no calendar changes.",
    "Scheduled check-in at 09:00 is complete: nothing pending.",
    "Periodic check: do you have pending tasks? If not, reply NO_REPLY.",
    "Heartbeat poll: I found no new emails.",
    "KDS idle ping 15:42 — open tickets 0, bumped late 0, 86'd items none",
    "Periodische Prüfung läuft: keine neuen Nachrichten seit 09:00.",
    "定期チェックを実行しました。異常なし。",
    "定时检查已经完成，没有新消息。",
    "정기 점검이 완료되었습니다. 이상 없음.",
    "Periodic check 10:00.\n\nThis is an automated message.",
    'Workflow "Periodic check" triggered by Schedule Trigger: 0 new items.',
    "Check the inbox. If no mail was received, reply HEARTBEAT_OK.",
    "受信箱を確認してください。何もなければ HEARTBEAT_OK が返答になります。",
    "Плановая проверка 03:00 МСК",
    '{"trigger":"Schedule Trigger","workflow":"Inbox Concierge","runIndex":212,"items":[],"message":"no new items"}',
])
def test_a_schedulers_check_in_stays_one(text: str) -> None:
    assert tier(text) is Tier.HEARTBEAT


# This session's first probe, and blind v48's two false heartbeats.
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
    # review 29's: a yes-no question about it, a negative imperative in Spanish and Italian, a change asked for
    "Did the scheduled check-in fire this morning?",
    "Move the periodic check to 8:30 please",
    "No hagas la revisión periódica mañana",
    "Non eseguire il controllo periodico stanotte",
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
    "Periodic check (10:00): nothing new",
    "Scheduled check-in (every 30 min): no new messages",
    "Previous answer was HEARTBEAT_OK. Check the inbox again; if nothing new, reply HEARTBEAT_OK.",
])
def test_a_schedulers_titled_check_in_stays_one(text: str) -> None:
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


# A scheduler's or an agent's own words after its title, or about its run, which read like a person's (review 34: a
# first version of a rule for a person's news after a title, and of more complaint words, lost all 90 of these; it was
# taken back). The agent's first person, "I/O", a next run "again at", a negated "red" or "silent", a yes-no question.
@pytest.mark.parametrize("text", [
    "Periodic check: anything I should know about?",
    "Periodieke controle: moet ik ergens op letten?",
    "Плановая проверка: есть ли что-то, что я должен знать?",
    "Routine check: are we good? No new alerts on my side.",
    "Periodic check 10:00: the inbox didn't change since 09:30.",
    "Okresowa kontrola 10:00: nie przyszła żadna nowa wiadomość.",
    "Periyodik kontrol 10:00: yeni e-posta gelmedi.",
    "Verificação periódica: alerta via Telegram em vez de e-mail. Sem novidades.",
    "Periodic check: io wait 2%, load 0.4",
    "Scheduled check: I/O within limits",
    "Heartbeat poll: I'm up, waiting for instructions.",
    "Heartbeat poll: check my inbox and calendar and flag what's urgent.",
    "Periodische Prüfung: Ich habe Postfach und Kalender geprüft – ohne Befund.",
    "Revisión periódica: estoy en línea, cola vacía.",
    "定时检查：我已完成巡检，暂无待办事项",
    "Periodic check complete, checking again at 11:00",
    "Routine check-in complete, nothing is red.",
    "Routine check done, pager is silent.",
    "Revisión periódica completada, ningún proceso colgado",
    "Did the periodic check find anything that needs attention?",
    "Routine check-in from the monitor bot, I have nothing to report.",
    "Periodic check (I/O wait 2%, CPU 5%) completed",
])
def test_a_schedulers_report_after_its_title_stays_one(text: str) -> None:
    assert tier(text) is Tier.HEARTBEAT
