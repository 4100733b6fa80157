"""Polls in more languages and scripts, through `classify`: status reports of nothing, pings and stamped polls, idle
replies closing a sentence with their script's own full stop, a clock line in any language, and the same polls with
an item, a request or a question in them (split from test_heartbeat_polls.py, which grew past 400 lines)."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import rules_tier, tier


@pytest.mark.parametrize("text", [
    "સ્વચાલિત તપાસ (10:00): કોઈ નવા સંદેશ નથી, કોઈ નવી ફરિયાદ નથી. જો કંઈ કરવાનું ન હોય તો ફક્ત 'ઓકે' મોકલો.",
    "नियमित जाँच (बिहान ७ बजे): कुनै नयाँ अर्डर छैन, कुनै गुनासो छैन। केही गर्नुपर्दैन भने 'हुन्छ' लेख्नुहोस्।",
    "例行檢查（下晝三點）：冇新留言，冇新訂單。冇嘢做就淨係覆「收到」。",
    "فحص تلقائي: مفيش طلبات جديدة، مفيش شكاوى. لو مفيش حاجة، رد بكلمة 'تمام' بس.",
    "Ինքնաշխատ ստուգում (09:00). նոր պատվերներ չկան, բողոքներ չկան։ Եթե անելիք չկա, պատասխանիր «ԼԱՎ»։",
    "Kontroll automatik (18:00): nuk ka porosi të reja, nuk ka ankesa. Nëse s'ka asgjë, përgjigju 'OK'.",
    "Duba na yau da kullum: babu sabon saƙo, babu sabon korafi. Idan babu abin yi, amsa da 'LAFIYA'.",
    "Ukaguzi wa saa: hakuna oda mpya, hakuna malalamiko. Kama hakuna kazi, jibu 'POA'.",
])
def test_status_reports_of_nothing_in_more_languages_are_heartbeats(text: str) -> None:
    """A report whose every clause says none, with the idle instruction, in languages the vocabulary lacked
    (gu, yue, arz, hy, ha) or opening with a short "label:" header and no time stamp (ha, sw)."""
    assert tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "સ્વચાલિત તપાસ (10:00): 3 નવા સંદેશ, કોઈ નવી ફરિયાદ નથી.",
    "فحص تلقائي: مفيش شكاوى، بس في 2 طلبات جديدة.",
    "Duba na yau da kullum: babu sabon korafi, amma akwai sabbin oda 4.",
    "Tarea: no hay tests para el módulo de pagos. Escribe tests con pytest para cubrir los reembolsos.",
])
def test_the_same_reports_with_items_or_a_request_are_work(text: str) -> None:
    """A count of new items, or a request after a "label:" header, is work in any of those languages."""
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "ping",
    "[cron:backup-verify every=30m run=88] tick. failed=0 pending=0 errors=0",
    "Pump controller poll 06:15: all pumps idle, no faults, no alarms.",
])
def test_pings_long_cron_tags_and_stamped_polls_are_heartbeats(text: str) -> None:
    """A bare ping, a cron tag with its schedule inside the brackets and "errors=0" (a problem word whose count is
    zero names no problem), and "<device> poll 06:15" are check-ins."""
    assert tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "ping google.com and tell me the latency",
    "[cron:backup-verify every=30m run=88] tick. failed=2 pending=0 errors=3",
    "why does ping show 200 ms to my router when the cable is fine?",
])
def test_ping_requests_and_ticks_with_failures_are_work(text: str) -> None:
    """A request to ping something, a question about ping, and a tick reporting failures are work."""
    assert tier(text) is not Tier.HEARTBEAT


def test_a_fleet_count_short_of_its_total_is_work() -> None:
    """A stamped poll counting 11/12 sensors online reports one down; 12/12 is a full house."""
    assert tier("Poll 11:40 - 11/12 sensors online - alarms: none") is not Tier.HEARTBEAT
    assert tier("Poll 11:40 - 12/12 sensors online - alarms: none") is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "HA heartbeat 06:00 — binary_sensor.basement_leak: ON (since 05:52) · alarm: armed_home",
    "[Heartbeat] nothing new on my side. Also, remind me at 7 to water the plants.",
    "Was genau bedeutet HEARTBEAT_OK bei OpenClaw, und weshalb taucht die Antwort im Signal-Chat nie auf, obwohl "
    "alles läuft?",
])
def test_a_leak_an_added_request_or_a_question_about_the_token_is_work(text: str) -> None:
    """A problem word inside a snake_case sensor name, a request added after an idle beat, and a long question in
    which the idle token sits (asked about, not asked for) are work."""
    assert tier(text) is not Tier.HEARTBEAT


def test_work_asked_after_an_idle_token_is_work() -> None:
    """"Reply OK if you understand, then draft …" asks for work after the token; "reply IDLE then TERMINATE" names a
    second token, not work."""
    assert tier("Answer ACK if this is clear, then write the onboarding checklist for the new intern.") \
        is not Tier.HEARTBEAT
    assert tier("[GroupChat timer] 20 minutes with no messages. If nothing is open, reply IDLE then TERMINATE.") \
        is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Schreibe eine HEARTBEAT.md für meinen Blumenladen-Agenten: um 7:00 Bestellungen prüfen, sonst einfach "
    "HEARTBEAT_OK antworten.",
    "Écris un HEARTBEAT.md pour mon agent : vérifier les réservations à 18h, sinon répondre HEARTBEAT_OK.",
    # a request that opens by writing, translating or explaining is one even with the ack spelled in it
    "Schreibe mir einen kurzen Heartbeat-Prompt: prüfe Kalender und Mails, wenn nichts ansteht, antworte HEARTBEAT_OK.",
    "Escriu un prompt per al meu agent: revisa el correu i, si no hi ha res, respon HEARTBEAT_OK.",
])
def test_a_request_to_write_heartbeat_md_in_other_languages_is_work(text: str) -> None:
    """"Write a HEARTBEAT.md …" asked in other languages is an edit request, even when it spells the ack."""
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "[GroupChatManager] periodic round 14: no new messages from the user proxy. Open action items: none. If you "
    "have nothing to add, reply TERMINATE.",
    "Morning sweep 08:00 CET. Next 2h: no meetings. New invites: 0. Conflicts: 0. Reply with the single word idle "
    "if there's nothing for me.",
])
def test_an_idle_reply_on_having_nothing_to_add_is_a_heartbeat(text: str) -> None:
    """"If you have nothing to add, reply X" and "reply with the single word X if …" name the idle reply (blind v25's
    AutoGen round and calendar sweep); the same turns with something in them are work ("New invites: 3": invites
    joined the labelled counts of things to handle)."""
    assert rules_tier(text) is Tier.HEARTBEAT
    assert rules_tier(text.replace("no new messages", "2 new messages")
                      .replace("New invites: 0", "New invites: 3")) is not Tier.HEARTBEAT


OPENCLAW_CHECKLIST = (
    "Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
    "prior chats. If nothing needs attention, reply HEARTBEAT_OK.\n\n--- HEARTBEAT.md ---\n# Heartbeat checklist\n"
    "- Inbox: anything from school or the landlord? → none today\n- Calendar: event starting within 60 min? → none\n"
    "- Bills due within 48h → none\n---\nCurrent time: 2025-10-02 12:00 (Europe/London)")


def test_an_inlined_checklist_whose_items_are_answered_none_is_a_heartbeat() -> None:
    """OpenClaw's prompt with HEARTBEAT.md inlined, each item answered "→ none": nothing is due (blind v25); an item
    answered with something is work."""
    assert rules_tier(OPENCLAW_CHECKLIST) is Tier.HEARTBEAT
    assert rules_tier(OPENCLAW_CHECKLIST.replace("48h → none", "48h → water bill, pay today")) is not Tier.HEARTBEAT


@pytest.mark.parametrize("stop", ["։", "।", "။"])
def test_an_idle_reply_closing_a_sentence_with_its_scripts_full_stop(stop: str) -> None:
    """Armenian ends a sentence with "։" (Devanagari "।", Myanmar "။"): an OpenClaw poll translated into Armenian
    asked for HEARTBEAT_OK before it, unread until the idle reply's clause could end there (blind v35)."""
    poll = ("Պարբերական ստուգում։ Կարդա HEARTBEAT.md ֆայլը, եթե այն գոյություն ունի, և խստորեն հետևիր դրան։ "
            f"Եթե ոչինչ ուշադրության կարիք չունի, պատասխանիր միայն HEARTBEAT_OK{stop}\n"
            "Ընթացիկ ժամը՝ 2026 թ. հունվարի 22, հինգշաբթի, 09:00 (Asia/Yerevan)")
    assert rules_tier(poll) is Tier.HEARTBEAT


def test_a_clock_line_in_any_language_is_no_request_text() -> None:
    """A translated OpenClaw poll's "현재 시각: 2026년 3월 21일 토요일 오후 3:00 …" line gives the time: its words
    are not the turn's own (they made it too long to be a check-in: blind v36); a line whose value is a reading
    ("rate: 0.03%") or a meeting ("予定：15時の定例会議") is not such a line."""
    poll = ("하트비트 점검입니다. 워크스페이스에 HEARTBEAT.md가 있으면 읽고 그대로 따르세요. 이전 대화의 오래된 작업을 추측하거나 "
            "반복하지 마세요. 챙길 것이 없으면 HEARTBEAT_OK 라고만 답하세요.\n현재 시각: 2026년 3월 21일 토요일 오후 3:00 "
            "(Asia/Seoul) / 2026-03-21 06:00 UTC")
    assert rules_tier(poll) is Tier.HEARTBEAT
    news = ("【定期チェック】共有受信箱、Slack のメンション、今日の予定を確認してください。対応が必要なものがなければ「異常なし_了」"
            "とだけ返信してください。\n受信箱：未読なし\nSlack：メンションなし\n予定：15時の定例会議のみ（資料がまだできていない、"
            "部長から催促あり）")
    assert rules_tier(news) is not Tier.HEARTBEAT
