"""Status ticks judged against what they say themselves, through `classify` in an agent request: a reading past a
limit the tick states is work; a line labelled with a work verb used as a noun ("Deploy prod:") and a count whose
brackets call it well ("3 open, all green") are not; a person announcing a pasted log is asking about it."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import rules_tier, tier


@pytest.mark.parametrize("text", [
    "node tick host=web-03 cpu=41% mem=93% disk=55%\nlimits: cpu<80 mem<85 disk<90\nreply IDLE_OK if all fine",
    "queue watcher: depth=1200 consumers=4 (alert when depth >= 1000). If nothing to flag, answer NO_REPLY.",
    "battery poll: charge: 12 % (keep charge > 20). Reply OK when nothing needs doing.",
    "Here is the cron output from last night:\n[02:00] job=backup status=ok reply=HEARTBEAT_OK\n[02:30] job=backup "
    "status=ok reply=HEARTBEAT_OK\nHow many runs are in there?",
    "below is the heartbeat log of the agent:\n{\"tick\": 1, \"reply\": \"NO_REPLY\"}\n{\"tick\": 2, \"reply\": "
    "\"NO_REPLY\"}\nwhich tick came last?",
])
def test_a_tick_past_its_own_limit_or_a_pasted_log_is_not_a_heartbeat(text: str) -> None:
    """The reading breaks the limit the tick itself states (mem=93% with mem<85, depth 1200 with an alert at >= 1000,
    12 % with > 20), or a person pastes a log of heartbeats and asks about it: work, whatever idle reply is asked."""
    assert tier(text) is not Tier.HEARTBEAT
    assert rules_tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "node tick host=web-03 cpu=41% mem=62% disk=55%\nlimits: cpu<80 mem<85 disk<90\nreply IDLE_OK if all fine",
    "Release watcher: main @ 9c1e2d0 with 2 running, 0 failed, 57 passed. Deploy staging: healthy (v3.1.0). No action "
    "needed unless something is red; reply HEARTBEAT_OK.",
    "Deploy monitor: rollout web v5.2 finished (8/8 pods), 0 errors. Nothing to do, acknowledge with OK.",
    "Review queue poll (every 15m): 0 new comments, 0 failing builds on your branches (4 open, all green). "
    "HEARTBEAT_OK if nothing.",
])
def test_ticks_whose_readings_are_within_their_limits_are_heartbeats(text: str) -> None:
    """Readings inside the stated limits, "Deploy <name>:" as a line's label, and a count whose brackets say all is
    well ("4 open, all green") leave nothing to do."""
    assert tier(text) is Tier.HEARTBEAT
    assert rules_tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Greenhouse check (every 15 min). Limits: humidity max 85 %. Readings: humidity 91 %. If all is within limits "
    "reply ALL_OK.",
    "Kühlraum-Kontrolle (alle 30 Min.): Grenzwert Temperatur max. 7 °C. Messwert: Temperatur 9,5 °C. Wenn alles passt, "
    "antworte HEARTBEAT_OK.",
    "Backup job (hourly): finished with exit code 2 after 41 s. If nothing needs attention reply HEARTBEAT_OK.",
    "cron sync-users 03:00 done, stderr: ValueError: invalid literal for int() with base 10. Reply NO_REPLY if nothing "
    "to do.",
    "Periodic check of the household agent: rent due today (EUR 850), nothing else open. If nothing needs attention, "
    "reply HEARTBEAT_OK.",
    "does NO_REPLY still need to be uppercase? i wrote no_reply in lowercase",
    "OpenClaw のエージェントは異常があっても Telegram に何も届かない。返信は「HEARTBEAT_OK NAS の容量が 88% です」だった。"
    "なぜ抑制されたのか、設定をどう直せばいいか教えて。",  # (blind v46: a request after the token it quotes)
    "心跳的回复是「HEARTBEAT_OK 磁盘已用 91%」，结果被当成确认吞掉了，Telegram 什么都没收到。告诉我怎么改配置。",
])
def test_a_failed_run_a_bill_due_today_a_worded_limit_or_a_question_about_the_token_is_work(text: str) -> None:
    """A reading past a maximum the tick states in words ("max 85 %", "max. 7 °C", decimal commas too), a run that
    exited non-zero or raised, a bill due today, and a question about the idle token itself are not check-ins."""
    assert tier(text) is not Tier.HEARTBEAT
    assert rules_tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Greenhouse check (every 15 min). Limits: humidity max 85 %. Readings: humidity 71 %. If all is within limits "
    "reply ALL_OK.",
    "Backup job (hourly): finished with exit code 0 after 41 s. If nothing needs attention reply HEARTBEAT_OK.",
    "Periodic check of the household agent: nothing due today, nothing open. If nothing needs attention, reply "
    "HEARTBEAT_OK.",
])
def test_the_same_ticks_with_nothing_wrong_are_heartbeats(text: str) -> None:
    assert tier(text) is Tier.HEARTBEAT


CHECKLIST = ("Heartbeat 2026-05-04 09:00\n- [x] Send the invoice to Ortega (done 08:40)\n- [ ] Book the venue for the "
             "team dinner — {venue}\n- [ ] Renew the passport — next month\n- Call the plumber back — done 08:15\n"
             "- [ ] Quarterly report for Jordan (they said mid-June)\nIf nothing is due, reply HEARTBEAT_OK.")


def test_a_checklist_whose_open_items_are_done_or_for_later_is_a_heartbeat() -> None:
    """Open items due after the check-in's own date (a day and month of its year, "mid-June", "next month") or that
    say they are done ("— done 08:15") need nothing now; a long inlined list of such items is still a check-in."""
    assert tier(CHECKLIST.format(venue="due 20 May")) is Tier.HEARTBEAT
    assert rules_tier(CHECKLIST.format(venue="due 2026-05-20")) is Tier.HEARTBEAT


@pytest.mark.parametrize("venue", ["due 2 May", "due 2026-05-04", "due tomorrow", "noch nicht gebucht, fällig heute"])
def test_the_same_checklist_with_an_item_due_is_work(venue: str) -> None:
    """An item due on or before the check-in's date, or tomorrow (worth telling today), is work; an item "not yet"
    done is not "not yet due"."""
    assert tier(CHECKLIST.format(venue=venue)) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "[heartbeat] #support: last message 52 min ago (you answered it). #sales: no new messages. Mentions: 0. Reply "
    "NO_REPLY unless you have something to post.",
    "keepalive tick 14:20 | inbox: empty · last user message: 5h03m ago | If there is nothing to do, answer NO_REPLY.",
    "watchdog host=db-3 cpu=18% mem=52% disk=47% disk_alert_at=85% failed_jobs=0 -> respond ALL_CLEAR if no action "
    "is needed",
])
def test_an_age_or_an_alert_setting_is_no_count_of_work(text: str) -> None:
    """"last message 52 min ago" and "message: 5h03m ago" are ages, not 52 or 5 messages; `disk_alert_at=85%` is a
    setting, not 85 alerts."""
    assert tier(text) is Tier.HEARTBEAT


def test_a_reminder_later_today_is_not_due_at_an_earlier_check_in() -> None:
    """OpenClaw's prompt with its HEARTBEAT.md inlined and its clock line: a reminder for 18:00 today is not due at
    14:05 (the clock line is read although the envelope rules strip it); at 18:30 it is."""
    text = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks "
            "from prior chats. If nothing needs attention, reply HEARTBEAT_OK.\n\nHEARTBEAT.md (inlined):\n- 18:00 "
            "today: remind Ana to book the dentist\n\nCurrent time: Tuesday, June 9th, 2026 — {now} (Europe/Lisbon)")
    assert tier(text.format(now="14:05")) is Tier.HEARTBEAT
    assert tier(text.format(now="18:30")) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("items", "work"), [
    ("- Fri: water the plants\n- Sat 10:00: call Mum", False),  # another day; a day and a time not yet come
    ("- Wed: pay the rent", True), ("- Wednesdays: put the bins out", True), ("- Mon-Fri: stand-up notes", True),
    ("- Wed 18:00: gym", False), ("- Wed 08:00: send the weekly report to Ana", True), ("- every Thursday: backup", False),
    ("- next Wednesday: pay the rent", False), ("- Mittwoch: Miete überweisen", True), ("- vendredi : arroser", False),
])
def test_an_item_labelled_with_a_day_of_the_week_is_due_on_that_day(items: str, work: bool) -> None:
    """An item labelled with a day of the week ("Fri:", "Mondays", "Mon-Fri", "Wed 18:00") is due on that day, from
    its time on; on another day it is for later. The check-in is on Wednesday 4 March 2026 at 09:30."""
    text = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks "
            f"from prior chats. If nothing needs attention, reply HEARTBEAT_OK.\n\nHEARTBEAT.md (inlined):\n{items}\n\n"
            "Current time: Wednesday, March 4th, 2026 — 09:30 (Europe/Berlin)")
    assert (tier(text) is not Tier.HEARTBEAT) is work
    assert (rules_tier(text) is not Tier.HEARTBEAT) is work


def test_an_idle_reply_asked_if_healthy() -> None:
    """A keep-alive that reports nothing pending and asks for a word "if healthy" is a check-in; a request to check
    something and answer "if healthy" is work."""
    assert tier("WATCHDOG=1 | supervisor: syncd keepalive (WatchdogSec=120). Nothing queued, no errors since the "
                "last ping. Respond with the word ok if healthy and nothing is pending.") is Tier.HEARTBEAT
    assert tier("Check the replica lag on db-2 and the backup age, then reply with the word pong if healthy.") \
        is not Tier.HEARTBEAT


@pytest.mark.parametrize(("reading", "work"), [
    ("disk usage on nas-1 at 93% (threshold 90%)", True), ("disk usage on nas-1 at 61% (threshold 90%)", False),
    ("UPS battery 12% (threshold 20%)", True), ("UPS battery 80% (threshold 20%)", False),
    ("Speicherauslastung 97 % (Schwellenwert 85 %)", True),
])
def test_a_threshold_in_brackets_is_read_on_the_side_its_reading_names(reading: str, work: bool) -> None:
    """A threshold alone may be a maximum or a minimum: it is read when the reading's own words say which (a use or
    load is bad above it, a battery or what is left below it)."""
    text = f"Nightly check 02:00: {reading}. If nothing needs attention reply HEARTBEAT_OK."
    assert (tier(text) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("line", "work"), [
    ("- last sync: 2026-06-09 02:10 (UTC)", False), ("- next run: 04:00", False),
    ("- last chance to pay the invoice: today 17:00", True),
])
def test_a_status_line_in_a_list_is_no_task(line: str, work: bool) -> None:
    """Without a task header, "last sync: <time>" and "next run: 04:00" say when, they ask for nothing; an item that
    is due today is still a task."""
    text = f"## Heartbeat\n- time: 2026-06-09 03:00 (UTC)\n{line}\n- pending: none\n\nReply HEARTBEAT_OK when idle."
    assert (tier(text) is not Tier.HEARTBEAT) is work


BILLS = ("Monthly bills check (automated).\nRent — due 2026-07-01 — paid 2026-06-28\nWater €22.10 — due 2026-07-05 — {water}"
         "\nGym €30 — due 2026-07-20\nToday: 2026-07-08.\nIf everything is settled, reply HEARTBEAT_OK.")


@pytest.mark.parametrize(("water", "work"), [("unpaid", True), ("paid 2026-07-04", False)])
def test_a_bill_past_due_on_the_date_labelled_today_is_work(water: str, work: bool) -> None:
    """The check-in's date is the one labelled "Today:", not the first date in the list (a payment date): a bill due
    before it and not paid is work; paid, or due later, it is not."""
    assert (tier(BILLS.format(water=water)) is not Tier.HEARTBEAT) is work
    assert (rules_tier(BILLS.format(water=water)) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("reading", "work"), [
    ("Boiler pressure: 2.9 bar (max 2.5 bar)", True), ("Boiler pressure: 1.9 bar (max 2.5 bar)", False),
    ("倉庫の湿度:72%(上限 60%)", True), ("倉庫の湿度:52%(上限 60%)", False),
    ("Water tank level: 8 % (minimum 15 %)", True), ("Water tank level: 48 % (minimum 15 %)", False),
    ("API p99 latency: 520 ms (SLO 400 ms)", True), ("API p99 latency: 180 ms (SLO 400 ms)", False),  # an SLO: a maximum
    ("Chest freezer: -4 °C (normal ≤ -15)", True), ("Chest freezer: -19 °C (normal ≤ -15)", False),  # the good side
    ("Greenhouse humidity: 72 % (target < 60)", True), ("Greenhouse humidity: 51 % (target < 60)", False),
])
def test_a_reading_past_the_maximum_or_minimum_in_its_brackets_is_work(reading: str, work: bool) -> None:
    """Brackets that name their own side ("max", "上限", "minimum") are read whatever the reading is called."""
    text = f"Plant-room report 04:00\n{reading}\nPump: running\nReply HEARTBEAT_OK if nothing needs attention."
    assert (tier(text) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize("text", [
    "写一个 Python 函数，把回复里的 NO_REPLY 去掉，并附上单元测试。",
    "응답에서 HEARTBEAT_OK를 제거하는 파이썬 함수를 작성해 줘. 테스트도 포함해서.",
    "返信の末尾にある HEARTBEAT_OK を削る TypeScript のコードを書いて。",
    "agent_log テーブルから日ごとの NO_REPLY の件数を数える SQL クエリを書いてください。",
    "写一条 SQL 查询，按天统计 heartbeat_runs 表里 HEARTBEAT_OK 的数量。",
    "heartbeat_runs 테이블에서 날짜별 HEARTBEAT_OK 개수를 세는 쿼리를 써 줘.",
])
def test_a_request_to_write_code_about_the_idle_token_is_no_heartbeat(text: str) -> None:
    """In scripts that put the verb last, "… HEARTBEAT_OK … 関数を書いて", "写一条 … 查询", "… 쿼리를 써 줘" ask for
    code or a query that handles the token, not for the ack."""
    assert tier(text) is not Tier.HEARTBEAT
    assert rules_tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("thanks", ["ok thanks!! 🙏", "ok, thank you", "great, thanks!"])
def test_thanks_after_the_idle_ack_is_no_go_ahead_for_the_check_in(thanks: str) -> None:
    """The agent answered the check-in with HEARTBEAT_OK, which proposes nothing: the person's "ok thanks" after it
    is a short turn of its own, not a go-ahead classified by the check-in before it."""
    assert tier(thanks) is Tier.SIMPLE


@pytest.mark.parametrize(("text", "due"), [
    ("Contrôle périodique de l'agent.\n- [ ] Payer l'assurance — échéance {day} avril\n- [x] Appeler le plombier "
     "(fait le 2 avril)\nHeure actuelle : mardi 14 avril 2026, 10:00.\nSi rien n'est à faire, réponds HEARTBEAT_OK.",
     ("28", "10")),
    ("Regelmäßige Prüfung.\n- Steuererklärung abgeben — fällig {day}. Mai\nStand: 12. Mai 2026, 09:00\nWenn nichts zu "
     "tun ist, antworte HEARTBEAT_OK.", ("30", "11")),
    ("Revisión periódica.\n- Renovar el seguro del coche — vence el {day} de junio\nHoy es 3 de junio de 2026, 08:00.\n"
     "Si no hay nada que hacer, responde HEARTBEAT_OK.", ("20", "2")),
])
def test_dates_written_in_other_languages_are_read(text: str, due: tuple[str, str]) -> None:
    """"14 avril 2026", "12. Mai 2026", "3 de junio de 2026": the check-in's date and its items' dates in French,
    German, Spanish (and Italian, Portuguese, Dutch): an item for a later day is no work, one past its day is."""
    later, past = due
    assert tier(text.format(day=later)) is Tier.HEARTBEAT
    assert tier(text.format(day=past)) is not Tier.HEARTBEAT


def test_an_idle_reply_asked_in_brackets_is_read() -> None:
    """"(answer IDLE if there is nothing to do)" closing a tick asks for the idle reply like the same words without
    brackets."""
    tick = ("queue: 0 pending requests\nwatched fares: LIS-OPO 3 May €61 (unchanged), OPO-LIS 7 May €58 (unchanged)\n"
            "inbox: 0 new\n({verb} IDLE if there is nothing to do)")
    for verb in ("reply", "answer"):
        assert tier(tick.format(verb=verb)) is Tier.HEARTBEAT
        assert rules_tier(tick.format(verb=verb)) is Tier.HEARTBEAT


def test_a_status_report_asking_please_acknowledge_with_a_token_if_idle() -> None:
    """"Please acknowledge with ALIVE=1 if idle" after a report that says nothing is pending asks for the idle reply
    ("please" ends the report, it does not open a request); after a request it does not."""
    ping = ("supervisor ping\nworker: ingest-worker.service\nlast_activity: 12m ago\nqueue_depth: 0\nfailures: 0\n"
            "Please acknowledge with ALIVE=1 if idle.")
    assert tier(ping) is Tier.HEARTBEAT
    assert rules_tier(ping) is Tier.HEARTBEAT
    task = "Draft a reply to Dana about the March invoice. Please acknowledge with DONE if nothing else is needed."
    assert tier(task) is not Tier.HEARTBEAT


def test_an_idle_reply_asked_on_a_condition_in_urdu() -> None:
    """"اگر … تو صرف NO_REPLY لکھیں۔" asks for the idle reply (Urdu's "if", and its full stop "۔" closing the
    clause; Thai's "ถ้า/หาก", with no spaces between words, likewise), also after a line naming a later appointment."""
    text = ("باقاعدہ جانچ (ہر دو گھنٹے):\nکوئی نئی ای میل نہیں۔\nاگلی ملاقات: پرسوں شام 5 بجے — ڈاکٹر۔\n"
            "اگر کوئی کام نہیں ہے تو صرف NO_REPLY لکھیں۔")
    assert tier(text) is Tier.HEARTBEAT
    assert rules_tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Control automático de tensión – 08:00 – tres lecturas dentro de rango (118–127 mmHg), sin alertas, sin mensajes "
    "del paciente. Responde con 👍 si no hay nada.",
    "Automatische Pegelkontrolle – 06:30 – alle Messwerte im Sollbereich, keine Warnungen, keine Nachrichten. Antworte "
    "mit ✅, falls nichts ansteht.",
    "Contrôle automatique – 09:00 – relevés dans la plage, aucune alerte, aucun message. Réponds par 🟢 s'il n'y a rien.",
])
def test_a_reply_of_the_polls_choosing_asked_on_an_idle_condition_in_other_languages(text: str) -> None:
    """"Responde con 👍 si no hay nada", "Antworte mit ✅, falls nichts ansteht", "Réponds par 🟢 s'il n'y a rien" after
    a report that says none: the rules read the idle reply as in English ("Reply 73 if nothing to report")."""
    assert rules_tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize(("status", "work"), [("exited with code 2", True), ("exit 1", True), ("rc=137", True),
                                              ("exit 0", False)])
def test_a_job_that_exited_non_zero_is_work(status: str, work: bool) -> None:
    """A job's non-zero exit status in a check-in's report is a failure to tell the user about, whatever idle reply
    the check-in asks for; exit 0 is not."""
    text = (f"Nightly jobs, report 06:00\n  rsync-photos  last run 02:00  exit 0\n  borg-home  last run 02:30  {status}\n"
            "If nothing needs attention, reply HEARTBEAT_OK.")
    assert (tier(text) is not Tier.HEARTBEAT) is work
    assert (rules_tier(text) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("now", "work"), [("09:12", False), ("14:05", True)])
def test_an_item_is_due_at_the_time_it_opens_with_whatever_deadline_its_text_names(now: str, work: bool) -> None:
    """"[ ] 14:00 remind Noor: dentist at 14:45 (leave by 14:15)" is scheduled for 14:00 ("by" is the dentist's, not the
    item's deadline), and "[ ] Fri: …" on a Wednesday is for Friday, checkbox or not."""
    text = ("Read HEARTBEAT.md if it exists. If nothing needs attention, reply HEARTBEAT_OK.\n\nHEARTBEAT.md (inlined):\n"
            "- [ ] 14:00 remind Noor: dentist at 14:45 (leave by 14:15)\n- [ ] Fri: draft the weekly budget summary\n\n"
            f"Current time: Wednesday, June 3rd, 2026 — {now} (Europe/Amsterdam)")
    assert (tier(text) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("now", "work"), [("12:05", False), ("18:10", True)])
def test_a_date_written_day_dot_month_dot_year_dates_the_check_in(now: str, work: bool) -> None:
    """"Aktuelle Zeit: Montag, 13.10.2025, 12:05": the check-in's date and time, so "17:30 … erinnern" is for later."""
    text = ("Heartbeat-Check (automatisch).\nCheckliste:\n- [x] 08:00 Wetterbericht geschickt\n"
            f"- [ ] 17:30 Jonas an den Elternabend erinnern\nAktuelle Zeit: Montag, 13.10.2025, {now} MESZ\n"
            "Wenn gerade nichts fällig ist, antworte ausschließlich mit HEARTBEAT_OK.")
    assert (tier(text) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("text", "work"), [
    # a date written 2025년 5월 14일 and a weekday in Korean: "Friday 18:00" on a Wednesday is for later
    ("정기 하트비트.\nHEARTBEAT.md:\n- [ ] 금요일 18:00 주간 회고 알림\n현재 시각: 2026년 6월 3일 (수) 13:10 KST\n"
     "지금 처리할 일이 없으면 HEARTBEAT_OK만 답하세요.", False),
    ("定期チェック。\nHEARTBEAT.md:\n- [ ] 金曜日 18:00 週次ふりかえりを通知\n現在時刻: 2026年6月5日（金）18:30 JST\n"
     "対応が必要なものがなければ HEARTBEAT_OK とだけ返してください。", True),
    # a status line that says it succeeded ("成功（02:00）"), or was "last done" at a past time, is no task
    ("定期ハートビート — 2026-03-18 10:00 JST\nCI 状況：\n・夜間ビルド：成功（02:00）\n・main：全ジョブ成功\n"
     "対応が必要なものがなければ NO_REPLY とだけ返してください。", False),
    ("Relay heartbeat · Wed 2026-03-04 14:35 UTC\nChores:\n- every 4h: check the queue depth — last done 13:05 (fine)\n"
     "- Fri 17:00: weekly cleanup\nIf no chore is due, reply HEARTBEAT_OK.", False),
    # an item later today that says something failed is work now
    ("【巡检】2026-07-08 09:00\n- 证书 api.example.cn：将于今天 23:59 过期（自动续期任务上次运行失败）\n- 备份：昨晚 02:00 成功\n"
     "如无需处理的事项，请仅回复 HEARTBEAT_OK。", True),
])
def test_check_in_items_in_chinese_japanese_and_korean(text: str, work: bool) -> None:
    """Dates written 年/月/日 (년/월/일) and full weekday names in Japanese, Chinese and Korean date a check-in and
    its items; a line that succeeded or was last done earlier is no task; an item that says something failed is
    never for later."""
    assert (tier(text) is not Tier.HEARTBEAT) is work


@pytest.mark.parametrize(("readings", "work"), [
    (("queue depth: 40 (alert > 300)", "http 5xx (10 min): 0.3% [alert > 2%]"), False),
    (("queue depth: 410 (alert > 300)", "http 5xx (10 min): 0.3% [alert > 2%]"), True),
    (("queue depth: 40 (alert > 300)", "free inodes: 4% (warn if < 10%)"), True),
    (("cola de trabajos: 7 (alerta > 200)", "latencia p95: OK (210 ms; alerta > 900 ms)"), False),
    (("cola de trabajos: 7 (alerta > 200)", "latencia p95: 1400 ms (alerta > 900 ms)"), True),
    (("fila de e-mails: 31 (alerta > 400)", "erros 5xx (5 min): 0,02% (alerta > 2%)"), False),  # a queue, not mail to read
    (("fila de e-mails: 431 (alerta > 400)", "erros 5xx (5 min): 0,02% (alerta > 2%)"), True),
])
def test_a_reading_is_judged_by_the_alert_condition_in_its_brackets(readings: tuple[str, str], work: bool) -> None:
    """"(alert > 300)" says which side is bad, unlike a bare threshold: a reading short of it reports nothing, one
    that meets it is news, in a report whose other lines say nothing either ("5xx" names statuses, counts none)."""
    text = "\n".join(("Periodic health check (every 15 min), 2026-03-02 04:45", *readings, "backups: done 03:10",
                      "If nothing needs action, reply only NO_REPLY."))
    assert (tier(text) is not Tier.HEARTBEAT) is work
    assert (rules_tier(text) is not Tier.HEARTBEAT) is work


def test_a_limit_written_with_a_comparison_sign_is_no_maths() -> None:
    """"(normal ≤ -15)" states a limit: the report is work, not a request for reasoning ("n ≥ 1" stays notation)."""
    text = ("Plant-room report 04:00\nChest freezer: -4 °C (normal ≤ -15)\nPump: running\n"
            "Reply HEARTBEAT_OK if nothing needs attention.")
    assert tier(text) in (Tier.SIMPLE, Tier.MEDIUM)
    assert tier("Prove that for every integer n ≥ 1 the sum of the first n odd numbers is n².") is Tier.REASONING


@pytest.mark.parametrize(("text", "work"), [
    ("Okresowe sprawdzenie, godz. 06:00 (czwartek).\nZadania:\n• raport tygodniowy — zaplanowany na poniedziałek "
     "08:00\n• porządki w logach — wykonane wczoraj (OK)\nJeśli nic nie wymaga uwagi, odpowiedz HEARTBEAT_OK.", False),
    ("Okresowe sprawdzenie, godz. 06:00 (czwartek).\nZadania:\n• raport tygodniowy — zaplanowany na czwartek "
     "05:00\n• porządki w logach — wykonane wczoraj (OK)\nJeśli nic nie wymaga uwagi, odpowiedz HEARTBEAT_OK.", True),
    ("ตรวจสอบตามรอบ\n- งานถัดไป: ประชุมทีม วันศุกร์ 10:00 (วันนี้วันอังคาร)\nหากไม่มีอะไรต้องทำ ให้ตอบว่า HEARTBEAT_OK เท่านั้น",
     False),
    ("ตรวจสอบตามรอบ\n- งานถัดไป: ประชุมทีม วันอังคาร 10:00 (วันนี้วันอังคาร)\nหากไม่มีอะไรต้องทำ ให้ตอบว่า HEARTBEAT_OK เท่านั้น",
     True),
])
def test_a_day_of_the_week_without_a_date_in_other_languages(text: str, work: bool) -> None:
    """A check-in that names its day of the week but no date ("(czwartek)", "วันนี้วันอังคาร": today is Tuesday): an
    item scheduled for another day with its time ("na poniedziałek 08:00", "วันศุกร์ 10:00") is for later; one for
    today is due (its time cannot be weighed without the check-in's)."""
    assert (tier(text) is not Tier.HEARTBEAT) is work
    assert (rules_tier(text) is not Tier.HEARTBEAT) is work


SHOP_STATUS = ("Statuscontrole 2026-06-24 09:15 (Europe/Amsterdam)\n- website: {site}, responstijd 210 ms (grens 1000 ms)\n"
               "- betaalprovider Mollie: operationeel\n- voorraad-sync: laatste run 09:00, 0 fouten\n"
               "- openstaande retouren ouder dan 3 dagen: 0\nAntwoord met NIETS als er niets te doen is.")


def test_a_status_report_with_http_ok_a_limit_and_a_last_run_is_a_heartbeat() -> None:
    """"200 OK" says all is well, "(grens 1000 ms)" is a limit the reading keeps, "laatste run 09:00" times the last
    run (a status line, not a task timed 09:00): blind v32's Dutch shop check; a 503 is news."""
    assert rules_tier(SHOP_STATUS.format(site="200 OK")) is Tier.HEARTBEAT
    assert rules_tier(SHOP_STATUS.format(site="503 Service Unavailable")) is not Tier.HEARTBEAT


def test_a_reading_past_a_limit_named_in_german_or_dutch_is_work_in_an_ascii_report() -> None:
    """The limit words "grenze" and "grens" were looked for only in reports with non-ASCII text: "disk 94% (grenze
    90%)" in plain ASCII passed as quiet."""
    text = "Geplanter Check 03:00\n- disk /: {disk}% (grenze 90%)\n- backups: 0 errors\nWenn alles ok ist, antworte OK."
    assert rules_tier(text.format(disk=94)) is not Tier.HEARTBEAT
    assert rules_tier(text.format(disk=54)) is Tier.HEARTBEAT
