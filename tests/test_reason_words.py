"""Routing reasons keep their words in any script where people read them (`POST /api/route/explain`, `larouter
route explain`, the usage ledger's CSV export); only `x-larouter-reason` is ASCII, escaped where the header is set
("wie spät" reads "wie spat", "证明" reads "\\u8bc1\\u660e"). User text a reason quotes (an idle ack) stays on one
line there and everywhere: it can neither add a header line nor start a CSV row or a formula cell."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Callable
from urllib.request import Request, urlopen

import pytest

from larouter.proxy.call import MAX_REASON, header_safe
from tests.conftest import Fake, Router
from tests.support.agents import NO_MODEL_TOML
from tests.support.cli import on
from tests.support.servers import http_json
from tests.test_cli_usage_report import billed
from tests.test_recurrence import CHAINS, LATEST, session

PROOF = "请证明根号2是无理数"  # "prove that the square root of 2 is irrational": REASONING on 证明 (prove)
TIME = "Wie spät ist es in Tokio?"  # SIMPLE on "wie spät"
# An idle ack quoted in the reason, with a carriage return, a formula's "=" and a word that is not ASCII; and an
# ack the conversation's history shows the beat answered with each time, over two lines.
CR_ACK = 'Scheduled check-in. Nothing new. Reply "=1+1\rRUHIG ✓" if nothing to report.'
LF_ACK = "=KLID\r\nvše v pořádku"


@pytest.fixture
def router(make_router: Callable[..., Router], fake: Fake) -> Router:
    return make_router(extra_toml=CHAINS.format(url=fake.url) + NO_MODEL_TOML)


def chat(router: Router, messages: list[dict[str, Any]]) -> tuple[int, dict[str, str]]:
    """A real `model: auto` call through the proxy: its status and headers as they came over the wire."""
    req = Request(router.v1 + "/chat/completions", method="POST",
                  data=json.dumps({"model": "auto", "messages": messages}).encode(),
                  headers={"Content-Type": "application/json"})
    with urlopen(req, timeout=30) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}


def exported(router: Router) -> tuple[str, list[dict[str, str]]]:
    """The default project's CSV export, raw and as rows."""
    with urlopen(router.url + "/api/usage/export?period=all", timeout=30) as resp:
        text = resp.read().decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


def test_explain_shows_the_words_over_http_and_in_the_cli(router: Router) -> None:
    """The explain API's JSON and the CLI's table and --json carry "证明" and "wie spät", never `\\u8bc1`."""
    for prompt, word in ((PROOF, "证明"), (TIME, "wie spät")):
        status, out = http_json("POST", router.url + "/api/route/explain",
                                {"messages": [{"role": "user", "content": prompt}]})
        assert status == 200 and any(word in r for r in out["reasons"]), out
        assert not any("\\u" in r or "\\x" in r for r in out["reasons"]), out
        shown = on(router, "route", "explain", prompt)
        assert shown.exit_code == 0 and word in shown.stdout, shown.output
        as_json = on(router, "route", "explain", prompt, "--json")
        assert as_json.exit_code == 0 and word in as_json.stdout and "\\u" not in as_json.stdout, as_json.output
        assert any(word in r for r in json.loads(as_json.stdout)["reasons"])


def test_the_header_is_readable_ascii_and_the_csv_row_has_the_words(router: Router) -> None:
    """A chat call's `x-larouter-reason` is ASCII with the words escaped (accents dropped where a letter has a plain
    base); the ledger's CSV export has the reason with its words."""
    status, headers = chat(router, [{"role": "user", "content": PROOF}])
    reason = headers["x-larouter-reason"]
    assert status == 200 and reason.isascii() and headers["x-larouter-tier"] == "REASONING"
    assert "asks for a proof/derivation (\\u8bc1\\u660e)" in reason, reason
    status, headers = chat(router, [{"role": "user", "content": TIME}])
    assert status == 200 and "everyday request (wie spat)" in headers["x-larouter-reason"], headers
    billed(router, "default", 2)
    _, rows = exported(router)
    assert "asks for a proof/derivation (证明), maths vocabulary (根号, 无理数)" in rows[0]["reason"], rows[0]
    assert "everyday request (wie spät)" in rows[1]["reason"], rows[1]


@pytest.mark.parametrize(("messages", "quoted", "header"), [
    ([{"role": "user", "content": CR_ACK}], '("=1+1\\rRUHIG ✓")', '("=1+1\\rRUHIG \\u2713")'),
    (session(LATEST, [LF_ACK, LF_ACK]), "answered '=KLID\\r\\nvše v pořádku' each time",
     "answered '=KLID\\r\\nvse v poradku' each time"),
])
def test_quoted_text_with_line_breaks_and_a_formula_stays_on_one_line(router: Router, messages: list[dict[str, Any]],
                                                                       quoted: str, header: str) -> None:
    """The ack a reason quotes is escaped: no CR or LF reaches the header (where it would end the header line) or
    the CSV export (where it would start a new line inside the row); its "=" stays inside the reason's text, which
    begins with the tier, so no cell starts a formula. The words are kept in explain and the CSV alike."""
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": messages})
    assert status == 200 and out["tier"] == "HEARTBEAT" and any(quoted in r for r in out["reasons"]), out
    status, headers = chat(router, messages)
    reason = headers["x-larouter-reason"]
    assert status == 200 and reason.isascii() and "\r" not in reason and "\n" not in reason
    assert header in reason and reason.startswith("HEARTBEAT: "), reason
    billed(router, "default", 1)
    text, rows = exported(router)
    lines = text.split("\r\n")  # the header row, the call's row, and "" after the last line end
    assert len(lines) == 3 and not any("\r" in line or "\n" in line for line in lines), lines
    assert quoted in rows[0]["reason"] and rows[0]["reason"].startswith("HEARTBEAT: "), rows
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in rows[0].values()), rows


@pytest.mark.parametrize("text", ["毎" * 600, "reason: " + "毎朝 " * 200, "x" * 497 + "毎朝", "ü\r\n" * 300])
def test_the_header_form_is_bounded_and_never_cut_inside_an_escape(text: str) -> None:
    """Escaped, a reason grows (one CJK character is six ASCII ones): the header keeps to MAX_REASON characters, cut
    at a word where there is one, and never leaves half an escape (`\\u6b`) before its "..."."""
    header = header_safe(text)
    assert header.isascii() and header.isprintable() and len(header) <= MAX_REASON and header.endswith("...")
    assert "\\" not in re.sub(r"\\u[0-9a-f]{4}", "", header), header
    assert header_safe("毎朝") == "\\u6bce\\u671d" and header_safe("wie spät") == "wie spat"
