"""The CLI's tables at 80 columns or fewer (stdout not a terminal: rich's 80): model names, ids and amounts are never
cut short, prose wraps, and a column with nothing in any row is left out. Through the CLI against the app."""

from __future__ import annotations

import json
import re
from typing import Callable
from urllib.request import Request, urlopen

import pytest

from larouter.cli.output import money
from tests.conftest import Fake, Router
from tests.support.cli import on
from tests.support.servers import http_json, wait_until

LONG = "vendor-frontier-model-2026-11-20-preview"
WIDE = ('\n[providers.wide]\nbase_url = "URL/v1"\napi_key = "sk-wide-0123456789abcdef"\nmodels = ["MODEL"]\n'
        'prices."MODEL" = { input = 9000.0, output = 9000.0 }\n').replace("MODEL", LONG)


def shown(result_output: str) -> str:
    """The output with its table borders and padding gone, each row's cells joined by one space."""
    return re.sub(r"[ │┃║|]+", " ", result_output)


@pytest.mark.parametrize("columns", ["80", "60", "50"])
def test_usage_tables_keep_model_names_and_amounts_whole(make_router: Callable[..., Router], fake: Fake,
                                                         columns: str) -> None:
    """A long model name and a cost of dollars: `usage models` and `usage` print both whole, and every token count,
    at 80, 60 and 50 columns (they read `gpt-4…`, `$56.…`, `3,8…`)."""
    router = make_router(extra_toml=WIDE.replace("URL", fake.url))
    words = " ".join(["word"] * 600)
    req = Request(router.v1 + "/chat/completions", method="POST", headers={"Content-Type": "application/json"},
                  data=json.dumps({"model": LONG, "messages": [{"role": "user", "content": words}]}).encode())
    with urlopen(req, timeout=30) as resp:
        assert resp.status == 200
    wait_until(lambda: http_json("GET", router.url + "/api/usage")[1]["totalCalls"] == 1, 10, "the call billed")
    row = http_json("GET", router.url + "/api/usage/models")[1]["data"][0]
    cost = money(row["cost"])
    assert row["cost"] > 5, row  # dollars, not cents
    for args in (("usage", "models"), ("usage",)):
        result = on(router, *args, env={"COLUMNS": columns})
        assert result.exit_code == 0, result.output
        text = shown(result.stdout)
        assert LONG in text and cost in text and f"{row['inputTokens']:,}" in text, result.stdout
        assert "…" not in result.stdout, result.stdout


def test_route_explain_keeps_model_names_whole_wraps_reasons_and_drops_empty_columns(router: Router) -> None:
    """`route explain` at 80 columns: every candidate's name whole (they read `gpt-4o-m…`), each skipped reason in
    full (wrapped), and no `coolingDown` or `cooling` column when no candidate is cooling down."""
    data = json.loads(on(router, "route", "explain", "Prove that sqrt(2) is irrational", "--json").stdout)
    result = on(router, "route", "explain", "Prove that sqrt(2) is irrational")
    assert result.exit_code == 0, result.output
    text = " ".join(shown(result.stdout).split())
    for cand in data["candidates"]:
        assert f" {cand['model']} " in text, (cand, result.stdout)
        if cand["skipped"]:
            assert " ".join(cand["skipped"].split()) in text, (cand, result.stdout)
    assert "…" not in result.stdout and "cooling" not in result.stdout, result.stdout
    assert max(map(len, result.stdout.splitlines())) <= 80, result.stdout  # the reasons wrap to fit


def test_projects_list_keeps_budgets_whole(router: Router) -> None:
    """`projects list` at 80 columns: each budget whole with its window (they read `$0.01/mon…`), as it was set."""
    for name, budget, window in (("billing-app-production", 0.01, "monthly"), ("nightly-batch-jobs", 0.1, "daily"),
                                 ("capped", 4.999, "monthly"), ("eighth", 0.125, "weekly")):
        status, _ = http_json("POST", router.url + "/api/projects",
                              {"name": name, "budgetUsd": budget, "budgetWindow": window})
        assert status == 201
    result = on(router, "projects", "list")
    assert result.exit_code == 0, result.output
    text = shown(result.stdout)
    for needed in ("billing-app-production", "$0.01/monthly", "nightly-batch-jobs", "$0.10/daily", "$4.999/monthly",
                   "$0.125/weekly"):  # (a budget as set: $4.999 read $5.00, $0.125 read $0.12: review AB)
        assert needed in text, result.stdout
    for project in http_json("GET", router.url + "/api/projects")[1]["data"]:
        assert project["id"] in text and f"{project['tokenPrefix'] or '—'}" in text, result.stdout
