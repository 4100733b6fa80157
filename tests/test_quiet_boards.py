"""Status boards and machine payloads as quiet reports, through `classify`: lines a board marks green (before or
after their name), a home board's all-is-well states, a check-in payload that lists records to handle, and XML
never parsed with a DTD (split from test_quiet_report.py, which grew past 400 lines)."""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from larouter.routing.payload import payload_lines
from larouter.routing.rules import ClassifierConfig
from tests.support.agents import BOTH_CONFIGS
from tests.test_quiet_report import tier


def test_xml_with_a_dtd_is_never_parsed() -> None:
    """Entity declarations could expand a 250-byte turn into gigabytes: a payload with a DTD is read as text."""
    bomb = ('<!DOCTYPE r [<!ENTITY a "0000000000"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
            '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><tick at="10:00" n="0">&e;</tick>')
    assert payload_lines(bomb) is None
    assert tier(bomb) is not Tier.HEARTBEAT
    assert payload_lines('<tick at="10:00" n="0"><queue size="0"/></tick>') == "at: 10:00\nn: 0\nsize: 0"

BOARD = ("06:00 status board\n🟢 api-gateway   p95 182ms\n🟢 postgres-primary — repl lag 0.2s\n🟢 redis   mem 41%\n"
         "🟢 worker-queue   depth 0\n🟢 backups   last run 02:00 ok")


@BOTH_CONFIGS
def test_a_status_board_whose_every_line_is_marked_green_is_a_heartbeat(config: ClassifierConfig) -> None:
    """The board's own mark is its verdict on the line, whatever the line measures (blind v25's SRE and Armenian
    boards); a line marked red, a green line in a broken state or with a warning, is work."""
    assert tier(BOARD, config) is Tier.HEARTBEAT
    assert tier(BOARD.replace("🟢 redis", "🔴 redis"), config) is not Tier.HEARTBEAT
    assert tier(BOARD.replace("last run 02:00 ok", "last run 02:00 failed"), config) is not Tier.HEARTBEAT
    assert tier(BOARD.replace("mem 41%", "mem 97% ⚠️"), config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize(("front_door", "work"), [
    ("locked", False), ("verriegelt", False), ("zamknięte", False),
    ("unlocked since 21:40", True), ("entriegelt seit 21:40", True), ("olåst sedan 21:40", True),
])
def test_a_home_board_is_quiet_when_locked_closed_and_dry(front_door: str, work: bool,
                                                          config: ClassifierConfig) -> None:
    """The states a home's status board reports when all is well (locked, closed, armed, dry, in several languages)
    say nothing; an unlocked door is news, whatever the other lines say."""
    text = (f"Home check 22:30 · front door: {front_door} · windows: closed · alarm: armed · basement sensor: dry · "
            "new messages: none")
    assert (classify({"messages": [{"role": "user", "content": text}]}, config).tier is not Tier.HEARTBEAT) is work

CI_TICK = ("CI watch tick — 2026-05-12 09:00 UTC\nrepo acme/payments-api\n  main            #4812 ✅ passed (12m03s)\n"
           "  nightly-e2e     ✅ passed 03:14\n  release/2.9     {release}\n  open PRs w/ failing checks: 0\n"
           "  new dependabot alerts since last tick: 0\nNo action needed unless you see a problem. Reply NO_REPLY to "
           "stay silent.")


@pytest.mark.parametrize(("release", "quiet"), [("✅ passed", True), ("❌ failed (test:unit)", False),
                                                ("✅ passed, 🔴 deploy stuck", False)])
def test_a_status_board_that_marks_each_line_after_its_name(release: str, quiet: bool) -> None:
    """A CI watch that names each branch, then marks it ("main  #4812 ✅ passed"), under a line naming its repo
    (blind v35: it went to COMPLEX); one branch failed or a red mark on a line and it is work."""
    assert (tier(CI_TICK.format(release=release)) is Tier.HEARTBEAT) is quiet


AR_PAYLOAD = ('{{"type": "heartbeat", "الوقت": "2026-03-05T08:00:00+03:00", "رسائل_جديدة": 0, "مهام_متأخرة": [{overdue}], '
              '"تعليمات": "إذا لم يكن هناك ما يلزم، ردّ بـ لا_جديد"}}')


@pytest.mark.parametrize(("payload", "quiet"), [
    (AR_PAYLOAD.format(overdue=""), True),
    (AR_PAYLOAD.format(overdue='{"العنوان": "تجديد رخصة السيارة", "الموعد": "2026-03-03"}'), False),
    ('<poll><source>pharmacy</source><low_stock><item name="insulin" qty="2" min="10"/></low_stock>'
     '<note>Periodic check. If nothing needs attention, reply NOTHING_NEW.</note></poll>', False),
    ('<scheduled_check workspace="acme" ts="1773718200"><channel name="#support" unread="0" mentions="0"/>'
     '<channel name="#billing" unread="0" mentions="0"/><note>Periodic check. If nothing needs attention, reply '
     'NOTHING_NEW.</note></scheduled_check>', True),
])
def test_a_payload_that_lists_records_is_work(payload: str, quiet: bool) -> None:
    """A check-in payload listing records (overdue tasks under an Arabic key, low-stock items) has work in any
    language: its keys need not be read (both were heartbeats: v24, v18); channels that count only zeros do not."""
    assert (tier(payload) is Tier.HEARTBEAT) is quiet


ZAP = ("Zap: Hourly Gmail check (label: Invoices)\nTrigger time: Mar 13, 2026 3:00 PM EDT\nSearch results: {found}\n\n"
       "Instructions: If there are unread invoice emails, extract vendor, amount and due date for each as a table. "
       "Otherwise output exactly \"nothing to report\".")
ZAP_RO = ("Zap: Verificare formular de contact (la fiecare 15 min)\nOra declanșării: 18 mar. 2026, 11:45 EET\n"
          "Răspunsuri noi în Typeform: {found}\nInstrucțiuni: dacă există răspunsuri noi, rezumă-le pentru echipa de "
          "vânzări. Altfel scrie exact „nimic de raportat”.")


@BOTH_CONFIGS
@pytest.mark.parametrize(("template", "quiet", "work"), [
    (ZAP, "0 emails found for `label:Invoices is:unread newer_than:1h`", "2 emails found for `label:Invoices`"),
    (ZAP, "0 emails found", "invoice from ACME Corp, $1,200 due Mar 20"),
    (ZAP_RO, "0", "3"),
], ids=["en", "en-listed", "ro"])
def test_if_work_then_do_it_otherwise_reply_idle_is_decided_by_the_report(template: str, quiet: str, work: str,
                                                                          config: ClassifierConfig) -> None:
    """"If there are X, do W. Otherwise reply 'nothing to report'": the instruction before "otherwise" says what to
    do when there is work, and the report's own lines (after a header of a name line and a stamped line) decide."""
    assert tier(template.format(found=quiet), config) is Tier.HEARTBEAT
    assert tier(template.format(found=work), config) is not Tier.HEARTBEAT
