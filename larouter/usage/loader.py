"""Rows on their way into DuckDB: buffered by an appender as they are journaled, committed in one transaction.

Used by the ledger's writer thread only. The appender fills `usage_stage` (schema.STAGE_DDL: a TEMP table with
types that are cheap to convert Python values into) and keeps the rows in memory until `flush`; a commit flushes
it and moves the staged rows into `usage_calls` with one INSERT ... SELECT, in one transaction with emptying the
stage. The rows are also kept here (`rows`), so a refused commit can be retried, and a refused row found, after
the appender's buffer or the stage was dropped.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable

import attrs
import duckdb

from larouter.usage import schema
from larouter.usage.journal import Numbered
from larouter.usage.records import COST, Row

log = logging.getLogger("larouter.usage")


def storable(cost: object) -> bool:
    """Whether the ledger's cost columns (DECIMAL(18, 10)) can hold this cost: None, or a finite number below
    schema.MAX_COST."""
    return cost is None or (isinstance(cost, (int, float)) and -schema.MAX_COST < cost < schema.MAX_COST)


@attrs.define(eq=False)
class Loader:
    """The staging appender and the rows it holds (journaled, not yet committed)."""

    is_storage_error: Callable[[BaseException], bool]
    rows: list[Numbered] = attrs.Factory(list)
    _cursor: Any = None
    _appender: Any = None
    _rebuffer: bool = False  # the appender's buffer was cleared: stage `rows` again before using it

    def open(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Stage through this connection (at start, and after DuckDB invalidated the database)."""
        cursor.execute(schema.STAGE_DDL)
        self._cursor = cursor
        self._appender = cursor.appender("usage_stage")
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
        """Commit every kept row in one transaction; (written, lost, storage error). Rows not written stay kept.

        A commit the database refuses for a row is retried row by row, so one bad row cannot lose the others.
        """
        try:
            self._restore()
            self._appender.flush()
            self._unstage("", {})
        except Exception as exc:
            self.forget()
            if self.is_storage_error(exc):
                return 0, 0, exc
            log.exception("usage ledger: committing a batch of %d rows failed; retrying row by row", len(self.rows))
            return self._commit_one_by_one()
        written, self.rows = len(self.rows), []
        return written, 0, None

    def _unstage(self, where: str, params: dict[str, int]) -> None:
        """Move the staged rows `where` selects into usage_calls and out of the stage, atomically."""
        cur = self._cursor
        cur.execute("BEGIN TRANSACTION")
        try:
            cur.execute(schema.UNSTAGE_SQL.format(where=where), params)
            cur.execute(f"DELETE FROM usage_stage {where}", params)
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                cur.execute("ROLLBACK")
            raise

    def _commit_one_by_one(self) -> tuple[int, int, Exception | None]:
        try:
            self._restore()
            self._appender.flush()
        except Exception as exc:  # the rows stay kept; the writer retries after its back-off
            self.forget()
            return 0, 0, exc
        lost = 0
        for done, row in enumerate(self.rows):
            try:
                self._unstage("WHERE seq = $seq", {"seq": row[0]})
                continue
            except Exception as exc:
                refused: Exception = exc
            if not self.is_storage_error(refused):
                try:
                    if self._without_cost(row, refused):
                        continue
                except Exception as exc:  # a storage error while retrying
                    refused = exc
            if self.is_storage_error(refused):
                self.forget()
                del self.rows[:done]  # the rows before this one are committed or reported lost
                return done - lost, lost, refused
            log.error("usage ledger: lost one usage record (%s): %r", refused, row[:5])
            with contextlib.suppress(Exception):
                self._cursor.execute("DELETE FROM usage_stage WHERE seq = ?", [row[0]])
            lost += 1
        done, self.rows = len(self.rows), []
        return done - lost, lost, None

    def _without_cost(self, row: Numbered, refused: Exception) -> bool:
        """Commit a row whose cost (or baseline cost) the ledger's DECIMAL columns cannot hold with that cost
        unknown (NULL; `price_known` false for the cost), so the call is recorded rather than lost; True when that
        worked. Raises a storage error."""
        cost, baseline = row[COST + 1], row[COST + 2]  # numbered rows start with their seq
        sets = ([] if storable(cost) else ["cost = NULL", "price_known = false"]) + (
            [] if storable(baseline) else ["baseline_cost = NULL"])
        if not sets:
            return False
        try:
            self._cursor.execute(f"UPDATE usage_stage SET {', '.join(sets)} WHERE seq = $seq", {"seq": row[0]})
            self._unstage("WHERE seq = $seq", {"seq": row[0]})
        except Exception as exc:
            if self.is_storage_error(exc):
                raise
            return False
        log.warning("usage ledger: recorded usage record %d with its cost unknown: the ledger cannot store cost %r "
                    "or baseline cost %r (%s)", row[0], cost, baseline, str(refused).splitlines()[0][:200])
        return True

    def drop_committed(self, last: int) -> int:
        """Forget the kept rows DuckDB already holds (seq up to `last`); how many."""
        held = sum(1 for row in self.rows if row[0] <= last)
        del self.rows[:held]
        return held

    def _restore(self, extra: list[Numbered] | None = None) -> None:
        """Stage `rows` (and `extra`) again, from an empty stage, after the appender's buffer was cleared."""
        if self._rebuffer:
            self._rebuffer = False
            self._cursor.execute("DELETE FROM usage_stage")
            if self.rows:
                self._appender.append_rows(self.rows)
            if extra:
                self._appender.append_rows(extra)
