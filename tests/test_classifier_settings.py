"""The classifier's settings (`[routing.classifier.*]`) are checked like every other: a number out of its range or a
pattern that is no regular expression is refused at start (exit 78) and by `PATCH /api/config` (400), naming its key
path in the message and in `param`, and changes nothing (review AT: they were taken with a 200 and broke routing, or
were refused as `routing.classifier` alone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Router
from tests.support.proc import daemon_env, free_port
from tests.support.servers import http_json

CAPITAL = {"model": "auto", "messages": [{"role": "user", "content": "What's the capital of France?"}]}


def _patch(router: Router, classifier: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return http_json("PATCH", router.url + "/api/config", {"routing": {"classifier": classifier}}, headers=router.admin)


@pytest.mark.parametrize(("classifier", "key", "rule"), [
    ({"tuning": {"max_walk": -1}}, "tuning.max_walk", "must be >= 1"),
    ({"tuning": {"max_walk": 0}}, "tuning.max_walk", "must be >= 1"),
    ({"tuning": {"head_chars": 0, "tail_chars": 0}}, "tuning.head_chars", "must be >= 100"),
    ({"tuning": {"tail_chars": -1}}, "tuning.tail_chars", "must be >= 0"),
    ({"tuning": {"complex_min": -1}}, "tuning.complex_min", "must be > 0"),
    ({"tuning": {"reasoning_min": 0}}, "tuning.reasoning_min", "must be > 0"),
    ({"tuning": {"simple_max_words": -3}}, "tuning.simple_max_words", "must be >= 0"),
    ({"tuning": {"code_keyword": -2}}, "tuning.code_keyword", "must be >= 0"),
    ({"tuning": {"math_keyword_cap": -1}}, "tuning.math_keyword_cap", "must be >= 0"),
    ({"tuning": {"word_problem_min_numbers": 0}}, "tuning.word_problem_min_numbers", "must be >= 1"),
    ({"tuning": {"proof": 1e300}}, "tuning.proof", "must be a finite number of at most 1e+15"),
    ({"heartbeat": {"max_chars": -5}}, "heartbeat.max_chars", "must be >= 1"),
    ({"heartbeat": {"max_residual_words": -1}}, "heartbeat.max_residual_words", "must be >= 0"),
    ({"heartbeat": {"acks": [{"before": "reply"}, {"before": "x", "window": 0}]}}, "heartbeat.acks[1].window",
     "must be >= 1"),
    ({"continuation": {"lookback": 0}}, "continuation.lookback", "must be >= 1"),
    ({"continuation": {"go_ahead_max_chars": -1}}, "continuation.go_ahead_max_chars", "must be >= 0"),
    ({"recurrence": {"min_repeats": -1}}, "recurrence.min_repeats", "must be >= 0"),
    ({"recurrence": {"lookback": -1}}, "recurrence.lookback", "must be >= 1"),
    ({"recurrence": {"max_chars": 0}}, "recurrence.max_chars", "must be >= 1"),
    ({"recurrence": {"max_ack_chars": -1}}, "recurrence.max_ack_chars", "must be >= 0"),
    ({"quiet_report": {"max_chars": -1}}, "quiet_report.max_chars", "must be >= 0"),
    # a bad regular expression: named by the key that holds it (an entry of a list by its index)
    ({"heartbeat": {"ack_token_pattern": "(unclosed"}}, "heartbeat.ack_token_pattern", "invalid regular expression"),
    ({"heartbeat": {"conditional_ack_pattern": "(unclosed"}}, "heartbeat.conditional_ack_pattern",
     "invalid regular expression '(unclosed': missing ), unterminated subpattern at position 0"),
    ({"patterns": {"code_syntax": {"pattern": "[bad", "gate": ["x"]}}}, "patterns.code_syntax.pattern",
     "invalid regular expression '[bad'"),
    ({"heartbeat": {"task_headers": ["^# Tasks$", "(x"]}}, "heartbeat.task_headers[1]", "invalid regular expression"),
    ({"heartbeat": {"acks": [{"before": "reply"}, {"before": "(x"}]}}, "heartbeat.acks[1].before",
     "invalid regular expression '(x': missing ), unterminated subpattern at position 0"),
    ({"heartbeat": {"model_file": "/nonexistent/hb.tsv"}}, "heartbeat.model_file",
     "'/nonexistent/hb.tsv' is not a heartbeat model"),
])
def test_a_bad_setting_is_a_400_naming_its_key(router: Router, classifier: dict[str, Any], key: str,
                                               rule: str) -> None:
    before = http_json("POST", router.url + "/api/route/explain", CAPITAL)[1]
    status, out = _patch(router, classifier)
    assert status == 400, out
    assert out["error"]["param"] == f"routing.classifier.{key}", out
    assert out["error"]["message"].startswith(f"routing.classifier.{key}: {rule}"), out
    after = http_json("POST", router.url + "/api/route/explain", CAPITAL)[1]
    assert after["tier"] == before["tier"] == "SIMPLE" and after["reasons"] == before["reasons"], after


def test_the_same_bad_pattern_under_two_keys_names_both(router: Router) -> None:
    status, out = _patch(router, {"heartbeat": {"ack_token_pattern": "(x", "conditional_ack_pattern": "(x"}})
    assert status == 400 and out["error"]["param"] == "routing.classifier.heartbeat.ack_token_pattern", out
    assert "routing.classifier.heartbeat.conditional_ack_pattern: invalid regular expression" in out["error"]["message"]


@pytest.mark.parametrize("classifier", [
    {"tuning": {"tail_chars": 0, "head_chars": 100, "simple_max_words": 0, "code_keyword": 0}},
    {"recurrence": {"min_repeats": 0, "max_ack_chars": 0}},
    {"quiet_report": {"max_chars": 0}, "continuation": {"go_ahead_max_chars": 0}},
    {"heartbeat": {"max_residual_words": 0}},
])
def test_a_zero_that_turns_something_off_is_taken(router: Router, classifier: dict[str, Any]) -> None:
    status, out = _patch(router, classifier)
    assert status == 200, out


@pytest.mark.parametrize(("section", "line"), [
    ("[routing.classifier.tuning]\nhead_chars = 0\ntail_chars = 0\n",
     "routing.classifier.tuning.head_chars: must be >= 100 (a shorter head cuts everyday questions short), got 0"),
    ('[routing.classifier.heartbeat]\nconditional_ack_pattern = "(unclosed"\n',
     "routing.classifier.heartbeat.conditional_ack_pattern: invalid regular expression '(unclosed'"),
])
def test_a_start_with_a_bad_setting_exits_78_naming_its_key(home: Path, tmp_path: Path, section: str, line: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(section)
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--config", str(cfg), "--port", str(free_port())],
                         env=daemon_env(home), capture_output=True, text=True, timeout=60)
    assert out.returncode == 78 and "Traceback" not in out.stderr, out.stderr
    assert any(text.strip().startswith(line) for text in out.stderr.splitlines()), out.stderr
