"""The learned check-in model (larouter/routing/hbmodel.py): a check-in in a convention no rule names is a heartbeat on
first sight, it never overrules the rules' guards, it can be switched off or replaced, and a bad setting is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import attrs
import openai
import pytest

from larouter.config import ConfigError, load_settings
from larouter.routing import Tier, classify
from larouter.routing.hbmodel import HeartbeatModel, features, load_shipped
from larouter.routing.rules import DEFAULT, ClassifierConfig
from larouter.textsafe import UNSAFE_RE
from tests.conftest import Fake, Router
from tests.support.agents import NO_MODEL_TOML, RULES_ONLY
from tests.support.servers import http_json

CHAINS = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
          '\n[routing.policies.cost-optimized]\nHEARTBEAT = ["local-fake"]\nSIMPLE = ["gpt-fake"]\n'
          'MEDIUM = ["gpt-fake"]\nCOMPLEX = ["gpt-fake"]\nREASONING = ["gpt-fake"]\n')

# Check-ins written for these tests (in no training set), each in a convention the rules alone do not read.
FIRST_SIGHTINGS = [
    "Robotin kierros 03:15 — varasto kunnossa, ei uusia tilauksia, ei viestejä.",
    "Кассовый обход 22:00: смена сдана, расхождений нет, новых заказов нет.",  # ("закрыта", closed, is read now)
    "Cron ronde 07:45 · mailbox leeg · geen open tickets · back-ups geslaagd",
    "Patroli otomatis 11:00 — gudang aman, tidak ada pesanan baru, tidak ada pesan.",  # ("terkunci" is read now)
    "Tarama 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam",
]


def tier(text: str, config: ClassifierConfig = DEFAULT) -> Tier:
    return classify({"messages": [{"role": "system", "content": "You are the shop's agent."},
                                  {"role": "user", "content": text}]}, config).tier


@pytest.mark.parametrize("text", FIRST_SIGHTINGS)
def test_a_check_in_no_rule_names_is_a_heartbeat_on_first_sight(text: str) -> None:
    assert tier(text, RULES_ONLY) is not Tier.HEARTBEAT
    decision = classify({"messages": [{"role": "user", "content": text}]})
    assert decision.tier is Tier.HEARTBEAT
    assert "learned check-in model scores" in decision.reasons[-1] and not UNSAFE_RE.search(decision.reasons[-1])


@pytest.mark.parametrize(("quiet", "work"), [
    ("Tarama 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam",
     "Tarama 16:20 · yeni sipariş 2 · bekleyen mesaj yok · yedekleme tamam"),  # a count
    ("Robotin kierros 03:15 — varasto kunnossa, ei uusia tilauksia, ei viestejä.",
     "Robotin kierros 03:15 — varasto kunnossa, ei uusia tilauksia, ei viestejä?"),  # a question
    ("Tarama 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam",
     "Tarama 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam. Neden?"),
    ("Tarama 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam",
     "Translate: Tarama 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam"),  # a request word first
    ("Кассовый обход 22:00: смена закрыта, расхождений нет, новых заказов нет.",
     "Объясни: Кассовый обход 22:00: смена закрыта, расхождений нет, новых заказов нет."),
])
def test_the_model_never_overrules_the_guards(quiet: str, work: str) -> None:
    """The model alone scores both texts as check-ins; a non-zero count, a question or a request word first keeps
    the rules' reading of the second."""
    model, threshold = load_shipped(), DEFAULT.heartbeat.model_threshold
    assert model.score(quiet) >= threshold and model.score(work) >= threshold
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(work) is not Tier.HEARTBEAT


@pytest.mark.parametrize("date", [
    "2 Mart 2026", "Pzt, 2 Mart 2026", "2. 3. 2026", "02-03-2026", "March 2, 2026", "2026年3月2日", "(UTC+3)",
])
def test_a_written_date_is_not_a_count(date: str) -> None:
    """The model's count guard reads the numbers left once time stamps are removed: a date written with its month's
    name, in any order or calendar, is a stamp (blind v23: "4 Oṣù Kẹta 2026", "١٤ رمضان ١٤٤٧" were refused as
    counts); a count beside it still is one."""
    quiet = f"Tarama {date} 16:20 · yeni sipariş yok · bekleyen mesaj yok · yedekleme tamam"
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(quiet.replace("sipariş yok", "sipariş 2")) is not Tier.HEARTBEAT
    assert tier(f"3 siparişin teslim tarihi geçti: {date}") is not Tier.HEARTBEAT


@pytest.mark.parametrize("number", ["nem 45 %", "CO₂ 610 ppm (<1000)", "sera 21 °C (hedef 18–24)", "kontrol 6pm",
                                    "her 2 saatte bir", "ਸਵੇਰੇ 6 ਵਜੇ", "checkpoint=1ef3a2c9-8b41-6d2e",
                                    "şeker 104 mg/dL", "T=14.2C", "cycle 37"])
def test_a_percentage_a_stated_range_or_a_clock_time_is_not_a_count(number: str) -> None:
    """A percentage, a range or reference value in brackets, a clock time, a duration, an id, a reading in a unit and
    a label's number ("cycle 37") bound, name or time a report; they count
    nothing to act on (blind v24: a home's "humidity 46 % (30–60)", a Romanian evening check were refused for
    them); a count beside them still is one."""
    quiet = f"Tarama 16:20 · {number} · yeni sipariş yok · bekleyen mesaj yok"
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(quiet.replace("sipariş yok", "sipariş 3")) is not Tier.HEARTBEAT


def test_a_numbered_checklist_that_says_none_is_a_heartbeat() -> None:
    """A list's item numbers are no counts, and an item that says none ("Tasks: none due") is no task due; a task
    due or a count in the list still is work."""
    quiet = "Evening round, 6pm:\n1. Inbox: nothing new\n2. Calendar: no meetings tomorrow\n3. Tasks: none due"
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(quiet.replace("no meetings", "2 meetings")) is not Tier.HEARTBEAT
    assert tier(quiet.replace("Tasks: none due", "Tasks: pay the rent, due today")) is not Tier.HEARTBEAT


@pytest.mark.parametrize("reading", ["sera 21,5 °C", "nem: 45 %", "nem: %45", "CO₂ 610 ppm", "panel 4,1 kW"])
def test_a_reading_with_its_unit_is_not_a_count(reading: str) -> None:
    """A measured value is no count of things to act on: the model judges the words around it (blind v23: a
    greenhouse, an inverter, a ger's heater refused for their temperatures); a count beside it still is one, and
    the rules alone still read a reading with no stated range as news."""
    quiet = f"Tarama 16:20 · {reading} · yeni sipariş yok · bekleyen mesaj yok"
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(quiet.replace("sipariş yok", "sipariş 3")) is not Tier.HEARTBEAT
    assert tier(quiet, RULES_ONLY) is not Tier.HEARTBEAT


def test_first_sighting_goes_local_through_the_sdk_and_the_switch_turns_it_off(
        make_router: Callable[..., Router], fake: Fake) -> None:
    text = FIRST_SIGHTINGS[0]
    on = make_router(extra_toml=CHAINS.format(url=fake.url))
    raw = openai.OpenAI(base_url=on.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": text}])
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-larouter-tier"] == "HEARTBEAT" and raw.headers["x-larouter-model"] == "local-fake"
    assert "learned check-in model" in raw.headers["x-larouter-reason"]
    off = make_router(extra_toml=CHAINS.format(url=fake.url) + NO_MODEL_TOML)
    raw = openai.OpenAI(base_url=off.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": text}])
    assert raw.headers["x-larouter-tier"] != "HEARTBEAT" and raw.headers["x-larouter-model"] == "gpt-fake"


def _config(tmp_path: Path, heartbeat: str) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[routing.classifier.heartbeat]\n" + heartbeat)
    return cfg


def test_a_model_file_replaces_the_shipped_model(tmp_path: Path) -> None:
    """A model trained elsewhere (bench/train_hb_model.py --out FILE) is used instead of the shipped one."""
    mute = tmp_path / "mute.tsv"
    mute.write_text(HeartbeatModel.of([], -30.0, 1024, "test: no weights").to_text())  # scores every turn ~0
    settings = load_settings(_config(tmp_path, f"model_file = {json.dumps(str(mute))}\n"), env={})
    assert tier(FIRST_SIGHTINGS[0], settings.routing.classifier) is not Tier.HEARTBEAT
    assert tier(FIRST_SIGHTINGS[0], DEFAULT) is Tier.HEARTBEAT


@pytest.mark.parametrize(("setting", "message"), [
    ('model_file = "{missing}"', r"routing.classifier.heartbeat.model_file: .* is not a heartbeat model: .*No such file"),
    ('model_file = "{garbage}"', r"routing.classifier.heartbeat.model_file: .* not a format 1 model file"),
    ('model_file = "{bad_line}"', r"line 6 is not 'feature<TAB>weight'"),
    ('model_file = "{no_header}"', r"bad or missing header line"),
    ("model_threshold = 1.5", r"routing.classifier.heartbeat.model_threshold: must be between 0 and 1"),
    ("model_threshold = 0", r"routing.classifier.heartbeat.model_threshold: must be between 0 and 1"),
])
def test_bad_model_settings_are_config_errors(tmp_path: Path, setting: str, message: str) -> None:
    good = HeartbeatModel.of([("u:poll", 1.0)], 0.0, 1024).to_text()
    (tmp_path / "garbage.tsv").write_text("{not a model")
    (tmp_path / "bad_line.tsv").write_text(good + "u:idle\tNaN\n")
    (tmp_path / "no_header.tsv").write_text(good.replace("#bias\t0.0\n", ""))
    line = setting.format(**{name: tmp_path / f"{name}.tsv" for name in ("missing", "garbage", "bad_line", "no_header")})
    with pytest.raises(ConfigError, match=message):
        load_settings(_config(tmp_path, line + "\n"), env={})


def test_a_bad_classifier_pattern_is_refused_at_load_not_on_the_first_request(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[routing.classifier.patterns]\ncode_block = {pattern = "(", gate = []}\n')
    with pytest.raises(ConfigError, match=r"routing.classifier.patterns.code_block.pattern: invalid regular expression '\('"):
        load_settings(cfg, env={})


@pytest.mark.parametrize("text", [*FIRST_SIGHTINGS, "写一个Python函数，计算工作日 3 ٣", "", "x" * 3000, "tick 07:00 ✅ · ok=1"])
def test_score_is_the_sum_over_the_features_it_was_trained_on(text: str) -> None:
    """The scorer's fast path (tokens looked up by kind) must agree with `features`, which training uses."""
    model = load_shipped()
    z = model.bias + sum(model.weight(f) for f in features(text, model.max_chars))
    expected = 1 / (1 + pow(2.718281828459045, -max(min(z, 30.0), -30.0)))
    assert model.score(text) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_model_round_trips_through_its_file_and_rejects_unknown_features() -> None:
    model = load_shipped()
    again = HeartbeatModel.from_text(model.to_text())
    assert again.to_text() == model.to_text() and again.score(FIRST_SIGHTINGS[1]) == model.score(FIRST_SIGHTINGS[1])
    with pytest.raises(ValueError, match="unknown feature kind"):
        HeartbeatModel.of([("z:x", 1.0)], 0.0, 10)
    assert attrs.evolve(DEFAULT.heartbeat, model=False) == RULES_ONLY.heartbeat


def test_model_settings_through_patch_api_config(make_router: Callable[..., Router], fake: Fake, tmp_path: Path) -> None:
    """`PATCH /api/config`: a bad threshold or model file is a 400 naming the key and changes nothing; switching the
    model off applies to the next request."""
    router = make_router(extra_toml=CHAINS.format(url=fake.url))
    for heartbeat, key in (({"model_threshold": 1.5}, "model_threshold"),
                           ({"model_file": str(tmp_path / "none.tsv")}, "model_file")):
        status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"classifier": {"heartbeat": heartbeat}}},
                                headers=router.admin)  # (model_file: a file to read, so the admin token's)
        assert status == 400 and key in out["error"]["message"], out
    explain = {"model": "auto", "messages": [{"role": "user", "content": FIRST_SIGHTINGS[2]}]}
    assert http_json("POST", router.url + "/api/route/explain", explain)[1]["tier"] == "HEARTBEAT"
    status, _ = http_json("PATCH", router.url + "/api/config", {"routing": {"classifier": {"heartbeat": {"model": False}}}},
                          headers=router.admin)
    assert status == 200
    assert http_json("POST", router.url + "/api/route/explain", explain)[1]["tier"] != "HEARTBEAT"
