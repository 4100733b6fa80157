"""A bare threshold in a status report's brackets ("0.02% (порог 1%)", "180 kg (seuil de commande : 100 kg)") is read
on the side the reading's own line names: a use, load, latency or error count is bad above it, what is left or in
stock below it (blind v32 and v33: Russian and French monitors whose every reading was fine went to the cloud)."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import rules_tier

RU = ("Автоматический отчёт мониторинга (ежечасно), 2026-02-17 04:00 MSK:\n— сервисы: 12/12 UP\n— ошибки 5xx за час: "
      "0.02% (порог 1%)\n— задержка p99: {p99} мс (порог 1000 мс)\n— диск /var: 48% (порог 85%)\n— отставание реплики БД: "
      "0.4 с (порог 10 с)\nЕсли всё в пределах нормы, ответь одним словом HEARTBEAT_OK.")
FR = ("Point horaire – samedi 23 mai 2026, 14h00\nCommandes annulées : 0\nStock farine : {kg} kg (seuil de commande : "
      "100 kg)\nSi rien n'est à signaler, réponds « RAS ».")


EN = "Nightly check 02:00 · latency p99 {ms} ms (threshold 400 ms) · alerts: none"


@pytest.mark.parametrize(("text", "fine", "past"), [(RU, {"p99": 340}, {"p99": 1340}), (FR, {"kg": 180}, {"kg": 80}),
                                                    (EN, {"ms": 182}, {"ms": 482})])
def test_readings_on_the_good_side_of_their_thresholds_are_a_heartbeat(text: str, fine: dict[str, int],
                                                                       past: dict[str, int]) -> None:
    """Every reading short of its threshold (latency, errors, disk, lag), or stock above its reorder point: nothing to
    report; the same report with one reading past it is work."""
    assert rules_tier(text.format(**fine)) is Tier.HEARTBEAT
    assert rules_tier(text.format(**past)) is not Tier.HEARTBEAT


def test_a_threshold_whose_side_its_line_does_not_say_stays_unread() -> None:
    """"Pression : 2,1 bar (seuil 1,5 bar)": a minimum and a maximum look the same, so the reading is news."""
    assert rules_tier(FR.replace("Stock farine : {kg} kg (seuil de commande : 100 kg)",
                                 "Pression circuit : 2,1 bar (seuil 1,5 bar)")) is not Tier.HEARTBEAT


SQUARE = ("Status report (auto) — nas01 — 2026-04-07 11:40\nRAM used: {ram} / 32 GiB  [limit 28]\nZFS pool tank: ONLINE, "
          "{pool}% used  [limit 85%]\nAlerts: none\nReply HEARTBEAT_OK if everything is within limits, otherwise describe "
          "the problem.")


@pytest.mark.parametrize(("ram", "pool", "work"), [("9.6", "61", False), ("30.5", "61", True), ("9.6", "91", True)])
def test_a_limit_in_square_brackets_is_read_against_the_part_not_the_total(ram: str, pool: str, work: bool) -> None:
    """"[limit 28]" after "9.6 / 32 GiB" limits the 9.6 used, not the 32 in all; "61% used [limit 85%]" is within
    (square brackets went unread: blind v33's NAS report)."""
    assert (rules_tier(SQUARE.format(ram=ram, pool=pool)) is not Tier.HEARTBEAT) is work


PT = ("Relatório do monitor (a cada 10 min) — 14/03/2026 20:10 (America/Sao_Paulo)\n• Site casacerrado.com.br: no ar, "
      "tempo de resposta 210 ms (limite 800 ms)\n• Checkout: 0 erros na última hora\n• Fila de pedidos para separar: 0 "
      "pendentes há mais de 24h\n• Certificado SSL: vence em {days} dias (alerta em 15)\n• Estoque crítico: nenhum item "
      "abaixo do mínimo\nSe estiver tudo dentro dos limites, responda apenas HEARTBEAT_OK.")


def test_an_alert_level_without_a_sign_is_read_on_the_side_its_line_names() -> None:
    """"vence em 61 dias (alerta em 15)": a certificate's days left are bad below the alert, so 61 is fine and the
    report (409 characters, past the 400 a quiet report could have) is a heartbeat (blind v33); 9 days left is
    work."""
    assert rules_tier(PT.format(days=61)) is Tier.HEARTBEAT
    assert rules_tier(PT.format(days=9)) is not Tier.HEARTBEAT


AR = ("تقرير الحالة التلقائي — 03:00 بتوقيت الرياض\n- استخدام المعالج: 18% (الحد 85%)\n- مساحة القرص: 52% (الحد 90%)\n"
      "- آخر نسخة احتياطية: {backup} الساعة 02:00\n- الطلبات الفاشلة خلال الساعة الماضية: 0\nإذا كان كل شيء ضمن الحدود فأجب "
      "بـ HEARTBEAT_OK فقط.")


def test_a_last_run_line_in_another_language_is_status_not_a_task() -> None:
    """"آخر نسخة احتياطية: نجحت الساعة 02:00" (last backup: succeeded at 02:00) says when something happened: no task
    due at 02:00 (blind v33); a backup that failed ("فشلت") is work."""
    assert rules_tier(AR.format(backup="نجحت")) is Tier.HEARTBEAT
    assert rules_tier(AR.format(backup="فشلت")) is not Tier.HEARTBEAT


def test_an_availability_slo_is_a_floor() -> None:
    """"30-day availability 99.97% (SLO 99.9%)": an SLO bounds a latency from above but an availability from below,
    so 99.97% is fine (it was read as past its limit) and 99.5% is work (blind v34)."""
    text = ("Synthetic checks 04:00: 30-day availability {v}% (SLO 99.9%), 5xx errors: 0. If nothing needs escalating, "
            "reply NO_REPLY.")
    assert rules_tier(text.format(v="99.97")) is Tier.HEARTBEAT
    assert rules_tier(text.format(v="99.5")) is not Tier.HEARTBEAT


def test_a_turkish_limit_with_the_percent_sign_first_is_read() -> None:
    """"CPU %22 (sınır %80)": Turkish writes the percent sign before the number, and "sınır" is a limit (blind v34's
    server report); 22 is within it, 92 past it."""
    text = ("Sunucu durumu — 14.03.2026 23:10\nweb-01: CPU %{v} (sınır %80)\nHata sayısı: 0\nHer şey sınırlar içindeyse "
            "yalnızca HEARTBEAT_OK yaz.")
    assert rules_tier(text.format(v=22)) is Tier.HEARTBEAT
    assert rules_tier(text.format(v=92)) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("price", "quiet"), [("61,870", True), ("53,870", False), ("71,200", False)])
def test_a_reading_past_an_alert_band_stated_apart_is_work(price: str, quiet: bool) -> None:
    """"alert band: < 55,000 or > 70,000" on its own line, the price on another: a price outside the band is news
    (53,870 was a heartbeat: blind v36)."""
    text = (f"price watch (every 15m)\nBTC/USD {price}\nalert band: < 55,000 or > 70,000\n"
            "within band -> reply HEARTBEAT_OK. outside -> send me the alert with a one-line take")
    assert (rules_tier(text) is Tier.HEARTBEAT) is quiet


def test_a_threshold_after_a_cjk_label_is_no_maths() -> None:
    """"成功率：99.97%（阈值 ≥ 99.5%）": a two-character label before "≥" is a label, as a three-letter word is in
    other scripts; the inspection report was REASONING by its "maths notation" (v32)."""
    text = ("【定时巡检】2026-09-07（星期一）09:00\n- 生产环境接口成功率：99.97%（阈值 ≥ 99.5%）\n- 订单队列积压：12 条（阈值 < 500）\n"
            "- 待审批工单：0\n全部正常则只回复「无事」，否则用一句话说明异常并 @值班同学。")
    assert rules_tier(text) is not Tier.REASONING
    assert rules_tier("证明：对所有正整数 n，有 2^n ≥ n + 1。") is Tier.REASONING
