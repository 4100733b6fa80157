"""How a checklist's sentences become stated limits (`routing/stated_limits.py`, `limit_phrases.py`): which side is
news, what is usual, bounds said after their figure or with the alert after them, other languages and numbers in
words, a figure or a range a reading must keep to. The lookups they judge are in `test_stated_limits.py`.
"""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from larouter.routing.rules import ClassifierConfig
from larouter.routing.stated_limits import stated_limits
from tests.support.agents import BOTH_CONFIGS
from tests.test_stated_limits import tier


@pytest.mark.parametrize(("line", "bounds"), [
    ("- Download is normally above 800 Mbit/s; only tell me if it's under 500 Mbit/s.", [("download", 500.0)]),
    ("- Queue depth is usually under 100; tell me if it goes over 1000 messages.", [("depth", 1000.0)]),
    ("- Ping to the router is usually under 5 ms.", [("ping", 0.005)]),  # (what is usual, with nothing said after it)
])
def test_what_is_usual_gives_way_to_the_alert_on_the_same_reading(line: str, bounds: list[tuple[str, float]]) -> None:
    assert [(limit.words[0], limit.value) for limit in stated_limits(line)] == bounds


@pytest.mark.parametrize("line", [
    "- Replication lag: 30 s",  # a figure, no side named
    "- disk space under 10 GB",  # the disk's use, or its free space?
    "- boiler temp over 60 °C",  # a temperature bounded from below: said of what should be hot, or an alert?
    "- gizmo count over 5",  # nothing says which side of a gizmo count is bad
    "- lag not over 10 s",  # (negated: left to the model)
    "- garden wind speed under 40 km/h",  # a speed is bad high or low by what moves (review 25)
    "- tank free space fragmentation under 50%",  # (its head is the fragmentation, not what is free)
    "- MacBook battery cycle count under 1000",  # (a count of cycles, not a charge)
])
def test_a_limit_whose_bad_side_is_unsaid_is_not_read(line: str) -> None:
    assert stated_limits(line) == ()


@pytest.mark.parametrize(("line", "above"), [
    ("- Disk usage over 90%", True),  # an alert or what healthy is, a use is bad high
    ("- pool usage under 75% → `ceph df`, %USED col", True),  # (blind v45)
    ("- queue depth above 1000 messages", True),
    ("- lag < 10 s", True),
    ("- CPU temp under 80 °C", True),
    ("- battery above 20%", False),  # what is charged, free or left is bad low
    ("- free space on /srv over 50 GB", False),
    ("- download speed under 100 Mbit/s", False),
    ("- UPS battery temperature under 40 °C", True),  # the head word names it: a temperature (review 25)
    ("- USV Akku-Temperatur unter 40 °C", True),
    ("- free space on /srv over 50 GB", False),  # (what follows "on" is where, not what)
])
def test_a_terse_bound_takes_its_side_from_what_it_bounds(line: str, above: bool) -> None:
    """Checklists are written terse ("- pool usage under 75%"): whether the writer stated what healthy is or the
    alert, the bad side of a use is high and of what is free low, so the bound reads the same either way."""
    (limit,) = stated_limits(line)
    assert limit.above is above


@pytest.mark.parametrize(("line", "above"), [
    ("- Alert me if replication lag exceeds 30 s", True),
    ("- Replication lag must stay under 30 s", True),  # what healthy is: news above
    ("- SLO: battery > 20", False),
    ("- Tell me if the battery drops below 20 %", False),
])
def test_the_side_that_is_news_follows_the_words_around_the_limit(line: str, above: bool) -> None:
    (limit,) = stated_limits(line)
    assert limit.above is above


@pytest.mark.parametrize(("line", "above", "value", "closed"), [
    ("- Available memory dropping below 1.5 GiB = the transcoder is about to get OOM-killed → message me.", False,
     1.5 * 1024 ** 3, False),
    ("- `zpool list tank`: CAP at 85% or above means I need to order disks → tell me.", True, 85.0, True),
    ("- inode use should stay at 80% or less.", True, 80.0, False),
    ("- no more than 85% full.", True, 85.0, False),
])
def test_bounds_said_after_their_figure_or_with_the_alert_after_them(line: str, above: bool, value: float,
                                                                     closed: bool) -> None:
    (limit,) = stated_limits(line)
    assert (limit.above, limit.value, limit.closed) == (above, value, closed)


@pytest.mark.parametrize(("line", "head", "above", "value", "dimension"), [
    ("- Meddela mig om battery.charge är under 90 eller om ups.load är över 70 %.", "charge", False, 90.0, ""),
    ("- Als Seconds_Behind_Source meer dan vijf minuten is, stuur me een bericht.", "source", True, 300.0, "time"),
    ("- Najnowsze archiwum nie może być starsze niż 30 godzin.", "archiwum", True, 30 * 3600.0, "age"),
    ("- Préviens-moi si la mémoire utilisée passe au-dessus de 23 000 MiB.", "utilisée", True, 23000 * 1024.0 ** 2,
     "size"),
    ("- Avisa-me se o download ficar abaixo de 300 Mbit/s.", "download", False, 300.0, ""),
    ("- Temperatur darf höchstens 45 °C sein.", "temperatur", True, 45.0, "temp"),
    ("- The newest snapshot should be less than a day old.", "snapshot", True, 86400.0, "age"),
    ("- avvisami se il certificato scade tra meno di due settimane", "certificato", False, 14 * 86400.0, "left"),
])
def test_limits_in_other_languages_and_numbers_in_words(line: str, head: str, above: bool, value: float,
                                                         dimension: str) -> None:
    """Blind v44: operators, verbs, cue words and numbers in words of the languages its checklists were written in
    ("dépasse", "höchstens", "meer dan vijf minuten", "starsze niż", "23 000 MiB", "less than a day old")."""
    limit = stated_limits(line)[0]
    assert (limit.words[0], limit.above, limit.value, limit.dimension) == (head, above, value, dimension)


@pytest.mark.parametrize(("line", "bounds"), [
    ("- connected_slaves must be 2", [(True, 2.0), (False, 2.0)]),
    ("- Reallocated_Sector_Ct und Current_Pending_Sector müssen bei 0 bleiben.", [(True, 0.0), (False, 0.0)]),
    ("- Temperatur soll zwischen 18 und 24 °C liegen.", [(True, 24.0), (False, 18.0)]),
    ("- The temperature should be 18-24 °C.", [(True, 24.0), (False, 18.0)]),
    ("- There should be 3 or more replicas.", [(False, 3.0)]),  # (a bound, not one figure)
    ("- Backups must be 3 days old at most.", []),  # (an age said otherwise: not read, not one figure either)
])
def test_a_figure_or_a_range_a_reading_must_keep_to_is_news_on_either_side(line: str,
                                                                           bounds: list[tuple[bool, float]]) -> None:
    assert [(limit.above, limit.value) for limit in stated_limits(line)] == bounds


@pytest.mark.parametrize(("line", "count"), [
    ("- wsrep_cluster_size = 3, wsrep_ready = 1", 4),  # (a key set to the figure it must read, spaced)
    ("2026-05-06T03:30 sonde: tour=4401 anomalies=0 latence_p95_ms=140", 0),  # (a report's own line: no limit)
    ("- |System time| under 50 us (it's usually a few hundred ns)", 1),  # (microseconds; what is usual says the side)
])
def test_what_a_key_must_read_and_microseconds(line: str, count: int) -> None:
    assert len(stated_limits(line)) == count


@BOTH_CONFIGS
@pytest.mark.parametrize(("checklist", "output", "quiet", "news"), [
    ("- ups battery above 50%\n- if all good → HEARTBEAT_OK", "battery.charge: {}\nups.status: OL", 100, 40),
    ("- replica lag < 10 s", "replica lag: {} s\nstate: streaming", 3, 38),
])
def test_a_terse_bound_judges_the_lookup(checklist: str, output: str, quiet: float, news: float,
                                        config: ClassifierConfig) -> None:
    """The UPS at 40% was read as quiet while "battery above 50%" went unread (no reader had a side for it)."""
    assert tier(checklist, output.format(quiet), config) is Tier.HEARTBEAT
    assert tier(checklist, output.format(news), config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
@pytest.mark.parametrize(("checklist", "output"), [
    ("- tank fragmentation under 50%", "NAME   SIZE  ALLOC   FREE  FRAG    CAP  HEALTH\ntank  14.5T  9.1T  5.4T  71%    63%  ONLINE"),
    ("- mains voltage above 220 V", "input.voltage: 198.0\nups.status: OL"),
])
def test_a_bound_whose_side_is_unsaid_on_a_reading_the_lookup_shows_is_never_quiet(
        checklist: str, output: str, config: ClassifierConfig) -> None:
    """Review 25: the bound names no side (a fragmentation, a voltage) and no other limit was stated: it was dropped,
    and the lookup read as quiet by its ONLINE or OL. The model judges it now."""
    assert tier(checklist, output, config) is not Tier.HEARTBEAT
