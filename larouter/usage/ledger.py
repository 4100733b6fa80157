"""The usage ledger: a DuckDB file in LAROUTER_HOME with its journal, one writer thread, queries on worker threads.

Every method that touches the database blocks; call `open`/`close` via `run_in_executor` and queries via
`Ledger.run` (which does). `record` is the only method for the event loop: it never blocks and never raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar

import attrs
import duckdb

from larouter import __version__
from larouter.config import Settings
from larouter.configerr import ConfigError
from larouter.proxy.call import Call
from larouter.fsutil import PRIVATE_DIR, errno_of, private_file, unwritable_advice
from larouter.errors import LarouterError
from larouter.usage import journal, queries, schema
from larouter.usage.prices import PriceTable, load_price_file, shipped_price_table
from larouter.usage.pricing import Pricer
from larouter.usage import inflight
from larouter.usage.inflight import InFlight
from larouter.usage.records import COST, PROJECT, REQUEST_ID, TS, epoch_us, to_row, utc_naive, utc_now
from larouter.usage.writer import Writer

log = logging.getLogger("larouter.usage")
T = TypeVar("T")
FILENAME = "usage.duckdb"
QUERY_THREADS = 4
CATCH_UP_TIMEOUT = 2.0  # seconds a query waits for the writer to commit what was recorded before it


class LedgerError(RuntimeError):
    """The ledger file cannot be opened (another process holds it, or it is not a readable DuckDB database)."""


def newer_ledger(path: Path, exc: schema.NewerLedger) -> str:
    """Why a ledger a newer LARouter migrated is not opened, and what to do."""
    return (f"{path} was last opened by a newer LARouter: its usage ledger has migrations LARouter {__version__} does "
            f"not know ({', '.join(exc.unknown)}), so every call this version recorded would be lost. Run the newer "
            "LARouter again, or put back the copy of the file from before the upgrade (the calls recorded since are "
            f"not in it), and remove {path.name}.wal beside it if there is one (it would be replayed onto the copy)")


def read_price_file(settings: Settings) -> PriceTable | None:
    """The table named by `usage.prices_file`, if any (blocking: reads the file)."""
    name = settings.usage.prices_file
    return load_price_file(Path(name).expanduser()) if name else None


def build_pricer(settings: Settings) -> Pricer:
    """Config prices over `usage.prices_file` over the shipped table (blocking: reads the file)."""
    return Pricer.build(settings, shipped_price_table(), read_price_file(settings))


MEMORY_LIMIT = "64MB"


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating) the ledger file; a failure becomes a LedgerError saying what to do."""
    path.parent.mkdir(PRIVATE_DIR, parents=True, exist_ok=True)
    try:
        # Bounded buffer cache and few threads: the ledger must not grow with the file (RSS flat over a soak).
        con = duckdb.connect(str(path), config={"memory_limit": MEMORY_LIMIT, "threads": 1})
    except duckdb.Error as exc:
        raise LedgerError(open_failure(path, exc)) from None
    # DuckDB creates its files with the process umask (0644 under the usual 022): the ledger is private like every
    # other data file. larouterd also sets a 077 umask, so a WAL DuckDB makes again after a checkpoint is 0600 too.
    for name in (path, path.with_name(path.name + ".wal")):
        private_file(name)
    return con


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def open_journal(path: Path) -> tuple[journal.Journal, list[journal.Numbered]]:
    """Open the ledger's journal (blocking); a failure becomes a LedgerError naming the file."""
    try:
        return journal.Journal.open(path)
    except OSError as exc:
        raise LedgerError(f"cannot open the usage journal {path}: {exc.strerror or exc}") from None
    except journal.NewerJournal as exc:
        raise LedgerError(f"{path} holds usage records a newer LARouter wrote and has not committed yet ({exc}): "
                          "this version would drop them. Start the newer LARouter once and stop it (they are "
                          "committed then), or move the file aside to give them up") from None


def open_failure(path: Path, exc: BaseException) -> str:
    """The operator's message for a ledger that cannot be opened: a lock conflict, a data directory it may not write
    (read-only, permission), another error of the system's, or a file DuckDB cannot read as a database: only then
    the advice for a damaged file, since following it starts a new, empty ledger."""
    text = str(exc).strip()
    if "could not set lock" in text.lower() or "conflicting lock" in text.lower():
        return f"cannot open the usage ledger {path}: {text} (is another larouterd using this home?)"
    code = errno_of(text)
    if (advice := unwritable_advice(code, path.parent)) is not None:
        return f"cannot open the usage ledger {path}: {text}\n{advice}"
    if code is not None:  # the system refused (no space, too many open files, ...): nothing says the file is damaged
        return f"cannot open the usage ledger {path}: {text}\nThe file was left untouched: fix that, then start again."
    return (f"cannot open the usage ledger {path}: {text}\n"
            f"The file was left untouched. If it is damaged, stop here, move {path.name} (and {path.name}.wal, if "
            f"present) aside and keep them for recovery, or restore them from a backup; larouterd then starts "
            f"with a new, empty ledger.")


@attrs.define(eq=False)
class Ledger:
    """Owns the DuckDB connection, the writer, the pricer and the query threads."""

    path: Path
    con: duckdb.DuckDBPyConnection
    pricer: Pricer
    writer: Writer
    pool: ThreadPoolExecutor
    prices_file: str | None = None
    price_table: PriceTable | None = None
    clock: Callable[[], datetime] = utc_now
    inode: int | None = None  # of the file opened (`replaced`)
    inflight: InFlight | None = None  # the calls in flight, for the next start after a hard kill
    staged_prices: tuple[Settings, PriceTable | None] | None = None  # (`stage_prices`, for `reconfigure`)
    _cursor_lock: threading.Lock = attrs.Factory(threading.Lock)

    @classmethod
    def open(cls, settings: Settings) -> "Ledger":
        """Open `settings.home / usage.duckdb`, apply migrations, start the writer (blocking)."""
        table = read_price_file(settings)
        pricer = Pricer.build(settings, shipped_price_table(), table)
        path = settings.home / FILENAME
        con = connect(path)
        pool = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="larouter-ledger-query")
        log_file: journal.Journal | None = None
        try:
            schema.migrate(con)
            log_file, recovered = open_journal(settings.home / journal.FILENAME)  # after connect: DuckDB's lock is ours
            usage = settings.usage
            writer = Writer(con.cursor(), usage.batch_rows, usage.flush_interval, usage.queue_max, journal=log_file,
                            commit_interval=usage.commit_interval, recovered=recovered)
            ledger = cls(path, con, pricer, writer, pool, settings.usage.prices_file, table, inode=_inode(path),
                         inflight=InFlight(settings.home / inflight.FILENAME))
            writer.reopen, writer.replaced = ledger.reopen, ledger.replaced
            ledger.record_interrupted(settings)  # (with the recovered rows: committed at start, or held and counted)
            writer.start()
            writer.flushed = ledger.inflight.save
        except BaseException as exc:
            pool.shutdown(wait=False)
            if log_file is not None:
                log_file.close()
            with contextlib.suppress(duckdb.Error):
                con.close()
            if isinstance(exc, duckdb.Error):  # a damaged file that passed the header check
                raise LedgerError(open_failure(path, exc)) from None
            if isinstance(exc, schema.NewerLedger):
                raise LedgerError(newer_ledger(path, exc)) from None
            raise
        log.info("usage ledger at %s", path)
        return ledger

    def begin(self, call: Call) -> None:
        """A call starts (on the event loop): in flight until it is recorded (`inflight.py`)."""
        if self.inflight is not None:
            self.inflight.begin(call)
            self.writer.nudge()  # (a parked writer saves the calls in flight at its next flush, as it did polling)

    def record_interrupted(self, settings: Settings) -> None:
        """Record the calls the last run had in flight when it was killed, unless the ledger holds them (blocking;
        a failure is logged, never stops the start)."""
        assert self.inflight is not None
        try:
            calls = self.inflight.left_by_the_last_run(settings, self._holds)
            recovered = self.writer.recovered
            seq = max(schema.last_seq(self.con), recovered[-1][0] if recovered else 0)
            rows = [(seq + i, *to_row(call, self.pricer)) for i, call in enumerate(calls, 1)]
        except Exception:
            log.exception("usage ledger: the calls in flight at the last stop could not be recorded")
            return
        if rows:  # committed with the rows the journal gave back, before the first query (`Writer.start`)
            log.warning("usage ledger: recording %d calls that were in flight when larouterd was killed", len(rows))
            recovered.extend(rows)

    def _holds(self, keys: list[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of these (request id, start in µs) the ledger holds (committed, or left in the journal)."""
        held = {(row[1 + REQUEST_ID], row[1 + TS]) for row in self.writer.recovered}
        ids = sorted({key[0] for key in keys})
        rows = self.con.execute("SELECT request_id, epoch_us(ts) FROM usage_calls WHERE list_contains(?, request_id)",
                                [ids]).fetchall()
        return held | {(r[0], int(r[1])) for r in rows}

    def record(self, call: Call) -> float | None:
        """Queue the call's row for the writer and return its cost (None: unknown); on the event loop, never
        blocks, never raises."""
        if self.inflight is not None:
            self.inflight.end(call)
            self.writer.nudge()  # (its row is submitted below, unless building it fails: the file drops it then too)
        try:
            row = to_row(call, self.pricer)
        except Exception:  # a bug here must never fail the request being recorded
            log.exception("usage ledger: could not build the usage record of a %s call", call.requested_model)
            return None
        self.writer.submit(row)
        return row[COST]

    def stage_prices(self, settings: Settings) -> None:
        """Runtime-config check (on a worker thread, before a PATCH applies): read `usage.prices_file` for
        `reconfigure` (again even when its path is the same: the file may have been edited). A file that cannot be
        read refuses the PATCH (ConfigError)."""
        self.staged_prices = (settings, read_price_file(settings))

    def reconfigure(self, settings: Settings) -> None:
        """Runtime-config listener (on the event loop): re-price from the new settings, with the price file
        `stage_prices` read for them off the loop."""
        staged, self.staged_prices = self.staged_prices, None
        try:  # (a call without the check, which no PATCH makes: read here)
            table = staged[1] if staged is not None and staged[0] is settings else read_price_file(settings)
        except ConfigError as exc:
            log.error("usage ledger: keeping the previous prices: %s", exc)
            return
        self.pricer = Pricer.build(settings, shipped_price_table(), table)
        self.prices_file, self.price_table = settings.usage.prices_file, table

    async def spent_since(self, project: str, since: datetime, until: datetime) -> float:
        """Known cost (USD) recorded for `project` in [since, until): the budgets' spend source. Rows the last run
        left in the journal that the start could not commit (the storage failed) count until they are committed:
        a budget read meanwhile would not see them, and never reads again."""
        committed = self.writer.last_committed()  # (read first: a row committed meanwhile counts twice, never not at all)
        spent = await self.run(self.query, lambda cur: queries.spent_since(cur, project, utc_naive(since),
                                                                           utc_naive(until)))
        held = self.writer.held_at_start
        if held and held[-1][0] > committed:
            start, end = epoch_us(since), epoch_us(until)
            spent += sum(row[1 + COST] or 0.0 for row in held
                         if row[0] > committed and row[1 + PROJECT] == project and start <= row[1 + TS] < end)
        return spent

    def now(self) -> datetime:
        """The ledger's clock: the current time, aware UTC (periods and budget windows follow it)."""
        return self.clock()

    def today(self) -> date:
        """The current UTC date (periods are UTC calendar days, ISO weeks and calendar months)."""
        return self.clock().astimezone(timezone.utc).date()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor (own connection to the same database) for one query or export."""
        with self._cursor_lock:
            return self.con.cursor()

    def catch_up(self) -> None:
        """Commit the rows recorded so far before a query reads (blocking; a few ms when rows wait, nothing when
        none do), so a query sees every call finished before it; skipped while the storage fails."""
        if not self.writer.failing:
            self.writer.wait_flushed(CATCH_UP_TIMEOUT)

    def query(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `fn` with a fresh cursor, after `catch_up`, and close it (blocking)."""
        self.catch_up()
        cur = self.cursor()
        try:
            return fn(cur)
        finally:
            cur.close()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run a blocking function on the ledger's query threads; a DuckDB error (a damaged block of the file, say)
        is a 503 `ledger_unreadable` naming the file, logged with its traceback, never an unexplained 500."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        except duckdb.Error as exc:
            log.exception("usage ledger: reading %s failed", self.path)
            raise self.unreadable(exc) from None

    def unreadable(self, exc: BaseException) -> LarouterError:
        """The 503 for a ledger DuckDB could not read: what it said (first line), and what to do."""
        said = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        damaged = any(word in said.lower() for word in ("corrupt", "checksum", "invalid", "malformed", "damaged"))
        advice = (f" If the file is damaged, stop larouterd, move {self.path.name} aside (keep it for recovery) or "
                  "restore it from a backup, and start again." if damaged else "")
        return LarouterError(f"the usage ledger ({self.path.name} in larouterd's data directory) could not be read "
                             f"({said}); the daemon log has the details.{advice}", 503, "server_error",
                             "ledger_unreadable")

    def reopen(self) -> duckdb.DuckDBPyConnection:
        """Close every connection and open the file again (a new one, with the tables, when it is gone); return a
        new cursor for the writer (blocking).

        The writer's way back after DuckDB invalidated the database (a checkpoint failed on a full disk, say), or
        after the file was deleted or replaced under it (`replaced`).
        """
        with self._cursor_lock:
            for old in (self.writer.cursor, self.con):
                with contextlib.suppress(duckdb.Error):
                    old.close()
            self.con = connect(self.path)
            try:
                schema.migrate(self.con)  # (nothing to do unless the file is new)
            except schema.NewerLedger as exc:  # a newer LARouter's file put there: said as at a start (review Y)
                raise LedgerError(newer_ledger(self.path, exc)) from None
            self.inode = _inode(self.path)
            return self.con.cursor()

    def replaced(self) -> str | None:
        """Why the file the ledger writes is no longer `path` (deleted, or another file put there: an operator's
        clean-up of the data directory), else None; the writer asks before each commit (a stat: microseconds), and
        opens the new file rather than commit to one nobody will read again."""
        inode = _inode(self.path)
        if inode == self.inode:
            return None
        what = "deleted" if inode is None else "replaced by another file"
        return (f"usage ledger: {self.path} was {what} while larouterd runs; the records committed to it before are "
                "gone with it (restore it from a backup to keep them); recording goes on in the file there once it "
                "opens")

    def close(self) -> None:
        """Commit everything recorded, stop the writer and the query threads, close the file (blocking)."""
        self.writer.close()
        stats = self.writer.describe()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for con in (self.writer.cursor, self.con):
            try:
                con.close()  # the last close checkpoints; failing here leaves the rows in the write-ahead log
            except duckdb.Error as exc:
                log.error("usage ledger: closing %s failed: %s", self.path, exc)
        level = logging.WARNING if stats["dropped"] or stats["failed"] else logging.INFO
        log.log(level, "usage ledger closed: %(written)d rows written, %(dropped)d dropped, %(failed)d failed", stats)
