"""A scheduler's status report whose every line says "nothing" is a heartbeat in any convention; one line with
work, a count, a question or a request in it and it is classified as work."""

from __future__ import annotations

from typing import Callable

import openai
import pytest

from larouter.routing import Tier, classify
from larouter.routing.compiled import compile_rules
from larouter.routing.quiet import quiet_report
from larouter.routing.rules import DEFAULT, ClassifierConfig
from tests.conftest import Fake, Router
from tests.support.agents import BOTH_CONFIGS, RULES_ONLY

CHAINS = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
          '\n[routing.policies.cost-optimized]\nHEARTBEAT = ["local-fake"]\nSIMPLE = ["gpt-fake"]\n'
          'MEDIUM = ["gpt-fake"]\nCOMPLEX = ["gpt-fake"]\nREASONING = ["gpt-fake"]\n')


def tier(text: str, config: ClassifierConfig = DEFAULT) -> Tier:
    return classify({"messages": [{"role": "system", "content": "You are the shop's agent."},
                                  {"role": "user", "content": text}]}, config).tier


@pytest.mark.parametrize("text", [
    "Lagerlauf 06:30 · neue Bestellungen: 0 · Rücksendungen: keine · Drucker online",
    "Obchůdek sync 14:00: žádné nové objednávky, fronta prázdná. Pokud není co dělat, odpověz jen 'ticho'",
    "[FEED_WATCH 2026-12-02 07:15] matched=0 muted=0 errors=0",
    "kind: nightly-audit / window: 24h / drift: none / failed_checks: [] / reply_if_idle: \"🌙\"",
    "Ronda de las 09:00: sin pedidos nuevos, sin reclamaciones. Si no hay nada que hacer, responde solo «calma».",
    "定时巡查 08:00：新订单 0 条，未读消息 无，库存预警 无。",
    "Contrôle de 22h15 · aucun ticket ouvert · aucune alerte · tout est calme",
    "Poll 11:40 - 12/12 sensors online - alarms: none",
    "Ronde 07:30\n- [x] inbox sorted (0 new)\n- [x] invoices filed\n- open items: none",
    "ตรวจรอบ 10:00 · ข้อความใหม่ 0 · คำสั่งซื้อค้าง ไม่มี",
    "[定期チェック 15:00] 新着：0件／未返信：0件。対応が不要なら「ok」とだけ返してください。",
    # Labels of several words ("нові заявки на допомогу: 0"), ISO stamps, ids and codes as values, JSON payloads.
    "Щогодинна перевірка, 11:00. Нові заявки на допомогу: 0. Невиконані доставки: 0.",
    "Verificare automată, ora 11:00 — cereri noi de la cetățeni: 0, documente de semnat: 0.",
    "doorwatch tick site=HQ-3 store=0417 ts=2026-04-07T01:00:00Z forced_doors=0 tailgates=0",
    '{"src":"stockbot","kind":"periodic_check","seq":88214,"at":"2026-12-02 15:00 CET","orders":{"new":0,'
    '"failed":0},"returns":[],"reply_if_empty":"STOCK_QUIET"}',
    '{"aplikasi":"Toko Maju Jaya","jenis":"cek_berkala","waktu":"02/05/2026 21:00","retur_baru":0,"stok_habis":0}',
    '<ronda servicio="Ayuntamiento de Elche — Atención" hora="2026-06-05 09:00"><solicitudes nuevas="0"/>'
    '<citas por_confirmar="0"/><consigna>nada que hacer: no respondas nada</consigna></ronda>',
    # More languages (et, lt, hr, is, tl, sw, hu), "unchanged" and "without", greetings and automatic senders before
    # the stamp, a short "if so" before the reply, Arabic-Indic zeros, "19h" and "kl 08" as stamps.
    "Ajastatud kontroll 08:00 — uusi tellimusi pole, kaebusi pole. Kui midagi pole, vasta ainult: vaikus.",
    "Zakazana provjera u 07:30 — nema novih narudžbi, nema poruka. Ako je sve mirno, odgovori samo 'tiho'.",
    "Hæ! Sjálfvirk athugun frá Bókunarkerfinu kl. 09:00. Engar nýjar bókanir, engin skilaboð.",
    "Naka-iskedyul na tsek 6:00 PM: walang bagong order, walang bagong mensahe.",
    "Buongiorno! Controllo automatico delle 8:00 da Bottega-bot. Nessun nuovo ordine, magazzino invariato.",
    "Olá, aqui é o aviso automático do app Escala. São 19h e não entrou nenhuma troca, nenhuma mensagem nova. "
    "Se for isso mesmo, responda só 🩺.",
    "Перевірка за розкладом 09:00: нових заявок немає, змін у графіку немає. Якщо так і є — дай порожню відповідь.",
    "جولة المخزون ٠٩:٣٠ — طلبات جديدة: ٠، شكاوى: ٠",
    "/pinga fonte:Lojinha pedidos_novos:0 devolucoes:0 mensagens:0",  # key:value without spaces
    # Georgian, Welsh, Bengali and Korean, hours written "৪টা" / "9시", a reply token in capitals of any script.
    "პერიოდული შემოწმება 08:00: ახალი შეკვეთა 0, შეტყობინება 0. თუ არაფერია, უპასუხე მხოლოდ 'წყნარად'.",
    "Gwiriad awtomatig 11:00: dim archebion newydd, dim cwynion. Os nad oes dim, atebwch DISTAW yn unig.",
    "স্বয়ংক্রিয় যাচাই (বিকাল ৪টা): নতুন অর্ডার ০টি, নতুন বার্তা নেই।",
    "정기 확인 (오전 9시): 새 예약 0건, 취소 0건.",
    "Тогтмол шалгалт 07:00: шинэ захиалга 0. Юу ч байхгүй бол зөвхөн ЧИМЭЭГҮЙ гэж хариул.",
    # Readings the report itself calls normal, by a word or a range the value lies in.
    "Hauskontrolle 07:00 · Innentemperatur 20,5 °C (Sollbereich 19–22) · Alarme: keine",
    "Ukaguzi 06:00 — unyevu wa udongo 31% (kawaida), tahadhari: hakuna",
    # Turkish "yoksa ... yaz", Amharic punctuation, an XML attribute "overdue=0", a beat number "#77", a full house
    # with thousands separators, a count explained as expected, a finished sweep, a horizon "in 3 days" (de).
    "Nabız 09:30 — yeni sipariş: 0, iade: 0. Yapılacak bir şey yoksa sadece SAKIN yaz.",
    "መደበኛ ፍተሻ (ከሰዓት 9:00)፦ አዲስ ትዕዛዝ 0፣ ማስጠንቀቂያ የለም።",
    '<tick app="Tutor" at="09:00"><inbox unread="0"/><invoices overdue="0"/></tick> reply IDLE if nothing',
    "⏱ desk-sweeper beat #77 (09:30) — mentions: 0, DMs: 0",
    "fleet check 2025-08-03 04:00Z: devices online 1,204/1,204; offline 0",
    "Sweep @ 02:15 — firing alerts: 0 | silenced: 2 (planned maintenance, expected) | open incidents: 0",
    "⏲️ 06:00 — Morning sweep done. 0 unread chats, 0 failed posts.",
    "Cronjob 09:45 ausgeführt: 0 neue E-Mails, 0 Fristen in den nächsten 3 Tagen.",
    # Persian digits and hours, days in Estonian, Azerbaijani "yoxdursa ... yalnız", a sender's name after the header.
    "پایش ساعت ۱۴:۰۰ — سفارش‌های جدید: ۰ | پیام‌های خوانده‌نشده: ۰",
    "Kontroll kell 10:00 — uusi tellimusi 0, tähtaegu järgmise 5 päeva jooksul 0.",
    "Yoxlama 15:00 — yeni sifarişlər: 0, mesajlar: 0. Görüləsi iş yoxdursa, yalnız SAKIT yaz.",
    "Hubin 10:00 — Dukaanka Barwaaqo, Hargeysa: dalabyo cusub: 0, fariimo cusub: 0.",
    "Regelmäßige Prüfung 06:00 — Kameras: 6/6 erreichbar, Alarme: keine. Wenn nichts zu tun ist, antworte nur RUHE.",
])
def test_quiet_reports_in_unknown_conventions_are_heartbeats(text: str) -> None:
    assert tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Lagerlauf 06:30 · neue Bestellungen: 3 · Rücksendungen: keine",  # a count: work arrived
    "[FEED_WATCH 2026-12-02 07:15] matched=4 muted=0 errors=0",
    "Ronda de las 09:00: sin pedidos nuevos. Llama a Marta por la factura pendiente.",  # a task in a line
    "Poll 11:40 - 11/12 sensors online - alarms: none",  # one sensor missing is news
    "Nightly build 03:00: 0 warnings, but the deploy to staging failed; find out why and fix it.",
    "Standup 09:00: no blockers. Could you draft the release notes for 2.4?",  # a question / request
    "Backup 02:00 - nothing copied, disk: none mounted - what broke?",
    "Nightly check 02:00 · no response from db-01 · 0 alerts",  # a "no" that reports trouble
    "Let f(x) = |x - 3| + |x - 10|, where 0 < x < 10. Find the minimum value of f on the interval.",
    "ok 10:00 works for the call with Dana, send her the agenda and the Q3 numbers",
    "Hourly check 11:00. New help requests: 2. Undelivered parcels: 0.",  # a label whose value is a count
    "Inbox sweep 09:00: unread: 0. Next step: call Ana about the refund",  # a label whose value is a task
    '{"src":"stockbot","kind":"periodic_check","seq":88214,"orders":{"new":0,"failed":0},"returns":[{"id":"R-1"}]}',
    '{"src":"stockbot","seq":4,"orders":0,"note":"customer Ana wants a call back today"}',
    '{"pedidos_nuevos":3,"tipo":"chequeo_periodico","hora":"10:00","devoluciones":0}',  # the first field counts
    '<ronda servicio="Elche" hora="2026-06-05 09:00"><solicitudes nuevas="2"/><citas por_confirmar="0"/></ronda>',
    "Zakazana provjera u 07:30 — nema novih poruka, 2 nove narudžbe čekaju potvrdu.",  # a count after the "none"
    "جولة المخزون ٠٩:٣٠ — طلبات جديدة: ٣، شكاوى: ٠",  # Arabic-Indic digits count too
    "Buongiorno! Controllo automatico delle 8:00. Il cliente Rossi chiede un rimborso, magazzino invariato.",
    "স্বয়ংক্রিয় যাচাই (বিকাল ৪টা): নতুন অর্ডার ৩টি, নতুন বার্তা নেই।",  # Bengali digits count
    "नियमित जाँच (सुबह ९ बजे): नए संदेश ४, लंबित काम ०",
    "Hauskontrolle 07:00 · Innentemperatur 26 °C (Sollbereich 19–22) · Alarme: keine",  # out of its range
    "Hauskontrolle 07:00 · Luftfeuchte 81 % (nicht normal) · Alarme: keine",
    '<tick app="Tutor" at="09:00"><inbox unread="0"/><invoices overdue="2"/></tick> reply IDLE if nothing',
    "Sweep @ 02:15 — firing alerts: 0 | silenced: 2 (paging broken) | open incidents: 0",
    "⏲️ 06:00 — Morning sweep done. 3 unread chats, 0 failed posts.",
    "پایش ساعت ۱۴:۰۰ — سفارش‌های جدید: ۳ | پیام‌های خوانده‌نشده: ۰",  # Persian digits count
    "Hubin 10:00 — Dukaanka Barwaaqo, Hargeysa: dalabyo cusub: 2, fariimo cusub: 0.",
    # A fleet short of its total, in other languages, even with the idle reply asked.
    "Revisión periódica de la casa 22:00. Sensores: 13/14 en línea. Alarmas: ninguna. Si no hay nada que hacer, "
    "responde SIN_NOVEDAD.",
    "Regelmäßige Prüfung 06:00 — Kameras: 5/6 erreichbar, Alarme: keine. Wenn nichts zu tun ist, antworte nur RUHE.",
    "Lagerlauf 06:30 · neue Bestellungen: 0 · Dana: wenn du Zeit hast",  # a message with an "if", no reply after it
])
def test_reports_with_work_and_prose_are_not(text: str) -> None:
    assert tier(text) is not Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize("text", [
    "Zamanlanmış kontrol 14:00 · 3 yeni sipariş · iade talebi yok",
    "Geplante Prüfung 14:00 · 3 neue Bestellungen · keine Retouren",
    "Contrôle planifié 14:00 · 3 nouvelles commandes · aucun retour",
    "Schemalagd kontroll 14:00 · 2 nya ärenden · inga larm",
    "Плановая проверка 14:00 · 3 новых заказа · возвратов нет",
    "Periodic check 14:00: orders 3, returns none",  # the things named first, then how many
    "Periodic check 14:00: orders: 3, returns: none",
    "Scheduled sweep 09:00 — messages 4, mentions 0",
    "<<poll 09:00 tickets_new=0 escalations=1 refunds_pending=0>>",  # an escalation waiting is work
    "Payments check 12:00 · disputes: 2 · payouts: on time",
])
def test_a_count_of_things_to_handle_is_work_in_any_word_order(text: str, config: ClassifierConfig) -> None:
    """"3 new orders" in the word order of each language, and the things named first ("orders 3"): a check-in
    phrase does not make the count a heartbeat (these were heartbeats: the count was read only before English
    words)."""
    assert tier(text, config) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Sync 04:00: keine Verbindung zum NAS, 0 Dateien übertragen",
    '{"model":"gemma","temperature":0,"messages":[],"max_tokens":0}',  # zeros, but no stamp and no check-in word
    '<ronda servicio="Elche" hora="2026-06-05 09:00"><solicitudes nuevas="0"/><aviso nivel="grave" zona="norte"/>'
    '</ronda>',  # an element that counts nothing is an item: news
    "Lagerlauf 06:30 · Budget cap erreicht · Warnungen: keine",  # not every short word is a "none"
    "Ajastatud kontroll 08:00 — varundus ebaõnnestus, uusi tellimusi pole.",  # one line with news
    "Nightly check 02:00 · pump pressure 2.1 bar (threshold 1.5 bar) · alerts: none",  # a threshold whose side is
    # unsaid is not read (a latency's is: "p99 182 ms (threshold 400 ms)" is fine, test_heartbeat_thresholds.py)
])
def test_reports_the_rules_read_as_work(text: str) -> None:
    """The rules alone read these as work. Known limit of the learned check-in model (hbmodel.py, shipped model of
    2026-12-04): they are shaped like check-ins and their news is in words it has not learned ("ebaõnnestus",
    "grave", "keine Verbindung"), so with it on they are read as heartbeats; `[routing.classifier.heartbeat]
    model = false` keeps the rules' reading. Move a text back to the list above once the model reads it as work."""
    assert tier(text, RULES_ONLY) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "تحقق آلي من متجر النور: لا طلبات جديدة، لا رسائل، لا مرتجعات",  # the Arabic comma ends a line
    "خودکار جانچ: کوئی نیا آرڈر نہیں، کوئی پیغام نہیں۔ اگر کچھ نہ ہو تو صرف 'سکون' لکھیں۔",  # the Urdu full stop too
    # A short header sentence naming the check, then zeros and the idle reply.
    "Planlagt kontroll (hver time). Nye e-poster: 0. Påminnelser: 0. Hvis det ikke er noe å gjøre, svar bare «ROLIG».",
])
def test_unstamped_reports_are_read_line_by_line(text: str) -> None:
    assert tier(text, RULES_ONLY) is Tier.HEARTBEAT


@pytest.mark.parametrize(("quiet", "news"), [
    ("Проверка по график — 09:00\nнови документи: няма\nсрокове през следващите 7 дни: няма\nнеотговорени имейли: няма",
     "Проверка по график — 09:00\nнови документи: няма\nсрокове през следващите 7 дни: 2\nнеотговорени имейли: няма"),
    ("Napi összesítő 14:00 · az elmúlt 45 perc: nincs új rendelés · visszaküldés: nincs",
     "Napi összesítő 14:00 · az elmúlt 45 perc: 3 új rendelés · visszaküldés: nincs"),
])
def test_a_duration_in_a_clause_counts_nothing(quiet: str, news: str) -> None:
    """"in the next 7 days: none", "in the last 45 minutes no new order": the number measures time (blind v23)."""
    assert tier(quiet, RULES_ONLY) is Tier.HEARTBEAT
    assert tier(news, RULES_ONLY) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("quiet", "trouble"), [
    ("Night round 01:00: boiler ok, lifts ok, 0 complaints. Reply ROUND_OK if nothing to action.",
     "Night round 01:00: boiler ok, the goods lift stuck between floors, 0 complaints. Reply ROUND_OK if nothing to "
     "action."),
    ("Sync status 12:00: CRM sync ok, mail token valid, 0 failed jobs. If nothing needs doing, reply SYNC_IDLE.",
     "Sync status 12:00: CRM sync ok, mail token revoked, 0 failed jobs. If nothing needs doing, reply SYNC_IDLE."),
    ("Cold store check 06:00 · freezer A normal · freezer B normal · alarms: none",
     "Cold store check 06:00 · freezer A normal · freezer B not normal · alarms: none"),
    ("Uptime sweep 10:00 | api: responding | web: responding | incidents: none",
     "Uptime sweep 10:00 | api: not responding | web: responding | incidents: none"),
    ("Tagesabschluss 18:00 · Kasse abgeglichen · Kühlung ok · Störungen: keine",
     "Tagesabschluss 18:00 · Kasse abgeglichen · Kühlung ausgefallen · Störungen: keine"),
    ("Store sweep 08:00 | tills: ok | card reader 2: ok | alerts: none. Reply SWEEP_OK if idle.",
     "Store sweep 08:00 | tills: ok | 🔴 card reader 2 | alerts: none. Reply SWEEP_OK if idle."),  # a warning mark
    ("Revisión 07:00 — bomba de riego: funcionando, depósito lleno, alertas: ninguna. Si no hay nada que hacer, "
     "responde CALMA.",
     "Revisión 07:00 — bomba de riego: averiada, depósito lleno, alertas: ninguna. Si no hay nada que hacer, "
     "responde CALMA."),
])
def test_an_item_in_trouble_in_words_is_work_even_with_the_idle_reply_asked(quiet: str, trouble: str) -> None:
    """One item of the report in a broken state ("stuck", "revoked", "ausgefallen") or negating all-is-well ("not
    normal", "not responding"), said in words, with no count: work, rules alone and with the model, whatever else
    the report and its idle instruction say. The same report with every item well is a heartbeat."""
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(trouble) is not Tier.HEARTBEAT
    assert tier(trouble, RULES_ONLY) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Night check 03:00 · leak sensor: ok · smoke detector: ok · incidents: none",
    "Server room poll 03:00: leak sensor dry, door closed, 0 alarms. Reply ROOM_IDLE if nothing to do.",
    "Payments poll 09:00: no failed payments, no chargebacks. Reply PAY_IDLE if nothing to do.",
    '{"event":"tick","at":"2026-03-02T03:15:00Z","jobs":{"failed":0,"running":0},"offline_devices":[]}',
    "Nightly sweep 02:00 · devices offline: none · expired certificates: 0 · lost packets: 0",
])
def test_trouble_words_that_name_what_is_checked_or_are_said_to_be_none_are_quiet(text: str) -> None:
    """A sensor named for what it watches ("leak sensor: ok", "leak sensor dry"), a broken state counted zero or none ("no failed
    payments", "devices offline: none", a JSON "failed": 0): the report is still quiet."""
    assert tier(text) is Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize("text", [
    # A follow-up with a negation in every clause: no zero, no idle reply asked ("ei", "ilman": "not", "without").
    "Hyvä. Mutta ei noin, otsikon pitää olla isompi ja ilman huutomerkkiä.",
    # Malay "nada" (tone) and "ni" (this) are Spanish for "nothing" and "nor", in the middle of the clause.
    "Baik. Tapi balas dengan nada santai sikit, sebab ni untuk Instagram.",
    # Lines split at "۔" and "،": the second one is news ("but a customer has waited three days for a refund").
    "دکان کا خودکار پیغام: کوئی نئی بکنگ نہیں، مگر ایک گاہک تین دن سے رقم کی واپسی کا انتظار کر رہا ہے۔"
    " اگر کوئی کام نہ ہو تو صرف 'سکون' لکھیں۔",
])
def test_follow_ups_that_negate_in_every_clause_are_not_reports(text: str, config: ClassifierConfig) -> None:
    assert tier(text, config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
def test_a_reminder_said_to_be_none_is_not_one_to_relay(config: ClassifierConfig) -> None:
    """"aucun rappel échu" (no reminder due) reports nothing; "Reminder due now: ..." after a quiet line is news."""
    for text in ("Contrôle automatique de 07:30 — aucun nouveau message, aucun rappel échu. Si rien à signaler, "
                 "réponds « RAS ».",
                 "Kalenderprüfung 06:00 · keine Termine · keine Erinnerung fällig · wenn nichts zu tun ist, antworte "
                 "nur RUHE"):
        assert tier(text, config) is Tier.HEARTBEAT
    assert tier("No new mail. Reminder due now: call Ana about the invoice.", config) is Tier.SIMPLE


@BOTH_CONFIGS
def test_a_reminder_label_valued_none_quotes_no_reminder(config: ClassifierConfig) -> None:
    """Blind v39: "Reminders due now: none (next: 'call the GP…', 2026-04-22 09:00)" names the next reminder in
    quotes, which read as a reminder to relay; the label's own value says none."""
    text = ("[heartbeat] 2026-04-21 15:15 IST\nQueued system events since last heartbeat: none\nReminders due now: none "
            "(next: 'call the GP surgery about repeat prescription', 2026-04-22 09:00)\nDeploys finished: none\n\n"
            "If there is nothing to do, reply HEARTBEAT_OK.")
    assert tier(text, config) is Tier.HEARTBEAT
    assert tier(text.replace("Reminders due now: none (next: ", "Reminders due now: "), config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
def test_a_count_of_reminders_is_no_reminder_to_relay(config: ClassifierConfig) -> None:
    """`"reminders": 0` in a check-in payload counts reminders; `"reminder": "…"` quotes one to relay."""
    beat = ('{"type": "heartbeat", "pending": {"emails": 0, "reminders": 0}, "instruction": "ack with OK if '
            'everything under pending is zero"}')
    assert tier(beat, config) is Tier.HEARTBEAT
    assert tier('{"type": "heartbeat", "reminder": "Take the blood pressure pill"}', config) is Tier.SIMPLE


def test_quiet_report_goes_to_the_local_model(make_router: Callable[..., Router], fake: Fake) -> None:
    router = make_router(extra_toml=CHAINS.format(url=fake.url))
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Контроль 10:00 · новых заявок нет · ошибок: 0"}])
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-larouter-tier"] == "HEARTBEAT" and raw.headers["x-larouter-model"] == "local-fake"
    assert "status report with nothing to do" in raw.headers["x-larouter-reason"]


@BOTH_CONFIGS
def test_zero_escalations_and_refunds_stay_a_heartbeat(config: ClassifierConfig) -> None:
    """The counted names read as work only when the count is not zero."""
    text = "Scheduled sweep 09:00 — escalations: 0, refunds: 0, disputes: none. Reply QUIET if nothing to do."
    assert tier(text, config) is Tier.HEARTBEAT


@pytest.mark.parametrize(("verdict", "work"), [
    ("Thresholds breached: none", False), ("No alerts.", False), ("Всі показники в межах норми.", False),
    ("", True),  # bare readings with no verdict on them: news to the rules, as before
    ("Thresholds breached: 1 (disk)", True),
])
def test_bare_readings_pass_under_the_reports_own_verdict(verdict: str, work: bool) -> None:
    """"cpu 12%" states no range of its own; a report whose verdict says no threshold was breached (or all is within
    the norm) has judged it. (The rules alone: the learned model reads such reports its own way.)"""
    text = f"Stats 03:15 UTC | cpu 12% | mem 41% | p99 latency 180 ms (SLO 400 ms) | queue depth 0 | {verdict}"
    decision = classify({"messages": [{"role": "user", "content": text.rstrip(" |")}]}, RULES_ONLY)
    assert (decision.tier is not Tier.HEARTBEAT) is work, decision.reasons


def test_a_long_request_with_a_well_word_after_a_quiet_report_is_work() -> None:
    """"… demorou o dobro do normal e me avisa": a request, however its words read; only a short clause can be the
    "if all is normal" before an idle reply."""
    text = ("Backup noturno concluído 04:10. Falhas: 0. Nenhum alerta.\nDá uma conferida no motivo de o relatório de "
            "vendas ter ficado bem acima do normal ontem e me explica, por favor.")
    assert classify({"messages": [{"role": "user", "content": text}]}).tier is not Tier.HEARTBEAT


@pytest.mark.parametrize(("line", "work"), [
    ("living room: 20.6 °C (setpoint 21 °C)", False), ("Wohnzimmer: 21,0 °C (Soll 21 °C)", False),
    ("living room: 16.2 °C (setpoint 21 °C)", True),
])
def test_a_reading_at_its_setpoint_says_nothing(line: str, work: bool) -> None:
    """A reading within a degree (or 5%) of the setpoint in its brackets is where it should be. (The rules alone:
    the learned model reads such reports its own way.)"""
    text = f"House watchdog 21:00 | front door: locked | {line} | smoke detectors: OK | alarms: none"
    decision = classify({"messages": [{"role": "user", "content": text}]}, RULES_ONLY)
    assert (decision.tier is not Tier.HEARTBEAT) is work, decision.reasons


@pytest.mark.parametrize("text", ["Pump check 06:30 · pump: idle · last run 05:40 · leaks: none",
                                  "Pumpenkontrolle 06:30 · Pumpe: aus · letzte Laufzeit 05:40 · Lecks: keine"])
def test_a_last_run_time_in_a_report_says_nothing(text: str) -> None:
    """"last run 05:40" only times an event: the report is still quiet."""
    assert quiet_report(text, False, compile_rules(DEFAULT).quiet)


@pytest.mark.parametrize(("lines", "work"), [
    ("rice: 3 kg (min 1 kg)\noat milk: 4 cartons (min 2)", False), ("rice: 3 kg (min 1 kg)\noat milk: 1 carton (min 2)", True),
    ("cpu temp: 61 °C (limit 85 °C)\ndisk: 71% (limit 90%)", False), ("cpu temp: 91 °C (limit 85 °C)\ndisk: 71% (limit 90%)", True),
    ("мука: 40 кг (минимум 15 кг)\nсахар: 22 кг (минимум 10 кг)", False), ("мука: 4 кг (минимум 15 кг)\nсахар: 22 кг (минимум 10 кг)", True),
])
def test_readings_against_a_minimum_or_limit_in_brackets(lines: str, work: bool) -> None:
    """"(min 2)", "(limit 85 °C)", "(минимум 15 кг)" say which side is bad, whatever the unit ("4 cartons"); and "Reply
    'stocked' if nothing needs reordering" is the idle instruction, not a "no reply" in trouble."""
    text = f"Stock and sensor check 2026-03-08 10:00\n{lines}\nReply 'stocked' if nothing needs reordering."
    decision = classify({"messages": [{"role": "user", "content": text}]}, RULES_ONLY)
    assert (decision.tier is not Tier.HEARTBEAT) is work, decision.reasons


@pytest.mark.parametrize(("text", "quiet"), [
    ("Umbiko wokuqapha — ngoLwesibili, 10 Mashi 2026, ngo-21:00 (SAST)\nIzikhalazo ezintsha: 0\n"
     "Uma kungekho okufanele kwenziwe, phendula ngo-HEARTBEAT_OK kuphela.", True),
    ("Lagerstatus for baren, mandag 9. marts 2026 kl. 07:30\nnye ordrer: 0\nHvis intet skal bestilles, så svar «alt fint».",
     True),  # "kl. 07:30" is one time
    ("Ugesi: ukhona. Ukucishwa kukagesi: kuhlelwe ngo-18:00 amahora amane.\n"
     "Uma kungekho lutho, phendula ngo «kulungile».", False),  # labels with values report: no header
])
def test_a_stamped_first_line_is_the_header_however_its_date_splits(text: str, quiet: bool) -> None:
    """The first line of a report, stamped and short, counting nothing and naming no value, is its header whole
    ("ngoLwesibili, 10 Mashi 2026, ngo-21:00 (SAST)" splits into clauses that are neither news nor none)."""
    assert quiet_report(text, True, compile_rules(DEFAULT).quiet) is quiet


def test_a_report_that_something_cannot_be_done_is_not_the_models_heartbeat() -> None:
    """"hoveddøren kan ikke låses" (the front door cannot be locked) in an otherwise quiet report: the learned model
    is not asked; the same report with the door shut is its heartbeat."""
    report = ("Klubhuset kl. 22:00: alle er gået hjem, hoveddøren {door}, lyset er slukket, og der er ingen beskeder. "
              "Hilsen Klub-bot")
    assert classify({"messages": [{"role": "user", "content": report.format(door="kan ikke låses")}]}).tier \
        is not Tier.HEARTBEAT
    assert classify({"messages": [{"role": "user", "content": report.format(door="er lukket")}]}).tier is Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize(("work", "quiet"), [
    ("Home check 23:00 · Garage: open · Windows: closed · Reply HA_OK if nothing to do.",
     "Home check 23:00 · Garage: closed · Windows: closed · Reply HA_OK if nothing to do."),
    ("Hauscheck 23:00 · Garagentor: offen · Fenster: geschlossen · Antworte nur mit HA_OK, wenn nichts zu tun ist.",
     "Hauscheck 23:00 · Garagentor: geschlossen · Fenster: geschlossen · Antworte nur mit HA_OK, wenn nichts zu tun "
     "ist."),
    ('Home Assistant check 23:00 {"garage_door": "open", "alarm": "armed"} Reply HA_OK if nothing to do.',
     'Home Assistant check 23:00 {"garage_door": "closed", "alarm": "armed"} Reply HA_OK if nothing to do.'),
    ("HA check 23:00 garage_door=open alarm=armed. Reply HA_OK if nothing to do.",
     "HA check 23:00 garage_door=closed alarm=armed. Reply HA_OK if nothing to do."),
    ("HA check 23:00\ngarage_door: open\nalarm: armed\nReply HA_OK if nothing to do.",
     "HA check 23:00\ngarage_door: closed\nalarm: armed\nReply HA_OK if nothing to do."),
    ("Pool check 07:00 · pump=stopped · alarms: 0 · Reply POOL_OK if nothing to do.",
     "Pool check 07:00 · pump=ok · alarms: 0 · Reply POOL_OK if nothing to do."),
    ("tradebot tick 14:31:00 ET | market: open | feed: offline | Reply HOLD if nothing to do.",
     "tradebot tick 14:31:00 ET | market: open | positions: none | Reply HOLD if nothing to do."),
])
def test_a_labelled_state_in_trouble_is_news_in_every_form(work: str, quiet: str, config: ClassifierConfig) -> None:
    """Review 15 (N7): a label valued with a state in trouble passed when the header swallowed the first label, in a
    payload, in key=value pairs and in a poll of one field a line; "open" is trouble for a door, a window, a valve,
    not for a market or a shop."""
    assert tier(work, config) is not Tier.HEARTBEAT
    assert tier(quiet, config) is Tier.HEARTBEAT
