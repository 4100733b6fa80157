"""A ledger DuckDB cannot read (a damaged block of the file): the usage reports answer 503 `ledger_unreadable` naming
the file and what to do (it was a 500 "internal error"), and an export cut off midway is cut for the client (never a
short CSV that looks whole), which the CLI reports as cut, not as a daemon it cannot reach."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.request import urlopen

import duckdb
import pytest

from larouter.usage.export import CsvExport
from tests.conftest import Router
from tests.support.cli import on
from tests.support.servers import http_json
from tests.test_cli_usage_report import billed, call


def damaged(*_: object) -> None:
    raise duckdb.IOException('IO Error: Corrupt database file: computed checksum 0x1 does not match stored checksum')


def test_a_report_of_an_unreadable_ledger_is_a_503_naming_it(router: Router, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("larouter.usage.queries.summary", damaged)
    status, body = http_json("GET", router.url + "/api/usage")
    assert status == 503 and body["error"]["code"] == "ledger_unreadable", body
    message = body["error"]["message"]
    assert "usage.duckdb" in message and "Corrupt database file" in message and "move usage.duckdb aside" in message
    assert str(router.settings.home) not in message  # (the data directory's path is the operator's, not a client's)


def test_an_export_cut_off_midway_is_cut_for_the_client(router: Router, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    call(router)
    billed(router, "default", 1)
    real, chunks = CsvExport.next_chunk, []

    def cut_after_one(self: CsvExport) -> bytes:
        if chunks:
            damaged()
        chunks.append(1)
        return real(self)

    monkeypatch.setattr(CsvExport, "next_chunk", cut_after_one)
    with urlopen(router.url + "/api/usage/export") as resp:
        assert resp.status == 200
        with pytest.raises(http.client.IncompleteRead):
            resp.read()
    chunks.clear()
    target = tmp_path / "out" / "u.csv"
    target.parent.mkdir()
    out = on(router, "usage", "export", "-o", str(target))
    assert out.exit_code == 2 and "cut off" in out.stderr and "is it running" not in out.stderr, out.output
    assert list(target.parent.iterdir()) == []  # (nothing written, no partial file left)
