"""The ledger's journal: usage rows made durable between two DuckDB commits.

Why: a DuckDB commit costs 1-4 ms of CPU whatever it holds (DuckDB binds and plans a statement per appender flush
and per INSERT), so committing every 100 ms cost the proxy ~6% of its requests/s at ~4,700 calls/s
(`bench/ledger_bench.py --only proxy`). The writer thread instead appends each batch here (one `write` and one
`fdatasync`, `fsync` where there is none; ~0.2 us of CPU per row to encode plain values) every
`usage.flush_interval`, and commits the journaled rows into DuckDB every `usage.commit_interval`, then empties the
journal. A row is as durable once journaled as once committed: both are on disk after an fdatasync.

Format: a sequence of frames, each a 20-byte header (magic `LRJ1`, payload length, CRC-32 of the payload, the
first row's ledger `seq`) and a payload: the numbered row tuples `(seq, *COLUMNS)` pickled (protocol 5); rows an
earlier version journaled lack the columns added since (`LEGACY_WIDTHS`), which read back as None. The file
is only ever read back by `read_frames`, whose unpickler admits no class at all (rows hold ints, floats, strings,
booleans and None) and whose rows must have the ledger's shape. A torn, damaged or foreign frame loses its own rows
only: reading goes on at the next intact frame (a hard kill in the middle of a write loses that batch, and opening
cuts the torn tail off).
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import struct
import zlib
from pathlib import Path
from typing import Any

import attrs

from larouter.usage.records import COLUMNS

log = logging.getLogger("larouter.usage")

FILENAME = "usage.journal"
MAGIC = b"LRJ1"
HEADER = struct.Struct("<4sIIQ")  # magic, payload bytes, CRC-32 of the payload, seq of the first row
MAX_PAYLOAD = 1 << 30
OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_datasync = getattr(os, "fdatasync", os.fsync)  # macOS and Windows have no fdatasync
Numbered = tuple[Any, ...]  # (seq, *row)
WIDTH = len(COLUMNS) + 1
# Rows journaled by earlier versions, whose last columns were not recorded then (None: not known): without the
# request ids (`request_id`, `upstream_request_id`), and, before that, without `baseline_model` too.
LEGACY_WIDTHS = (WIDTH - 2, WIDTH - 3)


class _RowUnpickler(pickle.Unpickler):
    """Rebuilds row tuples of plain values and refuses every class (a journal is data, never code)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} has no place in a usage journal")


def _rows(payload: bytes, first: int) -> list[Numbered] | None:
    """The frame's rows, or None when they are not numbered ledger rows starting at `first`."""
    try:
        rows = _RowUnpickler(io.BytesIO(payload)).load()
    except Exception:  # any damage: unpickling foreign bytes can fail in many ways
        return None
    if not isinstance(rows, list) or not rows:
        return None
    for i, row in enumerate(rows):
        if type(row) is not tuple or (len(row) != WIDTH and len(row) not in LEGACY_WIDTHS) or row[0] != first + i:
            if type(row) is tuple and len(row) > WIDTH and row[0] == first + i:
                raise NewerJournal(len(row))  # (an intact frame, CRC checked: a newer version's, not damage)
            return None
    return [row if len(row) == WIDTH else (*row, *(None,) * (WIDTH - len(row))) for row in rows]


class NewerJournal(ValueError):
    """The journal holds rows wider than this version writes: a newer LARouter's, not yet committed. Read as damage,
    they were cut off with a warning blaming a hard stop (review Y); the start is refused instead."""

    def __init__(self, width: int) -> None:
        super().__init__(f"rows of {width} values (this version writes {WIDTH})")


def _frame_at(data: bytes, pos: int) -> tuple[list[Numbered], int] | None:
    """The rows of an intact frame starting at `pos` and where it ends; None when none starts there."""
    if len(data) - pos < HEADER.size:
        return None
    magic, size, crc, first = HEADER.unpack_from(data, pos)
    end = pos + HEADER.size + size
    if magic != MAGIC or size > MAX_PAYLOAD or end > len(data):
        return None
    payload = data[pos + HEADER.size:end]
    rows = _rows(payload, first) if zlib.crc32(payload) == crc else None
    return None if rows is None else (rows, end)


def read_frames(data: bytes) -> tuple[list[Numbered], int, list[tuple[int, int]]]:
    """The rows of the intact frames in `data`, where the last of them ends, and the damaged byte ranges skipped.

    A damaged frame loses its own rows only: reading goes on at the next intact frame after it (found by its
    magic, then checked by its CRC and the rows' shape). Bytes after the last intact frame are a write cut short
    (a hard stop) or damage; they are reported as the last range."""
    rows: list[Numbered] = []
    skipped: list[tuple[int, int]] = []
    pos = good = 0
    while pos < len(data):
        frame = _frame_at(data, pos)
        if frame is not None:
            rows.extend(frame[0])
            pos = good = frame[1]
            continue
        nxt = data.find(MAGIC, pos + 1)  # the next place a frame may start; tried on the next turn
        end = len(data) if nxt < 0 else nxt
        if skipped and skipped[-1][1] == pos:  # a magic inside damage: one range
            skipped[-1] = (skipped[-1][0], end)
        else:
            skipped.append((pos, end))
        pos = end
    return rows, good, skipped


def _sync_dir(directory: Path) -> None:
    """fsync a directory where the platform can (POSIX); elsewhere nothing."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@attrs.define(eq=False)
class Journal:
    """An open journal file; used by the ledger's writer thread only."""

    path: Path
    _fd: int
    size: int = 0

    @classmethod
    def open(cls, path: Path) -> tuple["Journal", list[Numbered]]:
        """Open (creating) the journal and return it with the rows it holds; a damaged tail is cut off (blocking)."""
        created = not path.exists()
        fd = os.open(path, OPEN_FLAGS, 0o600)
        try:
            if created:
                _sync_dir(path.parent)  # the new file's name must survive a power loss too
            with open(fd, "rb", closefd=False) as fh:
                data = fh.read()
            rows, good, skipped = read_frames(data)
            for start, end in skipped:
                if end == len(data):
                    log.warning("usage ledger: ignored the last %d bytes of %s (a write cut short by a hard stop, "
                                "or damage); %d usage records read before them", end - start, path, len(rows))
                else:
                    log.error("usage ledger: skipped %d damaged bytes at offset %d of %s (the usage records in "
                              "them are lost); the intact records after them were read", end - start, start, path)
            if good < len(data):
                os.ftruncate(fd, good)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, good), rows

    def append(self, rows: list[Numbered]) -> None:
        """Write one frame and make it durable; on failure the file is as before and OSError names the file."""
        payload = pickle.dumps(rows, protocol=5)
        frame = HEADER.pack(MAGIC, len(payload), zlib.crc32(payload), rows[0][0]) + payload
        try:
            os.lseek(self._fd, self.size, os.SEEK_SET)
            done = 0
            while done < len(frame):
                done += os.write(self._fd, memoryview(frame)[done:])
            _datasync(self._fd)
        except OSError as exc:
            try:
                os.ftruncate(self._fd, self.size)
            except OSError:
                pass  # a torn frame left behind is cut off when the journal is next opened
            raise OSError(exc.errno, f"{exc.strerror}: '{self.path}'") from None
        self.size += len(frame)

    def clear(self) -> None:
        """Empty the journal once its rows are committed to DuckDB (a crash before this is harmless: rows the
        ledger already holds are skipped by their seq when the journal is read back)."""
        if self.size:
            os.ftruncate(self._fd, 0)
            self.size = 0

    def close(self) -> None:
        """Close the file (its content stays for the next start)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
