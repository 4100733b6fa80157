"""Checklists inlined in a poll, judged at the poll's own time: a 12-hour clock, the `Current time:` line, an item's
leading time as its schedule, items for later, an empty brief (the blind v32 rounds), through `classify` with the
rules alone."""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from tests.support.agents import rules_tier
from tests.test_stated_limits import beat_messages


def quiet_then_work(quiet: str, work: str) -> None:
    """`quiet` is a heartbeat; `work`, the same poll with something due, is not."""
    assert rules_tier(quiet) is Tier.HEARTBEAT
    assert rules_tier(work) is not Tier.HEARTBEAT


CLOCK_CHECKLIST = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. If nothing needs attention, "
                   "reply HEARTBEAT_OK.\n\nHEARTBEAT.md:\n- [ ] 17:00 send Priya the summary of today's client emails\n"
                   "Current time: Tuesday, July 14th, 2026 — {now} (Asia/Kolkata)")


@pytest.mark.parametrize("now, due", [("5:05 PM", True), ("5:05 p.m.", True), ("4:55 PM", False), ("5:05 AM", False),
                                      ("17:05", True), ("12:10 PM", False)])
def test_a_twelve_hour_check_in_time_is_read_with_its_am_or_pm(now: str, due: bool) -> None:
    """OpenClaw writes `Current time:` on a 12-hour clock ("— 5:05 PM"): the 17:00 item is due at 5:05 PM, not
    at 5:05 AM (PM was ignored: every afternoon check-in read as morning, its afternoon items as not due yet)."""
    assert (rules_tier(CLOCK_CHECKLIST.format(now=now)) is not Tier.HEARTBEAT) is due


def test_a_twelve_hour_item_time_is_read_with_its_am_or_pm() -> None:
    """An item's own "6:30 PM" is 18:30: not due at 10:05 AM (read as 6:30, it was), due at 6:40 PM."""
    text = CLOCK_CHECKLIST.replace("17:00", "6:30 PM")
    quiet_then_work(text.format(now="10:05 AM"), text.format(now="6:40 PM"))


BRIEF = ("Daily brief (Zapier, 7:00 AM CT)\n\nToday's calendar events:\n{events}\n\nOverdue Todoist tasks:\n(none)\n\n"
         "Unread emails flagged important:\n(none)\n\nIf all three lists are empty, output SKIP. Otherwise write a "
         "friendly 5-line morning brief.")


def test_an_empty_brief_whose_other_branch_asks_for_writing_is_a_heartbeat() -> None:
    """Labels whose "(none)" is on the next line ("Overdue Todoist tasks:" / "(none)") report nothing overdue, and
    "Otherwise write …" after the idle reply is what to do when there is news (blind v32's Zapier brief); an event
    under the first label is news."""
    quiet_then_work(BRIEF.format(events="(none)"), BRIEF.format(events="- 10:00 dentist (Dr. Okafor)"))


PASTED = ("Heartbeat. Go through the checklist pasted below; do anything that is due now. If nothing is due, reply "
          "HEARTBEAT_OK and nothing else.\n\n```\n## Checklist (HEARTBEAT.md)\n- [x] Mon 2026-09-21: send Claire the "
          "revised outline → sent 09:15\n- [ ] Wed 2026-09-23 09:00: remind Rosa — copyedit call at 11:00\n- [ ] Fri "
          "2026-09-25: check the grant page for the Oct deadline\n- Daily 21:00: ask Rosa for today's word count\n```\n"
          "Current time: Tuesday, September 22nd, 2026 — {now} (America/New_York)")


def test_a_pasted_checklist_is_judged_at_the_current_time_line() -> None:
    """The `Current time:` line dates the check-in, not the first item's date (Monday's, which made the daily 21:00
    item look due); "do anything that is due now" asks, it reports nothing; items judged for later say nothing
    about work (blind v32's writer's checklist). At 9:05 PM the daily item is due."""
    quiet_then_work(PASTED.format(now="2:20 PM"), PASTED.format(now="9:05 PM"))


def test_an_items_own_time_is_its_schedule_beside_a_deadline_date() -> None:
    """"09:00 remind Sam: … posted today (deadline stamp 2026-03-20)" is due at 09:40 on the 19th: the date is the
    deadline's, the leading time the reminder's."""
    text = ("Heartbeat. Checklist:\n- [ ] 09:00 remind Sam: passport renewal form must be posted today (deadline stamp "
            "2026-03-20)\n- [x] 08:00 water the basil\nDo whatever is due. If nothing, HEARTBEAT_OK.\nCurrent time: "
            "Thursday 2026-03-19 {now} (Europe/Dublin)")
    quiet_then_work(text.format(now="08:40"), text.format(now="09:40"))


def test_work_words_in_an_item_for_later_report_nothing() -> None:
    """"overdue" in an item dated Friday, at a Tuesday check-in, is Friday's business: the poll reports no work
    (blind v24's and v9's checklists); dated Monday, the item is due."""
    text = ("Heartbeat — Tuesday 2026-09-22 14:20.\nChecklist:\n- [ ] Fri 2026-09-25: chase the overdue invoice from "
            "Brightline\nIf nothing is due now, reply HEARTBEAT_OK.")
    quiet_then_work(text, text.replace("Fri 2026-09-25", "Mon 2026-09-21"))


@pytest.mark.parametrize(("text", "now", "later"), [
    ("Heartbeat. Aktualny czas: środa, 1 lipca 2026, 16:20.\nLista kontrolna:\n- [ ] 20:00 – przypomnij o podlaniu "
     "pomidorów\nJeśli nic nie wymaga uwagi, odpowiedz HEARTBEAT_OK.", "16:20", "20:05"),
    ("Плановая проверка. Текущее время: вторник, 6 октября 2026, 11:40.\nHEARTBEAT.md:\n- [ ] Созвон с бухгалтером — "
     "18:00\nЕсли ничего не требует внимания — ответь HEARTBEAT_OK.", "11:40", "18:10"),
    ("Έλεγχος heartbeat. Τρέχουσα ώρα: Τρίτη 23 Ιουνίου 2026, 09:45.\nHEARTBEAT.md:\n- Κάθε Δευτέρα 09:00: υπενθύμιση "
     "για το ΦΠΑ\nΑν δεν χρειάζεται κάτι, απάντησε HEARTBEAT_OK.", "Τρίτη 23", "Δευτέρα 22"),
    # (blind v35) Estonian: the month and the day of the week
    ("Perioodiline kontroll. HEARTBEAT.md sisu:\n- iga päev kell 20:00: tuleta Kaidole meelde ravimid\n"
     "- reede: saada nädala kokkuvõte\nPraegune aeg: kolmapäev, 15. aprill 2026, 10:15.\n"
     "Kui midagi pole vaja teha, vasta ainult HEARTBEAT_OK.", "10:15", "20:15"),
    ("Időszakos ellenőrzés: 2026. április 15., szerda 10:15\nHEARTBEAT.md:\n- péntek: heti összefoglaló küldése\n"
     "Ha nincs teendő, válaszolj csak HEARTBEAT_OK.", "szerda", "péntek"),
    # Hindi: a month name written with vowel signs ("नवंबर": no \w in a regex), v30
    ("नियमित हार्टबीट जाँच।\nHEARTBEAT.md की सूची:\n- [ ] शाम 7:00 — प्रिया को माँ को फ़ोन करने की याद दिलाना\n"
     "वर्तमान समय: बुधवार, 19 नवंबर 2025, 15:20\nअगर अभी कुछ करना ज़रूरी नहीं है, तो सिर्फ़ HEARTBEAT_OK लिखें।",
     "15:20", "19:20"),
])
def test_a_check_in_dated_in_its_own_language_judges_its_items(text: str, now: str, later: str) -> None:
    """Month names as dates write them in Polish, Russian, Greek … ("1 lipca 2026", "6 октября", "23 Ιουνίου", the
    genitive) date the check-in, and Greek day names label items: the evening item is for later at 16:20 (the date
    went unread, and the item was read as due at every beat: blind v33), due at 20:05; Monday's item waits on a
    Tuesday, is due on Monday."""
    quiet_then_work(text, text.replace(now, later))


def test_a_deadline_in_another_language_is_due_all_day() -> None:
    """"— до 12:00 сегодня" (by 12:00 today) is a deadline, due at 11:40, not an item for 12:00 (blind v29's, which
    dating the Russian check-in would have turned into a heartbeat without the deadline word)."""
    text = ("Плановая проверка. HEARTBEAT.md:\n- [ ] Отправить счёт клиенту «Альфа» {by} 12:00 сегодня\nТекущее время: "
            "вторник, 6 октября 2026, 11:40.\nЕсли ничего не требует внимания — ответь HEARTBEAT_OK.")
    quiet_then_work(text.format(by="— в"), text.format(by="— до"))


ID = ("Cek rutin. Waktu sekarang: Jumat, 12 Juni 2026 pukul 10.15 WIB.\nDaftar tugas dari HEARTBEAT.md:\n- Setiap {day} "
      "08.00: kirim ringkasan penjualan minggu lalu ke grup WA karyawan\n- Tanggal 25 tiap bulan: ingatkan bayar BPJS\n- "
      "Kalau ada pesan dari Bu Ratna (supplier tepung) yang belum dibalas lebih dari 2 jam, kabari saya\nPesan belum "
      "dibalas: tidak ada.\nKalau tidak ada yang perlu dikerjakan, balas HEARTBEAT_OK saja.")
HI = ("नियमित जाँच (हर 30 मिनट)। वर्तमान समय: शनिवार, 16 मई 2026, सुबह 11:05 IST\nचेकलिस्ट:\n- सुबह 9 बजे माँ को दवाई का "
      "रिमाइंडर — भेजा जा चुका ✅\n- शाम 6 बजे बिजली बिल की याद दिलाना — {note}\n- बैंक से कोई अलर्ट आए तो तुरंत बताना — कोई "
      "अलर्ट नहीं\nअगर कुछ करने की ज़रूरत नहीं है तो सिर्फ़ HEARTBEAT_OK लिखें।")


@pytest.mark.parametrize(("quiet", "work"), [
    ("Periodic check — Wed 3 June 2026, 15:30 BST\n\nItems:\n• Water the orchids — Sundays 10:00\n\nAnything due?",
     "Periodic check — Sun 7 June 2026, 15:30 BST\n\nItems:\n• Water the orchids — Sundays 10:00\n\nAnything due?"),
    (ID.format(day="Senin"), ID.format(day="Jumat")),
    (HI.format(note="अभी समय नहीं हुआ"), HI.format(note="आज ही भेजना है, देर हो चुकी है")),
])
def test_items_for_other_days_on_conditions_or_not_yet_due_in_other_languages(quiet: str, work: str) -> None:
    """"Sundays 10:00" on a Wednesday, an Indonesian condition ("Kalau ada pesan …": if a message comes), a Hindi item
    that says its time has not come ("अभी समय नहीं हुआ"): nothing due (blind v33); the same lists with an item due are
    work."""
    quiet_then_work(quiet, work)


def test_a_request_to_rewrite_a_heartbeat_file_in_arabic_is_no_heartbeat() -> None:
    """"أعد كتابة ملف HEARTBEAT.md هذا …" (rewrite this HEARTBEAT.md shorter) quotes a checklist whose items wait on
    conditions and ends in the idle reply: it asks for writing (blind v30)."""
    text = ("أعد كتابة ملف HEARTBEAT.md هذا ليكون أقصر:\n\n# قائمة النبضة\n- تحقق من البريد الوارد بحثًا عن أي شيء عاجل\n- إذا كانت "
            "مهمة متوقفة، اكتب ما الذي ينقصها\n- إذا لم يكن هناك شيء، أجب HEARTBEAT_OK")
    assert rules_tier(text) is not Tier.HEARTBEAT


def test_a_check_in_time_written_before_its_date_dates_the_list() -> None:
    """"Current time: 09:12 (Thu 2026-04-16 …)" puts the time first (it was read only after the date, so every timed
    item looked due), and "Only act on items that are due now" is an instruction, no report of work (blind v34)."""
    text = ("Heartbeat. Current time: {now} (Thu 2026-04-16, America/Chicago)\n\nHEARTBEAT.md\n- [ ] 17:30 — remind Dana to "
            "pick up the dry cleaning\n\nOnly act on items that are due now. Otherwise reply HEARTBEAT_OK.")
    quiet_then_work(text.format(now="09:12"), text.format(now="17:40"))


POLL = "Read HEARTBEAT.md. If nothing needs attention, reply HEARTBEAT_OK.\n{items}\nCurrent time: {now}"


def at(items: str, quiet: str, work: str) -> tuple[str, str]:
    """The same poll and items at a time nothing is due (`quiet`) and at a time one is (`work`)."""
    return POLL.format(items=items, now=quiet), POLL.format(items=items, now=work)


@pytest.mark.parametrize("quiet, work", [
    # a part of the day between the day's name and its colon is still the item's day
    at("- [ ] Sunday evening: ask whether to place the grocery order", "Tuesday, March 10th, 2026 - 2:00 PM",
       "Sunday, March 15th, 2026 - 7:30 PM"),
    # ...but two days joined are not one day and a word ("Sat and Sun:" is due on a Sunday, not read as Saturday)
    (POLL.format(items="- [ ] Sat–Sun: water the balcony plants", now="Tuesday, March 10th, 2026 - 2:00 PM"),
     POLL.format(items="- [ ] Sat and Sun: water the balcony plants", now="Sunday, March 15th, 2026 - 2:00 PM")),
    # an item ticked off in brackets ("[sent]") is done
    (POLL.format(items="- [sent] fri 09:00 pay the cleaner", now="Friday, March 13th, 2026 - 2:40 PM"),
     POLL.format(items="- fri 09:00 pay the cleaner", now="Friday, March 13th, 2026 - 2:40 PM")),
    # an item another job does, that the heartbeat is told to leave alone
    (POLL.format(items="- Every morning 07:30: weather line for the commute (cron handles this, skip in heartbeats)",
                 now="Wednesday, May 6th, 2026 - 10:00 AM"),
     POLL.format(items="- Every morning 07:30: weather line for the commute", now="Wednesday, May 6th, 2026 - 10:00 AM")),
])
def test_items_for_another_part_of_the_week_done_or_left_to_cron(quiet: str, work: str) -> None:
    """Blind v35: "Sunday evening: …" on a Tuesday was read as due (a word between the day and its colon hid the
    day); "[sent]" did not count as done; an item its own text hands to cron was due at every beat."""
    quiet_then_work(quiet, work)


SWEEP = ("Morning sweep ({when}). From the last mail/calendar sync:\n• unread from VIP list: 0\n"
         "• invites waiting for a response: 0\n• next meeting: 1:1 with Dana at 15:00 — prep note only needed 30 min "
         "before\nIf nothing needs me right now, reply exactly HEARTBEAT_OK.")


def test_a_check_in_with_a_day_and_time_but_no_date_times_its_items() -> None:
    """"(Tue 08:30 PT)" names no date, but its time still tells that a 15:00 meeting is later today; "30 min
    before" at the end of an item names no deadline (it made the item due all day)."""
    quiet_then_work(SWEEP.format(when="Tue 08:30 PT"), SWEEP.format(when="Tue 15:20 PT"))


def test_a_percentage_is_no_time_of_day() -> None:
    """"uptime 99.98%" was read as a timed task ("99.98" as a time), so a report's failed renewal was classified on
    that line alone (SIMPLE) instead of on the whole report."""
    report = ("verificação diária 08:00\n- api.example.pt: certificado expira em 3 dias (alerta < 7) — renovação "
              "automática falhou ontem: \"Challenge failed: 404 on /.well-known/acme-challenge/\"\n"
              "- uptime 99.98%\nse não houver nada a fazer, HEARTBEAT_OK")
    assert rules_tier(report) in (Tier.MEDIUM, Tier.COMPLEX)


def test_a_failure_an_item_only_names_as_its_condition_is_no_failure() -> None:
    """"… tell Marta only if it failed" names the failure as the condition of tomorrow's item, which is for later
    (an item saying something failed is never for later: it made an OpenClaw poll in a long session work, v31); an
    item reporting a failure is still due."""
    text = ("Read HEARTBEAT.md if it exists (workspace context). If nothing needs attention, reply HEARTBEAT_OK.\n"
            "- [ ] 2026-02-26 08:00 check the restic log for the 03:00 run and tell Marta only if it failed\n"
            "Current time: Wednesday, February 25th, 2026 — 13:30 (Europe/Warsaw)")
    quiet_then_work(text, text.replace("and tell Marta only if it failed", "(the 03:00 run failed: tell Marta)"))


HINDI = ("नियमित हार्टबीट जाँच।\nHEARTBEAT.md की सूची:\n- [ ] {item} — प्रिया को माँ को फ़ोन करने की याद दिलाना\n"
         "वर्तमान समय: बुधवार, 19 नवंबर 2025, दोपहर 3:20\nअगर अभी कुछ करना ज़रूरी नहीं है, तो सिर्फ़ HEARTBEAT_OK लिखें।")


def test_a_word_for_the_part_of_the_day_reads_a_twelve_hour_time() -> None:
    """"दोपहर 3:20" is 15:20 and "शाम 7:00" 19:00, as "3:20 PM" is: the evening item is for later, the morning one
    ("सुबह 9:00") due. Read as 03:20, the check-in made the morning item for later (a due item missed)."""
    quiet_then_work(HINDI.format(item="शाम 7:00"), HINDI.format(item="सुबह 9:00"))
    assert rules_tier("Heartbeat 下午 3:40, 2026年3月12日\nHEARTBEAT.md:\n- [ ] 上午 10:00 给会计打电话\n"
                      "如果没有需要处理的事情，只回复 HEARTBEAT_OK。") is not Tier.HEARTBEAT


LEAD = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. If nothing needs attention, reply "
        "HEARTBEAT_OK.\nHEARTBEAT.md says: remind Hugo 15 minutes before any meeting.\nCalendar (today): 09:30 standup "
        "✓ done · 14:00 \"1:1 with Priya\" (Zoom) · 16:00 \"Quarterly review\".\n"
        "Current time: Thursday, October 9th, 2025 — {now} (America/New_York)")


def test_a_reminder_set_minutes_before_each_meeting_is_due_in_its_window() -> None:
    """"Remind Hugo 15 minutes before any meeting" at 13:47, with a meeting at 14:00, is a reminder due now (it was a
    heartbeat: v30); at 13:20 nothing is due yet."""
    quiet_then_work(LEAD.format(now="13:20"), LEAD.format(now="13:47"))


@pytest.mark.parametrize(("quiet", "work"), [
    # a window after a class of days, the window's closing colon a label's: "Weekdays 08:30–09:00: …" at 13:10
    at("- Weekdays 08:30–09:00: send the day's calendar summary", "Tuesday, March 24th, 2026 - 1:10 PM",
       "Tuesday, March 24th, 2026 - 8:40 AM"),
    # a window with a wave dash, a monthly day in Japanese
    at("- [ ] 毎朝 7:30〜8:00：今日の天気を送る\n- [ ] 毎月25日：家賃の振込を確認", "2026年3月18日（水曜日）10:15",
       "2026年3月25日（水曜日）10:15"),
    # Swedish: plural days, the 25th, weekdays as a class
    at("- tisdagar 18:00: påminn om träningen\n- den 25:e: kolla lönen\n- vardagar 07:45: väderkoll",
       "söndag 15 mars 2026 kl. 20:10", "tisdag 17 mars 2026 kl. 20:10"),
    # a day-first date with slashes (the day past 12), a monthly day in Vietnamese
    at("- Ngày 5 hàng tháng: đóng tiền điện\n- Mỗi tối 22:00: nhắc uống thuốc", "Thứ Bảy, 14/03/2026, 10:00",
       "Thứ Bảy, 14/03/2026, 22:10"),
])
def test_windows_monthly_days_and_classes_of_days_in_more_forms(quiet: str, work: str) -> None:
    """Blind v36's checklists: each of these items was read as due at a quiet check-in (an OpenClaw poll in a long
    session among them); each is due at its time."""
    quiet_then_work(quiet, work)


@pytest.mark.parametrize("quiet, work", [
    # a dated item on the check-in's own day whose time is still to come (blind v37, Swahili and English)
    at("- [ ] Leo Jumatano 6 Mei, 16:30 — mkumbushe Wanjiru kulipa ankara HS-4471",
       "Wednesday, May 6th, 2026 - 2:00 PM", "Wednesday, May 6th, 2026 - 4:30 PM"),
    at("- [ ] Wednesday 6 May, 16:30 — remind Wanjiru to pay invoice HS-4471", "Wednesday, May 6th, 2026 - 2:00 PM",
       "Wednesday, May 6th, 2026 - 4:45 PM"),
    # a reminder "due" today at a time still to come is not overdue yet
    ("scheduler check-in 2026-05-06 15:45, reply HEARTBEAT_OK if nothing fires\nreminders:\n  #41 renew car tax due "
     "2026-05-15 09:00\n  #42 call Mam for her birthday due 2026-05-06 18:00",
     "scheduler check-in 2026-05-06 18:05, reply HEARTBEAT_OK if nothing fires\nreminders:\n  #41 renew car tax due "
     "2026-05-15 09:00\n  #42 call Mam for her birthday due 2026-05-06 18:00"),
])
def test_a_dated_item_on_the_check_ins_day_is_due_at_its_time(quiet: str, work: str) -> None:
    """An item dated with the check-in's own day and a time ("6 Mei, 16:30", "due 2026-05-06 18:00") was read as due
    all day; its time decides (a deadline word still makes it due all day)."""
    quiet_then_work(quiet, work)


@pytest.mark.parametrize("text", [
    "Heartbeat 2026-05-06 15:45. VAT return due 2026-05-06 18:00 (not started). Reply HEARTBEAT_OK if nothing needs "
    "attention.",
    "Check-in 2026-05-06 15:45\nOpen items: grant application due 2026-05-06 17:00, draft 40% done\nIf nothing needs "
    "attention, reply HEARTBEAT_OK.",
    "Heartbeat 2026-05-06 14:00 UTC\nTasks:\n- 2026-05-06 15:30 CEST call the bank about the blocked card\nIf nothing "
    "is due, reply HEARTBEAT_OK.",
    # review 15: a deliverable due later today is a deadline, however its line says it is not done
    "Heartbeat 2026-05-06 15:45. Contract due 2026-05-06 17:00, still waiting for your signature. Reply HEARTBEAT_OK if "
    "nothing needs attention.",
    "Heartbeat 2026-05-06 15:45. Payroll approval due 2026-05-06 16:00. Reply HEARTBEAT_OK if nothing needs attention.",
])
def test_unfinished_work_due_later_today_and_another_zones_clock_are_not_deferred(text: str) -> None:
    """Review 14: an item due later today is deferred only as a scheduled action; unfinished work due today is a
    deadline closing in, and a time in another zone ("15:30 CEST" at 14:00 UTC) is not compared as if it were ours."""
    assert rules_tier(text) is not Tier.HEARTBEAT


WEEKLY = ("Heartbeat. Read HEARTBEAT.md (workspace context) and follow it. If nothing is due, reply HEARTBEAT_OK.\n\n"
          "HEARTBEAT.md:\n- {item}\n- Any other day or time: nothing to do here.\n"
          "Current time: {day}, May {date}th, 2026 - 4:30 PM (Europe/Amsterdam)")


@pytest.mark.parametrize("item", [
    "Fridays, any time after 16:00: send me the weekly expense digest. Last sent: Friday 1 May 2026.",
    "Friday after 16:00: send me the weekly expense digest.",
    "Every Friday after 16:00: send me the weekly expense digest. Last sent: May 1.",
])
def test_a_weekly_item_after_a_time_is_due_on_its_day_only(item: str) -> None:
    """Blind v39: "Fridays, any time after 16:00 … Last sent: Friday 1 May 2026" was due on a Wednesday at 16:30:
    the day before "after 16:00" was not read as the item's day, and a worded last-sent date as its due date."""
    quiet_then_work(WEEKLY.format(item=item, day="Wednesday", date=6), WEEKLY.format(item=item, day="Friday", date=8))


def test_an_hour_without_minutes_and_a_parent_line_schedule_their_items() -> None:
    """Blind v48: "Tuesday evening (after 6pm) remind me to put them out" heads indented notes; at 5:10 PM neither
    the line nor its notes are due (an hour without minutes was no time, a note was an item due all day)."""
    poll = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks "
            "from prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Tuesday, May 19th, 2026 "
            "- {now} (Australia/Sydney)")
    checklist = ("# Heartbeat tasks\n\nBins: council collects Wednesday morning, so Tuesday evening (after 6pm) remind "
                 "me to put them out.\n - Yellow lid on even weeks, green lid on odd weeks.\n")

    def tier(now: str) -> Tier:  # (the poll whose only tool read its HEARTBEAT.md)
        return classify({"messages": beat_messages(checklist, "", user=poll.format(now=now))[:-2]}).tier
    assert tier("5:10 PM") is Tier.HEARTBEAT
    assert tier("6:40 PM") is not Tier.HEARTBEAT
