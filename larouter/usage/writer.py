"""The ledger's one writer thread: a bounded in-memory buffer drained in batched transactions.

`submit()` is called on the event loop. It never blocks and never does I/O: it appends a tuple to a deque
(an atomic operation) and, once `batch_rows` rows are waiting, sets an Event. The writer thread wakes every
`flush_interval` seconds (or at once on that Event), takes the rows waiting at that moment and commits them
with DuckDB's appender (one statement and one commit per `MAX_BATCH_FACTOR * batch_rows` rows at most), so a
busy ledger writes bigger, cheaper batches. Every `FOLD_INTERVAL` seconds (or `FOLD_ROWS` rows) it folds the new
rows into the per-day rollup that the billing queries read.

Queue full (`queue_max` rows waiting): the row is dropped, never waited for, so a stalled disk cannot stall the
proxy. Drops are counted (`stats.dropped`) and logged as errors, at most once per `DROP_LOG_EVERY` seconds.

Durability: `close()` drains and commits everything submitted before it, so a clean stop (SIGTERM) loses
nothing. On a hard kill (SIGKILL, power loss) the rows not yet committed are lost: normally those of the last
`flush_interval` (100 ms by default), fewer than `batch_rows` rows; while the writer is behind, at most what is
waiting in the buffer (bounded by `queue_max`). Committed rows survive through DuckDB's write-ahead log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import attrs
import duckdb

from larouter.usage import schema
from larouter.usage.records import Row

log = logging.getLogger("larouter.usage")

MAX_BATCH_FACTOR = 20
DROP_LOG_EVERY = 10.0
FOLD_INTERVAL = 10.0
FOLD_ROWS = 100_000


@attrs.define
class WriterStats:
    """Counters since start (read from any thread; approximate while running)."""

    submitted: int = 0
    written: int = 0
    dropped: int = 0
    failed: int = 0
    batches: int = 0
    folds: int = 0


@attrs.define(eq=False)
class Writer:
    """Bounded buffer plus one thread committing batches to the ledger."""

    cursor: duckdb.DuckDBPyConnection
    batch_rows: int = 500
    flush_interval: float = 0.1
    queue_max: int = 100_000
    stats: WriterStats = attrs.Factory(WriterStats)
    _pending: deque[Row] = attrs.Factory(deque)
    _wake: threading.Event = attrs.Factory(threading.Event)
    _done: threading.Condition = attrs.Factory(threading.Condition)
    _thread: threading.Thread | None = None
    _closing: bool = False
    _closed: bool = False
    _last_drop_log: float = float("-inf")
    _seq: int = 0
    _folded: int = 0
    _last_fold: float = 0.0

    def start(self) -> None:
        """Continue numbering after the last recorded row, then start the writer thread."""
        self._seq = schema.last_seq(self.cursor)
        self._folded = schema.folded_seq(self.cursor)
        self._last_fold = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="larouter-ledger-writer", daemon=True)
        self._thread.start()

    def submit(self, row: Row) -> bool:
        """Queue one row without blocking; False (and counted) when closed or the buffer is full."""
        if self._closed or len(self._pending) >= self.queue_max:
            self._drop()
            return False
        self._pending.append(row)
        self.stats.submitted += 1
        if len(self._pending) >= self.batch_rows and not self._wake.is_set():
            self._wake.set()
        return True

    def _drop(self) -> None:
        self.stats.dropped += 1
        now = time.monotonic()
        if now - self._last_drop_log >= DROP_LOG_EVERY:
            self._last_drop_log = now
            why = "the ledger is closed" if self._closed else f"{self.queue_max} rows are waiting (usage.queue_max)"
            log.error("usage ledger: dropped a usage record because %s; %d dropped so far", why, self.stats.dropped)

    def wait_flushed(self, timeout: float | None = None) -> bool:
        """Block until every row submitted so far is committed (or failed); for tests and benchmarks."""
        target = self.stats.submitted
        self._wake.set()
        with self._done:
            return self._done.wait_for(lambda: self.stats.written + self.stats.failed >= target, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Refuse new rows, commit everything waiting, fold it into the rollup, stop the thread."""
        self._closed = True
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("usage ledger: writer did not finish within %s s; %d rows not committed",
                          timeout, len(self._pending))

    def _run(self) -> None:
        appender = self.cursor.appender("usage_calls")
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            closing = self._closing
            self._drain(appender, len(self._pending))
            if closing:
                self._drain(appender, len(self._pending))
            self._maybe_fold(force=closing)
            if closing:
                return

    def _drain(self, appender: duckdb.Appender, count: int) -> None:
        """Commit the `count` oldest waiting rows, in batches; later arrivals wait for the next wake-up."""
        limit = self.batch_rows * MAX_BATCH_FACTOR
        while count > 0:
            take = min(limit, count, len(self._pending))
            batch = [(self._seq + i + 1, *self._pending.popleft()) for i in range(take)]
            count -= take
            ok = self._commit(appender, batch)
            with self._done:
                self.stats.written += ok
                self.stats.failed += take - ok
                self.stats.batches += 1
                self._done.notify_all()

    def _commit(self, appender: duckdb.Appender, batch: list[Row]) -> int:
        """Append and commit a batch; on failure retry row by row so one bad row cannot lose the others."""
        try:
            appender.append_rows(batch)
            appender.flush()
            self._seq = batch[-1][0]
            return len(batch)
        except Exception:
            appender.clear()
            log.exception("usage ledger: writing a batch of %d rows failed; retrying row by row", len(batch))
        ok = 0
        for row in batch:
            row = (self._seq + 1, *row[1:])
            try:
                appender.append_row(*row)
                appender.flush()
                self._seq, ok = row[0], ok + 1
            except Exception as exc:  # a row the database refuses is reported, never retried forever
                appender.clear()
                log.error("usage ledger: lost one usage record (%s): %r", exc, row[:5])
        return ok

    def _maybe_fold(self, force: bool) -> None:
        """Fold committed rows into the rollup every FOLD_INTERVAL s or FOLD_ROWS rows (and when closing)."""
        behind = self._seq - self._folded
        due = time.monotonic() - self._last_fold >= FOLD_INTERVAL or behind >= FOLD_ROWS
        if behind <= 0 or not (due or force):
            return
        try:
            schema.fold(self.cursor, self._seq)
            self._folded = self._seq
            self.stats.folds += 1
        except Exception:  # the rows are safe in usage_calls; queries read unfolded rows directly
            log.exception("usage ledger: folding rows into the daily rollup failed; will retry")
        self._last_fold = time.monotonic()

    def pending(self) -> int:
        """Rows waiting to be committed."""
        return len(self._pending)

    def describe(self) -> dict[str, Any]:
        """Counters for logs and diagnostics."""
        return {**attrs.asdict(self.stats), "pending": self.pending()}
