"""The ledger's writer thread: a bounded buffer, a journal made durable in batches, DuckDB commits of its rows.

`submit()` runs on the event loop: no I/O, no blocking, a deque append (and an Event set once `batch_rows` wait, or
when the thread is parked). With nothing to write, commit, fold or retry the thread parks: it waits, with no timeout
(or until the next fold is due), for a row, a call that starts (`nudge()`: the calls in flight are saved at each
flush), `wait_flushed()` or `close()`; it then waits `flush_interval` s more, so the rows that follow go in the same
batch (review BF: it woke every `flush_interval` s for ever, 10 times a second on an idle daemon). While rows wait,
it wakes every `flush_interval` s (or on that Event), numbers the waiting rows, stages them in the loader
(`loader.py`, DuckDB's appender) and appends them to the journal (`journal.py`: one write and fdatasync per batch
of at most `MAX_BATCH_FACTOR * batch_rows`). Every `commit_interval` s (or at that many journaled rows, at close,
and for `wait_flushed()`) the loader commits them in one transaction and the journal is emptied: a commit costs a
few ms whatever its size, so a busy ledger commits rarely and journals often. Every `FOLD_INTERVAL` s (or
`FOLD_ROWS` rows) the committed rows are folded into the per-day rollup the billing queries read.

Queue full (`queue_max` rows not yet committed, journaled ones included): the row is dropped, never waited for (a
stalled disk cannot stall the proxy), counted (`stats.dropped`) and logged, at most once per `DROP_LOG_EVERY` s.

Storage failures (disk full, I/O errors, a database DuckDB invalidated): requests are still served; a batch the
journal refuses goes back to the buffer's head, rows a commit refuses stay journaled, and the writer retries after a
back-off (`RETRY_FIRST` s doubling to `retry_max`), reopening an invalidated database (`reopen`; rows it already
holds are not written twice). The operator hears of it: an ERROR when it starts (then at most every
`FAIL_LOG_EVERY` s), a WARNING when writing works again, and `describe()` (`/health`): `failing`, `pending`,
`lastError`, `lastErrorAt`. A row whose cost DECIMAL cannot hold is committed with the cost unknown (loader.py);
any other row the database refuses for itself is reported and lost.

Durability: `close()` commits everything submitted (what DuckDB refuses stays journaled for the next start, what
not even the journal took is counted in `failed`). A hard kill loses the rows not yet journaled (the last
`flush_interval`'s, or what waits while the storage fails). A file deleted or replaced under the ledger is
noticed before the next commit, which goes to a new file at its path (`replaced`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable

import attrs
import duckdb

from larouter.usage import schema
from larouter.usage.journal import Journal, Numbered
from larouter.usage.loader import Loader
from larouter.usage.records import Row
from larouter.usage.writerstats import INVALIDATING, WriterStats, is_storage_error, one_line

log = logging.getLogger("larouter.usage")

MAX_BATCH_FACTOR = 20
DROP_LOG_EVERY = 10.0
FAIL_LOG_EVERY = 60.0
RETRY_FIRST = 0.25
RETRY_MAX = 5.0
FOLD_INTERVAL = 10.0
FOLD_ROWS = 100_000

@attrs.define(eq=False)
class Writer:
    """Bounded buffer plus one thread journaling batches and committing them to the ledger."""

    cursor: duckdb.DuckDBPyConnection
    batch_rows: int = 500
    flush_interval: float = 0.1
    queue_max: int = 100_000
    reopen: Callable[[], duckdb.DuckDBPyConnection] | None = None  # a fresh cursor after DuckDB invalidated the db
    replaced: Callable[[], str | None] | None = None  # why the file is no longer the ledger's path (then: reopen)
    flushed: Callable[[], None] | None = None  # after each write: the calls in flight saved (`inflight.py`)
    retry_max: float = RETRY_MAX
    journal: Journal | None = None
    commit_interval: float = 1.0
    recovered: list[Numbered] = attrs.Factory(list)  # rows read back from the journal at open
    held_at_start: tuple[Numbered, ...] = ()  # recovered rows the start could not commit (the storage failed)
    stats: WriterStats = attrs.Factory(WriterStats)
    _pending: deque[Row] = attrs.Factory(deque)
    _in_flight: int = 0
    loader: Loader = attrs.Factory(lambda: Loader(is_storage_error))  # journaled rows, not yet committed
    _wake: threading.Event = attrs.Factory(threading.Event)
    _done: threading.Condition = attrs.Factory(threading.Condition)
    _thread: threading.Thread | None = None
    _closing: bool = False
    _parked: bool = False  # the thread waits for work (`_rest`): `submit` and `nudge` wake it
    _closed: bool = False
    _sync: bool = False  # wait_flushed() asks for a commit now
    _last_drop_log: float = float("-inf")
    _seq: int = 0  # the last seq given to a row
    _committed: int = 0  # the last seq committed to DuckDB
    _last_commit: float = 0.0
    _folded: int = 0
    _last_fold: float = 0.0
    _failing: bool = False
    _broken: bool = False  # DuckDB invalidated the database: reopen before writing again
    _last_error: str | None = None
    _last_error_at: str | None = None  # when (UTC, ISO 8601) the storage last refused a write
    _failing_since: float = 0.0
    _retry_in: float = 0.0
    _retry_at: float = 0.0
    _last_fail_log: float = float("-inf")

    def start(self) -> None:
        """Continue numbering after the last recorded row (or journaled one), then start the writer thread."""
        self._seq = self._committed = schema.last_seq(self.cursor)
        self._folded = schema.folded_seq(self.cursor)
        self._last_fold = self._last_commit = time.monotonic()
        self.loader.open(self.cursor)
        self.loader.keep([row for row in self.recovered if row[0] > self._committed])
        self.recovered = []
        if self.loader.rows:
            self._seq = self.loader.rows[-1][0]
            self.stats.recovered = len(self.loader.rows)
            log.info("usage ledger: committing %d usage records from the journal (the last run stopped before "
                     "committing them)", len(self.loader.rows))
            self._commit()  # before the first query; on a storage failure the writer retries them
            self.held_at_start = tuple(self.loader.rows)  # what that commit left (none when it worked)
        self._thread = threading.Thread(target=self._run, name="larouter-ledger-writer", daemon=True)
        self._thread.start()

    def submit(self, row: Row) -> bool:
        """Queue one row without blocking; False (and counted) when closed or the buffer is full."""
        if self._closed or len(self._pending) + self._in_flight + len(self.loader.rows) >= self.queue_max:
            self._drop()
            return False
        self._pending.append(row)
        self.stats.submitted += 1
        if (self._parked or len(self._pending) >= self.batch_rows and not self._failing) and not self._wake.is_set():
            self._wake.set()  # (after the append: `_rest` says it parks, then looks at `_pending`)
        return True

    def nudge(self) -> None:
        """Something to flush that is no row (a call started: `inflight.py`): a parked thread wakes for it, and
        flushes `flush_interval` s later, as for a row (on the event loop; never blocks)."""
        if self._parked and not self._wake.is_set():
            self._wake.set()

    def _drop(self) -> None:
        self.stats.dropped += 1
        now = time.monotonic()
        if now - self._last_drop_log >= DROP_LOG_EVERY:
            self._last_drop_log = now
            why = "the ledger is closed" if self._closed else f"{self.queue_max} rows are waiting (usage.queue_max)"
            log.error("usage ledger: dropped a usage record because %s; %d dropped so far", why, self.stats.dropped)

    def wait_flushed(self, timeout: float | None = None) -> bool:
        """Block until every row submitted so far is committed to DuckDB (or lost); False on timeout (as while
        the storage fails). For queries that must see every call, tests and benchmarks."""
        target = self.stats.submitted + self.stats.recovered  # what written + failed count, recovered rows included
        with self._done:
            if self.stats.written + self.stats.failed >= target:
                return True
        self._sync = True
        self._wake.set()
        with self._done:
            return self._done.wait_for(lambda: self.stats.written + self.stats.failed >= target, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Refuse new rows, commit everything waiting, fold it into the rollup, stop the thread, close the journal
        (whatever DuckDB did not take stays in it for the next start)."""
        self._closed = self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("usage ledger: writer did not finish within %s s; %d rows not committed",
                          timeout, self.pending())
                return  # the thread still writes the journal
        if self.journal is not None:
            self.journal.close()

    def _run(self) -> None:
        while True:
            self._rest()
            closing = self._closing
            if closing or not self._failing or time.monotonic() >= self._retry_at:  # keep the back-off
                try:
                    self._write(closing)
                    if self.flushed is not None:
                        self.flushed()
                except Exception as exc:  # a bug must not end the thread (its rows would wait for ever, unsaid)
                    log.exception("usage ledger: unexpected error while writing; the rows are kept, retrying")
                    self._failed(exc)
            if closing:
                self._abandon()
                return

    def _rest(self) -> None:
        """Wait until the next retry, journal batch, commit or fold is due, or for work when none is."""
        sleep = self._sleep()
        if sleep is None or sleep > self.flush_interval and not self._failing:  # nothing waits to be written: park
            self._parked = True  # (before looking: a `submit` that appends after the look finds it set, and wakes us)
            if self._pending or self._closing or self._sync:
                woken = True
            else:
                woken = self._wake.wait(sleep)
            self._parked = False
            self._wake.clear()
            if not woken or self._closing or self._sync or len(self._pending) >= self.batch_rows:
                return  # (a fold due, or a flush asked for now)
            sleep = self.flush_interval  # a row, or a call that started: the batch it begins is flushed this late
        self._wake.wait(sleep)
        self._wake.clear()

    def _sleep(self) -> float | None:
        """Seconds until the next retry, journal batch, commit or fold; None: nothing to do."""
        now = time.monotonic()
        if self._failing:
            return max(0.0, self._retry_at - now)
        if self.loader.rows:
            return max(0.0, min(self.flush_interval, self._last_commit + self.commit_interval - now))
        if self._pending:
            return self.flush_interval
        if self._committed > self._folded:  # the fold timer, armed only while committed rows are not folded
            return max(0.0, self._last_fold + FOLD_INTERVAL - now)
        return None

    def _write(self, closing: bool) -> None:
        """Journal what is waiting, commit when due, then fold; stops at the first storage failure (the rows stay
        queued or journaled)."""
        sync, self._sync = self._sync, False
        retrying, failures = self._failing, self.stats.retries
        if self._broken and not self._reconnect():
            return
        self._drain(len(self._pending))
        if closing and not self._failing:
            self._drain(len(self._pending))
        if self.stats.retries != failures:
            return  # the journal refused: retry after the back-off
        if self.loader.rows and (closing or sync or retrying or self.journal is None
                               or time.monotonic() - self._last_commit >= self.commit_interval
                               or len(self.loader.rows) >= self.batch_rows * MAX_BATCH_FACTOR):
            self._commit()
        if not (self._failing and (self._pending or self.loader.rows)):
            self._maybe_fold(force=closing or self._failing)

    def _drain(self, count: int) -> None:
        """Journal the `count` oldest waiting rows, in batches; later arrivals wait for the next wake-up."""
        limit = self.batch_rows * MAX_BATCH_FACTOR
        while count > 0 and self._pending:
            take = self._in_flight = min(limit, count, len(self._pending))
            rows = [self._pending.popleft() for _ in range(take)]
            try:
                numbered = self.loader.buffer(rows, self._seq + 1)
                if numbered and self.journal is not None:
                    self.journal.append(numbered)
            except Exception as exc:  # a storage error: the batch waits at the head of the buffer
                self._pending.extendleft(reversed(rows))
                self._in_flight = 0
                self.loader.forget()
                self._failed(exc)
                return
            if numbered:
                self._seq = numbered[-1][0]
                self.loader.keep(numbered)
            self._in_flight = 0
            if len(numbered) < take:
                self._count(0, take - len(numbered))
            count -= take

    def _commit(self) -> None:
        """Commit the journaled rows to DuckDB (one statement), then empty the journal; first, when the file was
        deleted or replaced under the ledger, open the new one (its rows then go there)."""
        if self.replaced is not None and (why := self.replaced()) is not None:
            (log.debug if self._failing else log.error)(why)  # (once: retries to open the new file are not said)
            if not self._reconnect("(a new file)", renumber=True):
                return
        if not self.loader.rows:
            return
        last = self.loader.rows[-1][0]
        written, lost, error = self.loader.commit()
        if written or lost:
            self._committed = last if not self.loader.rows else self.loader.rows[0][0] - 1
            self.stats.batches += 1
            self._count(written, lost)
        if error is not None:
            self._failed(error)  # the rows not written stay journaled and kept
            return
        self._last_commit = time.monotonic()
        if self.journal is not None:
            try:
                self.journal.clear()
            except OSError as exc:  # harmless: rows the ledger holds are skipped when the journal is read back
                log.warning("usage ledger: could not empty %s: %s", self.journal.path, exc)
        self._recovered()

    def _count(self, written: int, lost: int) -> None:
        with self._done:
            self.stats.written += written
            self.stats.failed += lost
            self._done.notify_all()

    def _failed(self, exc: BaseException) -> None:
        """Enter (or stay in) the failing state: remember the error, back off, tell the operator (rate-limited)."""
        now = time.monotonic()
        first = not self._failing
        self._failing = True
        self.stats.retries += 1
        self._last_error = one_line(exc)
        self._last_error_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._broken = self._broken or isinstance(exc, INVALIDATING) or "invalidated" in str(exc)
        self._retry_in = min(RETRY_FIRST if first else self._retry_in * 2, self.retry_max)
        self._retry_at = now + self._retry_in
        if first:
            self._failing_since = now
        if first or now - self._last_fail_log >= FAIL_LOG_EVERY:
            self._last_fail_log = now
            log.error("usage ledger: cannot write (%s); requests are still served and %d usage records are kept "
                      "(at most usage.queue_max = %d) until writing works again; retrying every %g s at most",
                      self._last_error, self.pending(), self.queue_max, self.retry_max)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            log.warning("usage ledger: writing works again after %.1f s of failures (%d still waiting to be committed)",
                        time.monotonic() - self._failing_since, self.pending())

    def _reconnect(self, after: str = "after DuckDB invalidated it", renumber: bool = False) -> bool:
        """Open the database again (`after` says why, for the log); False while that fails (still failing). Another
        file (`renumber`): the rows waiting are numbered after its last, in the journal too."""
        if self.reopen is None:
            return True
        try:
            self.cursor = self.reopen()
            self.loader.open(self.cursor)
            last, self._folded = schema.last_seq(self.cursor), schema.folded_seq(self.cursor)
        except Exception as exc:
            self._failed(exc)
            return False
        if renumber:
            self.loader.rows[:] = [(last + 1 + i, *row[1:]) for i, row in enumerate(self.loader.rows)]
            self._seq = last + len(self.loader.rows)
            if self.journal is not None and self.loader.rows:
                self.journal.clear()
                self.journal.append(self.loader.rows)
        # A commit reported failed may have reached the write-ahead log after all: don't write its rows twice.
        held = 0 if renumber else self.loader.drop_committed(last)
        if held:
            self._count(held, 0)
        self._committed, self._seq, self._broken = last, max(self._seq, last), False
        log.warning("usage ledger: opened the database again %s", after)
        return True

    def _abandon(self) -> None:
        """At close: rows the database still refused stay in the journal for the next start; rows not even
        journaled are lost. Count and report them."""
        kept = len(self.loader.rows) if self.journal is not None else 0
        lost = len(self._pending) + len(self.loader.rows) - kept
        if not (lost or kept):
            return
        self._pending.clear()
        self.loader.rows.clear()
        with self._done:
            self.stats.failed += lost
            self._done.notify_all()
        if kept:
            log.error("usage ledger: stopping with %d usage records DuckDB did not take (%s); they stay in %s and "
                      "are committed by the next start that opens the ledger", kept, self._last_error, self.journal.path)
        if lost:
            log.error("usage ledger: stopping with %d usage records that could not be written (%s); they are lost",
                      lost, self._last_error)

    def _maybe_fold(self, force: bool) -> None:
        """Fold committed rows into the rollup every FOLD_INTERVAL s or FOLD_ROWS rows (and when closing)."""
        behind = self._committed - self._folded
        if behind <= 0:
            if not (self._pending or self.loader.rows):
                self._recovered()  # nothing left to write
            return
        if not (force or time.monotonic() - self._last_fold >= FOLD_INTERVAL or behind >= FOLD_ROWS):
            return
        self._last_fold = time.monotonic()
        try:
            schema.fold(self.cursor, self._committed)
        except Exception as exc:  # the rows are safe in usage_calls; queries read unfolded rows directly
            if is_storage_error(exc):
                self._failed(exc)
            else:
                log.exception("usage ledger: folding rows into the daily rollup failed; will retry")
            return
        self._folded = self._committed
        self.stats.folds += 1
        self._recovered()

    @property
    def failing(self) -> bool:
        """True while the storage refuses writes (rows are kept, up to queue_max)."""
        return self._failing

    def last_committed(self) -> int:  # the seq of the last row committed to DuckDB
        return self._committed

    def pending(self) -> int:
        """Rows not yet committed to DuckDB (journaled ones and the batch being written included)."""
        return len(self._pending) + self._in_flight + len(self.loader.rows)

    def describe(self) -> dict[str, Any]:
        """Counters and the failure state, for logs and `/health`."""
        return {**attrs.asdict(self.stats), "pending": self.pending(), "journaled": len(self.loader.rows),
                "failing": self._failing, "lastError": self._last_error, "lastErrorAt": self._last_error_at}
