"""How the `larouter` CLI reads to a person: money, plurals, budgets, empty tables, the logs of a stopped model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable
from urllib.request import Request, urlopen

import pytest

from larouter.cli.output import money
from tests.conftest import Router
from tests.support.cli import ok_json, on
from tests.support.servers import http_json, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

TINY_PRICES = '\n[providers.fake.prices."gpt-fake"]\ninput = 1.0\noutput = 2.0\n'  # "hi": 4 in, 5 out = $0.000014


def billed_call(router: Router, project: str = "default", token: str | None = None, calls: int = 1) -> None:
    """Send `calls` chat calls to gpt-fake (as the project's token, if given) and wait until the ledger has them."""
    url = router.url + f"/api/usage?projectId={project}"
    before = http_json("GET", url)[1]["totalCalls"]
    for _ in range(calls):
        req = Request(router.v1 + "/chat/completions", method="POST", data=json.dumps(
            {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
        with urlopen(req, timeout=30) as resp:
            assert resp.status == 200
    wait_until(lambda: http_json("GET", url)[1]["totalCalls"] == before + calls, 10, "the calls to be billed")


@pytest.mark.parametrize(("value", "places", "shown"), [
    (0, 4, "$0.0000"), (0.0, 2, "$0.00"), (None, 4, "—"), (1.2345678, 4, "$1.2346"), (1234.5, 2, "$1,234.50"),
    (0.000014, 4, "$0.000014"), (0.00004999, 4, "$0.00005"), (0.00012, 4, "$0.00012"), (0.0012, 4, "$0.0012"),
    (1e-10, 4, "$0.0000000001"), (0.004, 2, "$0.004"), (-0.000012, 4, "$-0.000012"),
])
def test_money_keeps_small_amounts_visible(value: float | None, places: int, shown: str) -> None:
    """4 (or 2) decimals for normal amounts; two significant digits when that would round a cost to nothing."""
    assert money(value, places) == shown


def test_a_cost_under_a_twentieth_of_a_cent_is_not_printed_as_zero(make_router: Callable[..., Router]) -> None:
    """One call that cost $0.000014: `usage`, `usage models` and `status` show $0.000014 (they showed $0.0000), and
    --json keeps the daemon's exact number."""
    router = make_router(extra_toml=TINY_PRICES)
    billed_call(router)
    exact = http_json("GET", router.url + "/api/usage")[1]["totalCost"]
    assert exact == pytest.approx(0.000014)
    assert ok_json(router, "usage")["totalCost"] == exact
    assert ok_json(router, "status")["spend"]["totalCost"] == exact
    report = on(router, "usage")
    assert report.exit_code == 0, report.output
    assert "$0.000014 over " in report.stdout and "$0.0000 over" not in report.stdout, report.stdout
    gpt_row = next(line for line in report.stdout.splitlines() if "gpt-fake" in line)
    assert "$0.000014" in gpt_row, gpt_row
    assert "$0.000014" in next(line for line in on(router, "usage", "models").stdout.splitlines() if "gpt-fake" in line)
    assert "spend this month  $0.000014 over" in on(router, "status").stdout


def test_counts_are_pluralised(router: Router) -> None:
    """"1 call", "2 calls", "0 calls", and so for tokens, heartbeats and conversations (the CLI said "1 calls" and
    "project(s)"); status's spend is of all projects, deleted ones included."""
    status = on(router, "status").stdout
    assert "over 0 calls (all projects, deleted ones included)" in status and "0 learned heartbeats, 0 sticky conversations" in status, status
    billed_call(router)  # gpt-fake has no price here: an unpriced call
    report = on(router, "usage").stdout
    for part in ("over 1 call (1 ok), 4 input tokens + 5 output tokens", "1 call had no known price"):
        assert part in report, (part, report)
    assert "over 1 call (all projects" in on(router, "status").stdout
    assert http_json("POST", router.url + "/api/projects", {"name": "second"})[0] == 201
    billed_call(router)
    report = on(router, "usage").stdout
    for part in ("over 2 calls (2 ok), 8 input tokens + 10 output tokens", "2 calls had no known price"):
        assert part in report, (part, report)
    assert "over 2 calls (all projects" in on(router, "status").stdout
    second = http_json("GET", router.url + "/api/projects")[1]["data"][-1]
    assert http_json("DELETE", router.url + f"/api/projects/{second['id']}")[0] in (200, 204)
    assert "over 2 calls (all projects, deleted ones included)" in on(router, "status").stdout  # (it read "2 projects"
    # beside calls of a project deleted since: the count was of the projects there are now, review AJ)


def test_empty_tables_say_so(router: Router) -> None:
    """A table with no rows is a sentence, not a bare header: `usage models` before any call, and `usage`'s by-tier
    table when no call was routed (a named model has no tier); the other lists already said so."""
    empty = on(router, "usage", "models")
    assert empty.exit_code == 0, empty.output
    assert "no calls recorded for project default in this period (monthly)" in empty.stdout, empty.stdout
    assert "Provider" not in empty.stdout
    assert ok_json(router, "usage", "models")["data"] == []
    for args, says in ((["models", "list"], "no local models yet"), (["models", "ps"], "no models running"),
                       (["models", "downloads"], "no downloads since larouterd started"),
                       (["usage"], "no calls recorded in this period")):
        shown = on(router, *args)
        assert shown.exit_code == 0 and says in shown.stdout, (args, shown.output)
    billed_call(router)  # model "gpt-fake", named: not routed, no tier
    report = on(router, "usage").stdout
    assert 'By tier: no call asked for model "auto" (only those are routed)' in report, report
    assert "┃ Tier" not in report and "┃ Model" in report


def test_usage_shows_the_projects_budget(make_router: Callable[..., Router]) -> None:
    """`larouter usage` of a project with a budget says the limit, its window, what was spent and what is left (from
    /api/usage's `budget`); a project without one shows no budget line."""
    router = make_router(extra_toml=TINY_PRICES)
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "capped", "budgetUsd": 0.5,
                                                                     "budgetWindow": "daily"})
    assert status == 201, proj
    fresh = on(router, "usage", "--project", proj["id"])
    start = ok_json(router, "usage", "--project", proj["id"])["budget"]["windowStart"]
    assert f"Budget $0.50 a day (since {start} UTC): $0.0000 spent, $0.5000 left" in fresh.stdout, fresh.stdout
    billed_call(router, proj["id"], proj["token"])
    report = on(router, "usage", "--project", proj["id"], "--period", "all")
    assert report.exit_code == 0, report.output
    assert f"Budget $0.50 a day (since {start} UTC): $0.000014 spent, $0.499986 left" in report.stdout, report.stdout
    assert ok_json(router, "usage", "--project", proj["id"])["budget"]["spent"] == pytest.approx(0.000014)
    billed_call(router)
    assert "Budget" not in on(router, "usage").stdout  # the default project has no budget
    status, _ = http_json("PUT", router.url + f"/api/projects/{proj['id']}", {"budgetUsd": 0.00001})
    assert status == 200
    spent = on(router, "usage", "--project", proj["id"]).stdout
    assert "Budget $0.00001 a day" in spent and "$0.000014 spent, nothing left" in spent, spent
    status, _ = http_json("PUT", router.url + f"/api/projects/{proj['id']}", {"budgetUsd": 4.999})
    assert status == 200
    spent = on(router, "usage", "--project", proj["id"]).stdout  # (it read "Budget $5.00 …, $4.9990 left": review AB)
    assert "Budget $4.999 a day" in spent and "$0.000014 spent, $4.998986 left" in spent, spent


def test_the_by_model_rows_add_up_to_the_total(make_router: Callable[..., Router]) -> None:
    """Three calls of $0.00124: each row shows $0.00124 and the total $0.00372 (the rows read $0.0012 under a total of
    $0.0037: review AB)."""
    models = ("row-one", "row-two", "row-three")
    prices = "".join(f'\n[providers.fake.prices."{m}"]\ninput = 0.0\noutput = 248.0\n' for m in models)
    router = make_router(extra_toml=prices)
    for model in models:
        req = Request(router.v1 + "/chat/completions", method="POST", headers={"Content-Type": "application/json"},
                      data=json.dumps({"model": f"fake/{model}", "messages": [{"role": "user", "content": "hi"}]}).encode())
        with urlopen(req, timeout=30) as resp:
            assert resp.status == 200
    wait_until(lambda: http_json("GET", router.url + "/api/usage")[1]["totalCalls"] == 3, 10, "the calls billed")
    data = http_json("GET", router.url + "/api/usage")[1]
    assert data["totalCost"] == pytest.approx(0.00372), data
    report = on(router, "usage").stdout
    assert "$0.00372 over 3 calls" in report, report
    rows = [line for line in report.splitlines() if any(f" {m} " in line for m in models)]
    assert len(rows) == 3 and all("$0.00124" in row for row in rows), report


def test_logs_of_a_model_that_is_not_running_say_so(router: Router, tmp_path: Path) -> None:
    """`models logs` of a stopped model printed nothing at all (the API answers `lines: []`); it now says on stderr
    that the model is not running and has no logs, exit 0, and stdout (the log lines) stays empty. --json is the
    API's answer, unchanged."""
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert on(router, "models", "add", "mine", "--path", str(gguf), admin=True).exit_code == 0
    shown = on(router, "models", "logs", "mine")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == ""
    said = " ".join(shown.stderr.split())
    assert "mine is not running (stopped) and has no logs" in said and "larouter models start mine" in said, said
    assert ok_json(router, "models", "logs", "mine") == {"id": "mine", "lines": []}
    assert "download" not in said, said


def test_logs_of_a_model_not_downloaded_suggest_the_download(router: Router) -> None:
    """`models logs` of a catalog model that is not on disk suggested `models start`, which is a 409
    (`model_not_downloaded`: review AU): it suggests the download, then the start."""
    shown = on(router, "models", "logs", "gemma-4-e2b")
    said = " ".join(shown.stderr.split())
    assert shown.exit_code == 0 and "gemma-4-e2b is not running (stopped) and has no logs" in said, said
    assert ("it is not downloaded: `larouter models download gemma-4-e2b` downloads it, then `larouter models start "
            "gemma-4-e2b` starts it") in said, said
    start = on(router, "models", "start", "gemma-4-e2b")
    assert start.exit_code == 1 and "not downloaded" in start.output, start.output


def test_spend_line_of_a_project_tokens_own_project() -> None:
    """`larouter status` names a project token's project as `larouter usage` does; the bare id without a name."""
    from larouter.cli import spend_line

    base = {"period": "monthly", "totalCost": 1.5, "totalCalls": 2, "projects": 1}
    assert spend_line({**base, "projectId": "proj_0123456789ab", "projectName": "Billing App"}).endswith(
        "(project Billing App (proj_0123456789ab))")
    assert spend_line({**base, "projectId": "default", "projectName": "default"}).endswith("(project default)")
    assert spend_line({**base, "projectId": "proj_0123456789ab", "projectName": None}).endswith(
        "(project proj_0123456789ab)")
    assert spend_line({**base, "projectId": "proj_0123456789ab"}).endswith("(project proj_0123456789ab)")
    assert spend_line(base).endswith("(all projects, deleted ones included)")


def test_a_registration_written_before_its_fields_were_checked_still_prints() -> None:
    """A model's quantization or id holding rich markup ("[/bold]", from a registration an older larouterd took) is
    shown as written in the download line and the tables, never read as markup (a MarkupError ended the command)."""
    from rich.console import Console

    from larouter.cli.downloads import done_line, downloads_table
    from larouter.cli.models import local_table

    console = Console(record=True, width=200)
    console.print(done_line({"modelId": "hq", "quantization": "[/bold]", "path": "/m/x.gguf", "verified": True,
                             "alreadyDownloaded": False}))
    console.print(downloads_table([{"id": "dl_1", "modelId": "hq", "quantization": "[/bold]", "status": "done",
                                    "bytes": 1, "total": 1, "error": None}]))
    console.print(local_table([{"id": "hq", "downloaded": "[/bold]", "downloadedBytes": 1, "contextLength": 2048,
                                "state": "stopped", "localPath": None,
                                "variants": [{"quantization": "[/bold]", "sizeBytes": 1, "repo": "a/b"}]}]))
    assert console.export_text().count("[/bold]") == 3


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_tables_print_on_a_stdout_that_cannot_encode_them(router: Router, encoding: str) -> None:
    """A terminal or pipe in Latin-1 or ASCII: the tables with an em dash or a bullet print ("?" for those), exit 0;
    they ended in "unexpected UnicodeEncodeError", exit 1 (review B)."""
    import subprocess
    import sys

    for args in (["models", "catalog"], ["usage"], ["route", "explain", "hi"]):
        done = subprocess.run([sys.executable, "-m", "larouter", *args, "--url", router.url], capture_output=True,
                              env={**os.environ, "PYTHONIOENCODING": encoding, "LAROUTER_TOKEN": ""}, timeout=60)
        assert done.returncode == 0 and b"UnicodeEncodeError" not in done.stderr, (args, done.stderr[-300:])
        assert done.stdout.strip(), args


def test_the_downloads_table_keeps_model_ids_whole_at_80_columns() -> None:
    """At 80 columns (a pipe, a small terminal) `models downloads` cut `gemma-4-e2b` and `gemma-4-e4b` both to
    `gemma-4-e…`, and the status and amounts too: they are whole, and the error wraps."""
    from rich.console import Console

    from larouter.cli.downloads import downloads_table

    rows = [{"id": f"dl_{i}", "modelId": f"gemma-4-e{i}b", "quantization": "Q4_K_M", "status": "downloading",
             "bytes": 3_000_000_000, "total": 4_300_000_000, "error": "sha256 " + "0123456789abcdef" * 4 + " differs"}
            for i in (2, 4)]
    console = Console(record=True, width=80)
    console.print(downloads_table(rows))
    text = console.export_text()
    assert "gemma-4-e2b" in text and "gemma-4-e4b" in text and "downloading" in text and "…" not in text, text


def test_emoji_codes_in_a_name_are_printed_as_written(router: Router) -> None:
    """A provider named `team:fire:`: the CLI printed `team🔥` (rich turned the code into an emoji)."""
    out = on(router, "config", "set", 'providers."team:fire:"', '{ base_url = "http://127.0.0.1:9/v1" }', "--token",
             router.admin_token)
    assert out.exit_code == 0 and "team:fire:" in out.output and "\U0001f525" not in out.output, out.output


def test_a_file_name_with_terminal_escapes_is_listed_escaped(router: Router, tmp_path: Path) -> None:
    """A model registered from a file whose name holds an OSC 52 sequence (it writes the clipboard of many terminals)
    and a screen clear: `models list` and `models catalog` show them as escapes, never the raw bytes (review AF)."""
    name = "m\x1b]52;c;cHduZWQ=\x07\x1b[2J\u202e.gguf"
    gguf = write_tiny_gguf(tmp_path / name)
    status, out = http_json("POST", router.url + "/api/models", {"id": "esc", "path": str(gguf)}, headers=router.admin)
    assert status == 201, out
    for args in (("models", "list"), ("models", "catalog")):
        result = on(router, *args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output, args
    assert "\\x1b]52;c;cHduZWQ=" in on(router, "models", "list", env={"COLUMNS": "300"}).stdout


def test_config_get_shows_bidi_and_c1_controls_escaped(router: Router) -> None:
    """A setting holding a right-to-left override and a C1 control (`routing.default_model` takes them):
    `config get` shows them as escapes (JSON left them raw on the terminal: review AG)."""
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"default_model": "gpt\u202efake\u009b"}})
    assert status == 200, out
    shown = on(router, "config", "get", "routing.default_model")
    assert shown.exit_code == 0 and "\u202e" not in shown.output and "\u009b" not in shown.output, shown.output
    assert "\\u202e" in shown.stdout and "\\x9b" in shown.stdout, shown.stdout


def test_config_get_json_escapes_bidi_c1_and_format_characters(router: Router) -> None:
    """A setting holding a right-to-left override, a C1 control, a zero-width space and a tag character: `config get
    --json` (whole and by key) writes them as `\\u` escapes (`\\u202e`), the same JSON to a script (JSON escapes
    only C0: they reached the owner's terminal raw: review AH); other text (`证明`) stays as written."""
    name = "gpt\u202efake\u009b\u200b\U000e0041证明"
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"default_model": name}})
    assert status == 200, out
    for args in (("config", "get", "routing.default_model"), ("config", "get")):
        shown = on(router, *args, "--json")
        assert shown.exit_code == 0, shown.output
        assert not any(c in shown.stdout for c in ("\u202e", "\u009b", "\u200b", "\U000e0041")), ascii(shown.stdout)
        assert "\\u202e" in shown.stdout and "\\u009b" in shown.stdout and "\\udb40\\udc41" in shown.stdout, args
        assert "证明" in shown.stdout, shown.stdout
        value = json.loads(shown.stdout)
        assert (value if len(args) == 3 else value["routing"]["default_model"]) == name, args
