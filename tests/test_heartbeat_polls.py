"""Polls that carry work or ask about heartbeats, and polls with nothing to act on, through `classify`: the
precision rounds' cases, each a generic rule (see CHANGELOG), in an agent request with a big system prompt."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import rules_tier, tier


@pytest.mark.parametrize("text", [
    "Give me the cron syntax for a job that runs at 06:15 on weekdays",
    "our scheduled run failed twice last night, check the logs and tell me why",
    "the gateway marks some of my normal messages as [heartbeat]; can you find the bug in the tagger?",
    "warum antwortest du bei jedem Heartbeat mit einer langen Nachricht statt NO_REPLY?",
    "为什么你每次心跳都重复昨天的提醒？帮我改一下 HEARTBEAT.md。",
    "Status poll: 3 new support tickets arrived since your last run. Triage them by urgency.",
    "[heartbeat] periodic check: the following reminder fired: 'renew the parking permit'. Tell the user.",
    "Scheduled wake-up. Task queue:\n1. [due 09:00, OVERDUE] send the signed lease to the landlord\n",
    "Periodic check. HEARTBEAT.md:\n- [ ] 18:00 order the birthday cake (due now)\nCurrent time: 18:02",
    "Reply HEARTBEAT_OK when you have read this, then migrate the billing tables to the new schema.",
    "Bot heartbeat, periodic check. 2 unanswered messages from Ana: \"where is the invoice?\"",
    "HEARTBEAT.md を英語に書き直して、毎朝のチェックを追加してください。",
    '{"event": "tick", "new_messages": 2, "items": [{"from": "Ana", "text": "can you move our call?"}]}',
    "Status poll 10:00 - 1 FIRING: api latency p99 over 2 s for 15 m. Reply ALL_GREEN if nothing to escalate.",
    "[Scheduled wake-up] While you were idle the user sent 3 messages asking you to book a table.",
    "Read HEARTBEAT.md and tell me what is in it.",
    "Design a heartbeat monitor for our cron jobs that pages us when two runs are missed.",
    "Please set MAX_RETRIES to 5.",
    "请解释一下心跳包和 TCP keepalive 的区别，什么时候该用哪个？",
    "ハートビートの頻度を15分ごとに変更してください。",
    'Our cron agent replied "HEARTBEAT_OK" to a real question. Its prompt says: "If nothing needs attention, reply '
    'HEARTBEAT_OK." Rewrite that rule so questions always get an answer, and explain the change.',
    "Periodic check. If nothing needs attention, reply HEARTBEAT_OK.\n[queued while you were idle] Sam (Slack, 09:41): "
    "please send me the Q3 numbers before the board call",
    "فحص دوري — الرسائل الجديدة: 2 — من سارة: «متى الاجتماع؟» / إذا لم يكن هناك جديد، أجب: هادئ",
    "नियमित जाँच — अनुस्मारक: माँ को 6 बजे फ़ोन करना / अगर कुछ नहीं है तो केवल 'ठीक' लिखें",
    # Questions about heartbeats (two or more), configuring slash commands, work verbs in more languages, a bug
    # report that quotes a check-in prompt, a poll with chats waiting.
    "应用层心跳多久发一次比较好？断线重连时心跳要不要重置？",
    "/heartbeat every 2h",
    "Viết hàm health check cho API Flask: trả về 200 và thời gian hoạt động.",
    "اشرح لي ما هو keep-alive في TCP ولماذا نستخدمه.",
    'Since Monday our scheduler prompt "Periodic check. If nothing needs attention, reply HEARTBEAT_OK." gets '
    "HEARTBEAT_OK back even when the inbox has mail, and the logs show the inbox count is always empty.",
    "Pemeriksaan berkala 10:00 · 2 chats waiting · Budi: \"paket saya belum sampai, tolong cek\"",
    # Alarms and non-zero counts in XML and key=value polls, verb-last requests (ja/zh), questions in Russian, an
    # idle token asked about ("...reply PANTRY_IDLE??").
    '<poll fleet="north" ts="2026-12-02T10:00:00Z"><offline>14</offline><alarms><alarm level="major" code="LINK_DOWN"/>'
    '</alarms></poll> reply FLEET_OK if quiet',
    "bot=ledger-sync task=heartbeat status=FAULTED queue=12 exceptions=1 / reply SYNC_IDLE if queue=0 and exceptions=0",
    "ハートビートを10分ごとにした場合の一日のリクエスト数を計算してください。",
    "Что лучше для heartbeat в gRPC: keepalive или свои ping-сообщения? Объясни разницу.",
    "Why did you just reply PANTRY_IDLE?? I asked for the shopping list. Send it now.",
    "我的钉钉机器人每半小时都发“一切正常”，太吵了。只想每天下午5点汇总一次，定时任务怎么改？",
    # A non-zero trouble count under a CJK JSON key, a why-question quoting the ack, a slash command followed by prose
    # or a mention, Spanish "¿Cómo ...?", Japanese "…をください" / "…たいです", an idle token that is a value in a
    # fenced config to edit.
    '{"类型":"定时心跳","时间":"09:00","待处理订单":0,"异常件":3,"空闲回复":"一切正常"}',
    "Why do you keep replying HOME_QUIET even when I ask you things? I asked if the oven was on and you just said "
    "HOME_QUIET.",
    "/tick stopped working in our Discord server. What does it do, and how do I reinstall the bot?",
    "¿Cómo activo keep-alive en HAProxy hacia los backends?",
    "定期チェックの返信を「問題なし」から「OK_DESU」に変えたいです。設定はこちら：\n```toml\n[checkin]\n"
    'idle_reply = "問題なし"\n```\n直した設定をください。',
    "This is our agent's heartbeat config. Add a quiet window from 23:00 to 06:00 when check-ins are skipped:\n"
    "```yaml\nheartbeat:\n  every: 15m\n  idle_reply: QUIET_OWL\n```",
    "/ping @dana can you swap shifts with me on Friday?",
    # Tests to write for a check-in handler, a request to change the check-in "from now on", translations of a
    # check-in prompt (with and without its ack), a count followed by the items it counts.
    "Our yard agent is sent a check-in every 15 minutes. Write pytest tests for handle_checkin(msg, queue): reply "
    "exactly 'YARD_QUIET' when the queue is empty.",
    "Tolong ganti balasan cek rutin jadi ✅ saja mulai besok, dan intervalnya 2 jam.",
    "Przetłumacz na angielski: \"Okresowe sprawdzenie: brak nowych zgłoszeń. Jeśli nie ma nic do zrobienia, odpisz "
    "tylko CISZA.\"",
    "把这句话翻译成英文：“定时心跳检查：没有新消息。如果没有事情，回复 HEARTBEAT_OK。”",
    "Cek rutin 09:00 — pesanan bermasalah: 2 (alamat tidak lengkap untuk pelanggan Sari dan Joko), stok habis: 0",
    # A count followed by the quoted item, a why/how question after a quoted prompt in single quotes, a Japanese
    # how-much question about the heartbeat interval.
    "Periodic check (Spice shop): new orders 0, low stock 1 — 'Cinnamon 100 g' (left: 2, threshold: 10). If nothing "
    "to do, write QUIET_SHOP.",
    "Our support bot answers NO_REPLY to real customers. Its prompt says 'If there is nothing to do, reply NO_REPLY'. "
    "Why does it do this on real chats, and how do I fix it?",
    "ハートビートを1時間ごとにしたら、1日のリクエスト数はどのくらい減りますか？",
    "Periodic wake-up (Tue 6 May 2025, 09:00). If nothing is due today or overdue, reply NOOP.\n"
    '<todo><item due="2025-05-06">Pay the council tax</item><item due="2025-05-20">Renew the car insurance</item>'
    "</todo>",  # an item due on the check-in's date
    "Periodic check 2025-05-06 09:00: no new mail, but the invoice for Ana (due 2025-05-01) is still open.",
    # "I need ...", a bug report whose log and question quote the token, a change request in Polish, questions in
    # Arabic (with "؟") and Dutch, "new ... N" in Hindi.
    "I need a regex for our transcript export: drop lines where the reply is only an idle token: NO_REPLY or "
    "HEARTBEAT_OK.",
    'Bug: our bot answers customers with just "IDLE_OK". Log:\ncustomer: where is my parcel?\nbot: IDLE_OK\nThe prompt '
    'says "If nothing needs attention, respond with exactly IDLE_OK". What could cause this and how do I fix it?',
    'Zmień token bezczynności na „SPOKÓJ” i wyłącz heartbeat w weekendy. Plik: [heartbeat] idle_token = "BRAK"',
    "ما الفرق بين heartbeat و health check؟ ومتى أستخدم كل واحد؟",
    "Wat is een goede waarde voor TCP keepalive achter een NAT-gateway die idle verbindingen na 300 seconden sluit?",
    "नियमित जाँच (सुबह ९ बजे): नए संदेश ४, लंबित काम ०",
    # A heart rate (zh), a slash command configuring the check-in after a channel tag and a mention, a casual
    # Japanese "want to change ... where?", a reminder due now (hi), "please analyse" (zh).
    "我最近跑步后心跳一直很快，超过170次/分，正常吗？",
    "[#ops] <@dana> /heartbeat interval 45m, can you apply it and tell me the next run time?",
    "定期チェックの時間を朝9時に変えたいんだけど、どこで設定できる？",
    "नियमित जाँच: एक रिमाइंडर अभी देय है, 'सुबह 8 बजे पानी का बिल भरना'। उपयोगकर्ता को याद दिलाएँ।",
    "定时心跳：订单服务错误率升到 4%（阈值 1%），已持续 10 分钟。请分析原因并给出处理建议。",
    "scheduled check on the redis cache please — look at the eviction count and tell me if it is growing",
    "Qual intervalo de keep-alive é melhor para um app atrás de NAT? As conexões caem depois de 4 minutos ociosas.",
    "Scheduled check 10:00 · inbox: 0 · Dana: call me if anything is urgent",  # a person's message in the poll
    # The token said back as a joke, then a request after a discourse word.
    "HEARTBEAT_OK yourself lol. actually can you move my 3pm with Tomasz today to Thursday next week same time and "
    "message him that something came up? keep it polite",
    "NO_REPLY lol. ok so could you book me a table for two at 8?",
    # A line's label opening with "new", then how many, whatever the noun.
    "Form check (every 15 min)\nNew Typeform responses: 3\nIf there are new responses, summarise them. Otherwise "
    "reply NOTHING_TO_REPORT.",
    "Hourly sync 10:00\n- new webinar registrations: 12\nReply SYNC_IDLE if nothing needs doing.",
])
def test_polls_carrying_work_and_requests_about_them_are_not_heartbeats(text: str) -> None:
    """Cron questions, failures of scheduled runs, complaints about heartbeats, and polls that bring new items,
    fired reminders, overdue or timed tasks are real work."""
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Scheduled check 08:00 — services: 12 (all ok), alerts: 0",
    "Periodic check-in 14:00. Write the token IDLE_OK if nothing is pending.",
    "Please run the periodic check and reply HEARTBEAT_OK if nothing needs attention.",
    "Periodic check-in 09:00. Nothing pending? Then reply HEARTBEAT_OK.",  # a poll asks whether, not why
    "Verificação periódica 10:00: nenhuma conta vencida, nenhuma mensagem nova.",  # "no ... overdue" is no work
    "Periodic wake-up (Tue 6 May 2025, 09:00). If nothing is due today or overdue, reply NOOP.\n"
    '<todo><item due="2025-05-20">Renew the car insurance</item></todo>',  # due later
    "Ce contrôle automatique de 10:00 : aucune commande, aucun message.",  # "ce" opens no question
    "Scheduled check 10:00 · inbox: 0 · Status: all good",  # a label, not a person
    "Kiểm tra định kỳ lúc 11:00 – Quán Cơm Cô Ba: đơn đặt món mới: 0, tin nhắn Zalo chưa đọc: 0, đánh giá mới: 0, "
    "đơn giao hàng đang chờ: 0, khiếu nại: 0. Nếu không có việc gì, chỉ trả lời KHONG_CO_GI.",  # long, but all nothing
    "盘中心跳 14:00 | 新信号 无 | 风控 正常",  # "heartbeat" after a word, before the time
    '{"类型": "心跳", "来源": "家居管家", "时间": "21:15", "告警": 0, "待执行": 0}',
    "Form check (every 15 min)\nNew Typeform responses: 0\nLast new response: 2026-03-12 09:14\nIf there are new "
    "responses, summarise them. Otherwise reply NOTHING_TO_REPORT.",  # a date is no count
])
def test_polls_with_nothing_to_act_on_are_heartbeats(text: str) -> None:
    """A count whose brackets say all is well, "no overdue invoice", an item due after the check-in's date: no work;
    "write" spelling the ack is no request to write code."""
    assert tier(text) is Tier.HEARTBEAT


def test_a_poll_asking_about_due_work_is_still_a_heartbeat() -> None:
    """A question ("is anything overdue?") is not a report of overdue work."""
    assert tier("Wake-up call from the scheduler. Is anything overdue? If not, reply NO_REPLY.") is Tier.HEARTBEAT


def test_mentions_are_not_cues() -> None:
    """An @mention addresses someone; a name like @Pip is not the Python package manager."""
    assert tier("@Pip make a poll for the next team lunch: Tuesday or Thursday") is Tier.SIMPLE


@pytest.mark.parametrize("text", [
    "inbox: 0 new · calendar: nothing today · reply 🌙 if all quiet",
    "Cron 02:00 — backups: 0 failures, 0 warnings. Respond with the word fine if nothing to report.",
    "Sensor sweep 06:00 · tank A 72% · tank B 70% · no leaks · reply ✓ if nothing to do",
    "Nightly sync done: no new invoices, no rejected payments. If there's nothing to do, reply with an empty message.",
])
def test_any_idle_reply_asked_after_a_report_of_nothing_is_a_heartbeat(text: str) -> None:
    """A one-word or quoted reply of the poll's own choosing ("🌙", "fine", an empty message), asked for on an idle
    condition after a report that says none of something, is the idle ack like HEARTBEAT_OK."""
    assert tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Till check 18:00: all card payments settled, no failed transfers, no refunds pending. Nothing to do, just "
    "reply 'seen'.",
    "Night shift log 04:00 — no pages, no incidents, queue depth flat. Nothing to report, just reply 'logged'.",
    "Status board 09:00 · web up · queue up · no new alerts. Reply ✅ if you have nothing to add.",
])
def test_nothing_to_do_then_an_idle_reply_is_a_heartbeat(text: str) -> None:
    """"Nothing to do, just reply 'seen'." closing a report of nothing asks for the poll's idle reply, with or
    without the learned model; so does "Reply ✅ if you have nothing to add"."""
    assert tier(text) is Tier.HEARTBEAT
    assert rules_tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "No alerts overnight. Nothing to report on the migration, reply 'go' and I will start it.",
    "No new leads today. Nothing to do on the CRM; reply `draft` to get a follow-up email for Acme.",
    "Inbox: no new mail. Nothing new from the vendor; reply 'cancel' to end the contract today.",
    "No new tickets. Nothing to triage; reply `noop` and then write the weekly summary for the team channel.",
])
def test_a_reply_that_sets_something_off_is_not_an_idle_ack(text: str) -> None:
    """A quiet report that asks for a reply to start, draft or cancel something asks for a decision; one that asks
    for work after the reply asks for the work."""
    assert tier(text) is not Tier.HEARTBEAT
    assert rules_tier(text) is not Tier.HEARTBEAT


def test_a_reply_then_sleep_is_still_a_heartbeat() -> None:
    assert rules_tier("Inbox: 0 new, calendar empty. Reply 'ok' and then go back to sleep.") is Tier.HEARTBEAT


def test_nothing_new_then_a_reply_on_a_decision_is_not_a_heartbeat() -> None:
    """The reply asked for must end the turn: "Reply `yes` if we should cancel …" asks for a decision."""
    text = "Inbox: no new mail. Nothing new from the vendor. Reply `yes` if we should cancel the contract."
    assert rules_tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "I have no idea how to do this. Prove Fermat's little theorem; reply QED if nothing is missing.",
    "No new emails so far. Can you draft a reply to Sam about the budget? Reply DONE if nothing else.",
    "No errors in the log. The migration script needs a rollback step — add it, and reply ok if nothing else breaks.",
    "No tests fail. The function below leaks memory when called twice and crashes. reply fine if nothing is wrong",
    "Look over the config in /etc/app.yml and reply 'fine' if nothing is off.",
    "Inbox: 0 new. Reply ok if nothing is pending.\nAlso, here is the quarterly report to summarise in five bullets: "
    "revenue grew 12%, churn fell to 3%, two enterprise deals slipped to Q3.",
])
def test_an_idle_reply_asked_around_a_request_is_not_a_heartbeat(text: str) -> None:
    """The same idle reply around a request (prove, draft, compose, add), a problem report, with no report of
    nothing before it, or followed by more text is not a poll."""
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    # an "if not" around a count is a warning, not the idle condition
    "[Toko Online 09:00] Ada 5 pesanan baru. 3 pesanan akan dibatalkan jika tidak dibayar sebelum 18:00 hari ini.",
    # a prompt quoted in „…” / „…“ inside a message about it
    "Unser Bot hat im Prompt: „Wenn nichts zu tun ist, antworte NO_REPLY“. Er antwortet aber auch dann so, wenn ein "
    "Kunde nach seiner Rechnung fragt. Bitte schreib den Prompt um.",
    "Náš agent má v promptu: „Pokud není nic nového, odpověz HEARTBEAT_OK”. Jenže tak odpovídá i když čeká nová "
    "objednávka. Oprav ten prompt, prosím.",
    # a quoted prompt to translate: nine words around it are enough, and in Lao three letters count as a word
    "ກະລຸນາແປຂໍ້ຄວາມນີ້ເປັນພາສາລາວໃຫ້ແດ່: 'If nothing needs attention, reply HEARTBEAT_OK.' ຂ້ອຍຈະໃຊ້ມັນໃນບອດຂອງຮ້ານ",
    "Ushbu agent ko'rsatmasini o'zbek tiliga tarjima qil, lekin NO_REPLY so'zini o'zgartirma: 'Check the calendar "
    "every hour. If nothing is planned, reply NO_REPLY.'",
    "Bu agent talimatını Azerbaycan diline çevir ama HEARTBEAT_OK kelimesine dokunma: 'Every hour, read the ticket "
    "queue. If nothing waits, reply HEARTBEAT_OK.'",
])
def test_a_warning_around_a_count_and_quoted_prompts_talked_about_are_not_heartbeats(text: str) -> None:
    assert tier(text) is not Tier.HEARTBEAT
    assert rules_tier(text) is not Tier.HEARTBEAT


def test_an_idle_reply_around_a_request_the_learned_model_misreads() -> None:
    """The rules alone read this as a request; the learned check-in model (shipped model of 2026-12-04) does not
    know "compose" as one and scores the report of nothing around it as a check-in (known limit)."""
    text = "no meetings today, no emails. Compose a haiku about autumn; reply pass if nothing comes to mind."
    assert rules_tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", ["[heartbeat 10:00]", "[tick 08:15]", "poll 1545Z", "tick", "heartbeat #88"])
def test_a_turn_that_is_only_a_tick_is_a_heartbeat(text: str) -> None:
    """A turn that is nothing but a tag or a poll word with a time or counter is the check-in itself (the tag was
    stripped as an envelope, leaving an empty turn read as MEDIUM)."""
    assert tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", ["poll the team about lunch", "tick the box next to my name", "heartbeat?"])
def test_poll_words_in_a_request_are_not_a_tick(text: str) -> None:
    """The same words with a request around them, or asked about, are not a tick."""
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Periodic check (09:00): no new orders. OVERDUE TASK: 'ask the printer for a quote on the spring flyers' — due "
    "yesterday.",
    "Scheduled check 18:00: no messages. Reminder due now: «take the dog to the vet at half past six».",
    'Routine poll 11:30: 2 new tickets. #88 (Sales): "The label printer prints blank pages since this morning."',
    "Düzenli kontrol (09:00): yeni mesaj yok. Hatırlatma: 'kiracıya sözleşmenin imzalı kopyasını gönder' — bugün.",
    'Okresowa kontrola 08:00: brak nowych zamówień. Klient napisał: "Czy mogę odebrać zamówienie jutro rano?"',
    "Scheduled check 10:00: in the group «Volunteers North Side» there are no new messages.",  # a name, not an item
])
def test_a_poll_quoting_an_item_is_work(text: str) -> None:
    """A poll with no idle instruction that quotes a task, a reminder or a message (4+ words, not a name in
    capitals) carries work; a quoted group name does not."""
    expected_heartbeat = "Volunteers" in text
    assert (tier(text) is Tier.HEARTBEAT) is expected_heartbeat


@pytest.mark.parametrize("text", [
    "In Letta, what does request_heartbeat=true on a tool call actually do, and why does my agent loop three times?",
    "With the periodic check-in every 30 minutes, how many tokens per day will the heartbeat cost me on gpt-4o?",
    "心跳检测：每秒发一次心跳，丢失概率为 p，连续丢 k 个判定宕机。请推导一小时内误判的概率。",
    "Переведите на английский: «Плановая проверка: новых сообщений нет. Если делать нечего, ответьте HEARTBEAT_OK.»",
    "कृपया अनुवाद करें: 'नियमित जाँच: कोई नया संदेश नहीं। अगर कुछ करने को नहीं है तो HEARTBEAT_OK लिखें।'",
])
def test_questions_derivations_and_translations_about_heartbeats_are_work(text: str) -> None:
    """A long question about heartbeats (also one naming Letta's request_heartbeat, which is no continuation
    then), a derivation asked with 请推导, and a translation asked in a verb-last language are requests."""
    assert tier(text) is not Tier.HEARTBEAT
