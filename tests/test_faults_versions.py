"""Files another LARouter version left in the home (a rollback, two installs on one home): a ledger or journal a
newer version wrote, runtime values an older one accepted, a price file not saved as UTF-8. Each refuses the start
(exit 78) naming the file and what to do, and leaves it untouched (reviews W, Y, Z2)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_faults import assert_refused_and_kept, real_ledger


def test_a_ledger_a_newer_larouter_migrated_stops_the_daemon(home: Path) -> None:
    """A ledger with a migration this version does not know (a newer LARouter's, after a rollback): the start is
    refused, naming it, and the file is kept. It started with a warning, and lost every usage row it then recorded
    (their columns no longer matched) while /health said "ok" (review W)."""
    import duckdb

    path = real_ledger(home)
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', now())")
    assert_refused_and_kept(home, path, "newer LARouter", "m999_from_the_future", "Run the newer LARouter again")


def test_runtime_values_an_older_release_accepted_are_named_with_the_way_out(home: Path) -> None:
    """A short admin token and a price over 10,000 kept in runtime-config.json (an older release took both over its
    API): the refused start names each key and says to delete it from the file with the daemon stopped (it said
    "unset it", which needs a running daemon: review W)."""
    path = home / "runtime-config.json"
    path.write_text('{"server": {"admin_token": "changeme"}, '
                    '"providers": {"openai": {"prices": {"gpt-4o": {"input": 1e9, "output": 1}}}}}')
    stderr = assert_refused_and_kept(home, path, "server.admin_token", "providers.openai.prices.gpt-4o.input",
                                     "delete each key named from the JSON", "while larouterd is stopped")
    assert "changeme" not in stderr and "1e9" not in stderr and "1000000000" not in stderr


def test_a_journal_a_newer_larouter_left_stops_the_daemon(home: Path) -> None:
    """`usage.journal` holding a newer version's uncommitted rows (wider than this version writes; after a rollback
    with the old ledger put back): the start is refused and the journal kept (its rows were cut off as "a write cut
    short by a hard stop": review Y)."""
    import pickle
    import zlib

    from larouter.usage import journal

    real_ledger(home)
    rows = [(1, *(None,) * journal.WIDTH)]  # one value more than this version's rows
    payload = pickle.dumps(rows, protocol=5)
    path = home / journal.FILENAME
    path.write_bytes(journal.HEADER.pack(journal.MAGIC, len(payload), zlib.crc32(payload), 1) + payload)
    assert_refused_and_kept(home, path, "a newer LARouter wrote", "Start the newer LARouter once and stop it")


def test_a_price_file_that_is_not_utf8_is_a_refused_start(home: Path, tmp_path: Path) -> None:
    """`usage.prices_file` saved in Windows-1252 (a "€" in a comment): a refused start naming the file and the byte
    (a 41-line UnicodeDecodeError traceback, exit 1, restarted for ever: review Z2)."""
    prices = tmp_path / "prices.toml"
    prices.write_bytes(b'version = "2026-12"  # \x80 per million\n')
    home.mkdir(parents=True, exist_ok=True)
    (home / "runtime-config.json").write_text(json.dumps({"usage": {"prices_file": str(prices)}}))
    stderr = assert_refused_and_kept(home, prices, "not UTF-8 text (byte 0x80", "save it as UTF-8")
    assert "Traceback" not in stderr
