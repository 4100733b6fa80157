"""A check-in's counted news: a label valued above zero beside a label valued zero is work, whatever it counts and
in any language (the work twin of a quiet poll differs from it in one count); numbers that only stamp, number,
scope or measure the check are not news."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from larouter.routing.rules import ClassifierConfig
from tests.support.agents import BOTH_CONFIGS
from tests.test_quiet_report import tier

POLLS = [
    "Lab poll 14:00\n- new samples registered: 0\n- QC failures: {n}\n- pending sign-offs: 0\nReply LAB_IDLE if "
    "nothing needs doing.",
    "Cek rutin toko (tiap 30 menit) 10:00\nPesanan baru: 0\nChat pembeli: {n}\nKomplain: 0\nKalau tidak ada yang "
    "perlu dikerjakan, balas saja SEPI.",
    "[cron:inbox-sweep every=10m run=4312] tick. new_mail=0 flagged={n} drafts_pending=0 errors=0\nReply IDLE if "
    "there is nothing to do.",
    "Kiểm tra định kỳ 09:00\n- Đơn hàng mới: 0\n- Tin nhắn khách chưa trả lời: {n}\nNếu không có việc gì, chỉ trả lời "
    "YEN_TINH.",
    '<poll at="2026-03-02T11:15:00Z" events="0" escalations="{n}"/> Respond QUIET if nothing is pending.',
    "Vérification planifiée 08:30 · factures en attente : 0 · litiges ouverts : {n} · Répondez CALME si rien à faire.",
]


@BOTH_CONFIGS
@pytest.mark.parametrize("poll", POLLS, ids=["lab", "id", "kv", "vi", "xml", "fr"])
def test_one_count_above_zero_makes_the_quiet_poll_work(poll: str, config: ClassifierConfig) -> None:
    assert tier(poll.format(n=0), config) is Tier.HEARTBEAT
    assert tier(poll.format(n=3), config) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "[cron:inbox-watch run=4821] tick. new_items=0 exit=0\nReply IDLE if there is nothing to do.",  # numbering
    "Scheduled job watch 07:00. New postings matching filters: 0, reposts ignored: 3. If nothing needs attention, "
    "reply HEARTBEAT_OK.",  # the scope of the check
    "Repo watch 07:00\nopen issues: 3 (unchanged since yesterday)\nnew PRs: 0\nReply SILENT if nothing changed.",
    "Uptime sweep 12:00 · website: 200 OK · failed checks: 0 · Reply GREEN if nothing is down.",  # all is well
    "WATCHDOG=1\nservice: agentd\npending_jobs: 0\nPlease acknowledge with READY if idle.",  # a flag
    "Check-in 09:00. HEARTBEAT.md: 1) scan inbox 2) check calendar\nunread: 0\nIf nothing needs attention, reply "
    "HEARTBEAT_OK.",  # a list's item number
])
def test_numbers_that_are_not_counts_of_work_leave_it_quiet(text: str) -> None:
    assert tier(text) is Tier.HEARTBEAT


def test_a_count_before_a_comma_is_read_too() -> None:
    text = "Scheduled job watch 07:00. New postings matching filters: 0, unanswered recruiter mails: {n}. If nothing " \
           "needs attention, reply HEARTBEAT_OK."
    assert tier(text.format(n=0)) is Tier.HEARTBEAT and tier(text.format(n=2)) is not Tier.HEARTBEAT


CREW = ("\nCurrent Task: Periodic sweep of the fulfilment queue (scheduled kickoff, every 45 minutes).\nQueue snapshot "
        "taken 2026-05-06 15:45:\n- orders flagged by fraud analysis: 0\n- orders on hold awaiting customer reply: 0\n"
        "- orders created since last sweep: 3 ({how})\n\nThis is the expected criteria for your final answer: If none "
        "needs a human, the single token NO_ACTION.\nyou MUST return the actual complete content as the final answer, "
        "not a summary.\n\nBegin! This is VERY important to you, use the tools available and give your best Final "
        "Answer, your job depends on it!\n\nThought:")


@pytest.mark.parametrize("how", ["all paid; 1 customer asks to change the delivery address", "2 without payment"])
def test_crewai_check_ins_stay_work_and_a_bracket_must_say_all_is_well_in_every_clause(how: str) -> None:
    """Review 14: reading CrewAI's task-prompt words as an envelope let real work in its context or expected output
    through, so they are read again (a CrewAI check-in is work, as before); and a count's brackets call its items
    handled only when every clause says so ("all paid; 1 customer asks …" describes an item to handle)."""
    assert tier(CREW.format(how=how)) is not Tier.HEARTBEAT
    poll = ("Fulfilment sweep 15:45 (every 45 min)\n- orders flagged by fraud analysis: 0\n- orders created since last "
            f"sweep: 4 ({how})\nIf none needs a human, reply NO_ACTION.")
    assert tier(poll) is not Tier.HEARTBEAT
    assert tier(poll.replace(how, "all paid, all auto-assigned to tomorrow's pickup")) is Tier.HEARTBEAT


@pytest.mark.parametrize(("how", "heartbeat"), [("all passed captcha", True), ("3 failed captcha", False)])
def test_a_new_count_described_in_brackets_is_judged_by_its_description(how: str, heartbeat: bool) -> None:
    text = (f"⏰ Periodic sweep · <t:1778081400:F>\nreport queue: 0 open · automod hits since last sweep: 0 · new "
            f"members: 12 ({how}) · raid detector: calm\nIf there's nothing to act on, reply with just `quiet`.")
    assert (tier(text) is Tier.HEARTBEAT) is heartbeat


@pytest.mark.parametrize("errors", ["3 errors", "1 error", "2 Fehler", "4 erreurs", "5 lỗi"])
def test_a_count_of_errors_is_news_whatever_else_says_ok(errors: str) -> None:
    quiet = "Backup run 02:00 finished: 2/2 volumes OK (photos 12.1 GB, db 3.4 GB), 0 errors, next 2026-05-07. Reply IDLE."
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(quiet.replace("0 errors", errors)) is not Tier.HEARTBEAT


def test_a_share_of_a_fleet_is_no_count() -> None:
    """"bots_busy=0/4 exceptions=0" counts no 4 exceptions."""
    assert tier("02:00:00 INFO scheduler - keepalive seq=339 queue_depth=0 bots_busy=0/4 exceptions=0 :: agent ack "
                "required, send CF-ACK") is Tier.HEARTBEAT


@pytest.mark.parametrize(("quiet", "work"), [
    ("Kontrol 14:00\n  bekleyen_görev: yok\n  okunmamış_mesaj: 0\nYapılacak bir şey yoksa sadece SAKİN yaz.",
     "Kontrol 14:00\n  bekleyen_görev: yok\n  okunmamış_mesaj: 2\nYapılacak bir şey yoksa sadece SAKİN yaz."),
    ("[scheduled ping] 2026-05-06 12:00 · reminders due: [] · pending reminders: 0 · reply PONG if idle",
     "[scheduled ping] 2026-05-06 12:00 · reminders due: [] · pending reminders: 4 · reply PONG if idle"),
])
def test_a_label_valued_none_or_empty_is_the_quiet_state_too(quiet: str, work: str) -> None:
    """"yok" (none), "[]": the poll's quiet state beside a count; the count above zero is news."""
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(work) is not Tier.HEARTBEAT


def test_occupancy_is_no_work() -> None:
    assert tier("Hôtel – point de nuit 03:00\nRéception : calme\nChambres occupées : 41, aucune plainte\nAlarme "
                "incendie : aucune\nRépondez RAS_NUIT_OK si rien à signaler.") is Tier.HEARTBEAT


@pytest.mark.parametrize("counted", [
    "issues assigned to you: 3", "unanswered messages from tracked customers: 3", "accounts locked out: 4",
    "nodes NotReady: 2", "orders shipped to the wrong address: 2", "payments confirmed as fraudulent: 1",
    "failed logins: 14 (up from 0)", "upcoming meetings without a room: 2", "returns: 3 (none processed yet)",
])
def test_a_word_of_scope_or_well_inside_a_longer_label_does_not_silence_its_count(counted: str) -> None:
    """Review 14: one scope or all-is-well word anywhere in the label (or after the number) cancelled the count; it
    must be the whole label, a two-word label's state ("reposts ignored"), a machine key's numbering part, or the
    field's own verdict right after the number ("3 (unchanged)", "200 OK")."""
    assert tier(f"Poll 09:00\n- new items: 0\n- {counted}\nReply HEARTBEAT_OK if nothing needs attention.") \
        is not Tier.HEARTBEAT


@pytest.mark.parametrize("quiet", [
    '{"type": "wake", "interval_s": 900, "pending": [], "run_id": 44121, "runIndex": 212, "items": []}',
    "Poll 09:00 · unread: 0 · unread total: 7 (newsletters) · departures today: 7 (all pre-paid) · dev server: 200 OK "
    "on :5173 · next meeting: 1:1 with Dana at 15:00",
])
def test_machine_keys_totals_ports_and_ratios_are_no_counts_of_work(quiet: str) -> None:
    assert tier(quiet + "\nReply HEARTBEAT_OK if nothing needs attention.") is Tier.HEARTBEAT


@pytest.mark.parametrize("counted", [
    "jobsFailed: 2", "nodesNotReady: 2", "workersDown: 3", "users_locked_out: 4", "locked out: 4",
    "confirmed fraud: 1", "shipped late: 3", "failed backups: 2 (expected 0)", "returns: 3 (processed: 0)",
    "parcels: 2 (delivered to wrong address)", "alerts_min: 3",
])
def test_a_scope_noun_heading_a_key_or_a_verdict_that_counts_does_not_silence_a_count(counted: str) -> None:
    """Review 15: a machine key whose first part is a scope noun ("jobsFailed", "nodesNotReady") names a state of
    the scope, the news; a two-word label is exempt only by a state of what is watched ("reposts ignored", "printers
    idle"), not by an all-is-well word ("locked out", "confirmed fraud"); a verdict that counts ("expected 0") or
    is qualified ("delivered to wrong address") is none."""
    assert tier(f"Ops poll 09:00\nnew tickets: 0\n{counted}\nReply HEARTBEAT_OK if nothing needs attention.") \
        is not Tier.HEARTBEAT
