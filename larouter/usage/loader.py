"""Rows on their way into DuckDB: buffered by the appender as they are journaled, committed in one statement.

Used by the ledger's writer thread only. DuckDB's appender keeps the rows it is given in memory until `flush`,
which plans and runs one INSERT and commits it; the rows buffered are also kept here (`rows`), so a refused
commit can be retried, and a refused row found, after the appender's buffer was cleared.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable

import attrs
import duckdb

from larouter.usage.journal import Numbered
from larouter.usage.records import Row

log = logging.getLogger("larouter.usage")


@attrs.define(eq=False)
class Loader:
    """The appender of `usage_calls` and the rows it holds (journaled, not yet committed)."""

    is_storage_error: Callable[[BaseException], bool]
    rows: list[Numbered] = attrs.Factory(list)
    _appender: Any = None
    _rebuffer: bool = False  # the appender's buffer was cleared: give it `rows` again before using it

    def open(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Append through this connection (at start, and after DuckDB invalidated the database)."""
        self._appender = cursor.appender("usage_calls")
        self._rebuffer = True

    def buffer(self, rows: list[Row], first: int) -> list[Numbered]:
        """Number the rows from `first` and add them to the appender's buffer; a row it refuses is reported and
        left out (the others are kept and numbered without gaps). Raises on a storage error. The caller `keep`s
        the rows once they are journaled, or `forget`s them."""
        self._restore()
        numbered = [(first + i, *row) for i, row in enumerate(rows)]
        try:
            self._appender.append_rows(numbered)
            return numbered
        except Exception as exc:
            if self.is_storage_error(exc):
                raise
            log.exception("usage ledger: buffering a batch of %d rows failed; retrying row by row", len(rows))
        self.forget()
        kept: list[Numbered] = []
        for row in rows:
            one = (first + len(kept), *row)
            try:
                self._restore(kept)
                self._appender.append_rows([one])
            except Exception as exc:  # a row the database refuses is reported, never retried forever
                if self.is_storage_error(exc):
                    raise
                log.error("usage ledger: lost one usage record (%s): %r", exc, row[:4])
                self.forget()
                continue
            kept.append(one)
        return kept

    def keep(self, numbered: list[Numbered]) -> None:
        """The buffered rows are journaled: they are committed with the others."""
        self.rows.extend(numbered)

    def forget(self) -> None:
        """Drop the appender's buffer (rows buffered but not kept are gone; `rows` are given again at next use)."""
        with contextlib.suppress(Exception):
            self._appender.clear()
        self._rebuffer = True

    def commit(self) -> tuple[int, int, Exception | None]:
        """Commit every kept row in one statement; (written, lost, storage error). Rows not written stay kept.

        A commit the database refuses for a row is retried row by row, so one bad row cannot lose the others.
        """
        try:
            self._restore()
            self._appender.flush()
        except Exception as exc:
            self.forget()
            if self.is_storage_error(exc):
                return 0, 0, exc
            log.exception("usage ledger: committing a batch of %d rows failed; retrying row by row", len(self.rows))
            return self._commit_one_by_one()
        written, self.rows = len(self.rows), []
        return written, 0, None

    def _commit_one_by_one(self) -> tuple[int, int, Exception | None]:
        written = lost = 0
        while self.rows:
            row = self.rows[0]
            try:
                self._appender.append_rows([row])
                self._appender.flush()
            except Exception as exc:
                self.forget()
                if self.is_storage_error(exc):
                    return written, lost, exc
                log.error("usage ledger: lost one usage record (%s): %r", exc, row[:5])
                lost += 1
            else:
                written += 1
            self.rows.pop(0)
        self._rebuffer = False  # nothing left to give back
        return written, lost, None

    def drop_committed(self, last: int) -> int:
        """Forget the kept rows DuckDB already holds (seq up to `last`); how many."""
        held = sum(1 for row in self.rows if row[0] <= last)
        del self.rows[:held]
        return held

    def _restore(self, extra: list[Numbered] | None = None) -> None:
        """Give the appender `rows` (and `extra`) again after its buffer was cleared."""
        if self._rebuffer:
            self._rebuffer = False
            if self.rows:
                self._appender.append_rows(self.rows)
            if extra:
                self._appender.append_rows(extra)
