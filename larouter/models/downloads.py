"""Model downloads: huggingface_hub on a worker thread, progress for many listeners, resume, verify, cancel.

A download fetches its files (GGUF, then mmproj) on one daemon thread that only posts to the event loop.
huggingface_hub 2.x's `hf_hub_download` deletes its partial file on failure, and its `http_get` retries and sleeps
on its own (past a cancel, and past our retry budget), so we use its lower layers: `get_hf_file_metadata` (HEAD: LFS
sha256, size) and its HTTP session for one GET at a time (`hub_http.rest_of_file`, with `Range`, appending to our
own `.<name>.<etag16>.part`, kept on cancel, error and restart). Every attempt, and every wait between two, is ours.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import fcntl
import glob
import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator, BinaryIO, Callable
from urllib.parse import urlsplit

import attrs

from larouter.models.catalog import free_disk
from larouter.models.checked import checked, on_disk, source, stale
from larouter.models.hub_http import Backoff, DownloadError, describe, rest_of_file

log = logging.getLogger("larouter.downloads")
TERMINAL = frozenset({"done", "error", "cancelled"})
CANCELLED = "download cancelled; the partial file is kept and the next request for this model resumes it"
SHUT_DOWN = ("larouterd is shutting down; the partial file is kept and the next request for this model (once "
             "larouterd runs again) resumes it")
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})  # no space left on device, disk quota exceeded


class Cancelled(Exception):
    """Raised on the worker thread once a cancel was asked."""


@attrs.frozen
class FileJob:
    """One file to fetch: where from, where to, what we expect (size 0 / sha256 None: unknown)."""

    repo: str
    file: str
    revision: str
    dest: Path
    size: int = 0
    sha256: str | None = None

    @property
    def source(self) -> dict[str, str]:
        """Where the file comes from, as its record (`checked.py`) keeps it."""
        return source(self.repo, self.revision, self.file)

    def partial(self, etag: str) -> Path:
        """The resumable partial file for this content version."""
        return self.dest.with_name(f".{self.dest.name}.{etag[:16]}.part")

    def partials(self) -> list[Path]:
        """Every partial file of this destination, whatever its version."""
        return [Path(p) for p in glob.glob(str(self.dest.with_name(f".{glob.escape(self.dest.name)}.*.part")))]

    def partial_bytes(self) -> int:
        """Bytes already downloaded (0 when none)."""
        return max((p.stat().st_size for p in self.partials()), default=0)


def storage_message(needed: int, free: int, reserve: int, where: Path, unknown: str | None = None) -> str:
    """Why a download cannot fit: it needs `needed` more bytes, not counting the files named in `unknown`, whose size
    the hub tells only when their download starts (a model registered by repo without `sizeBytes`)."""
    if unknown and not needed:
        wants = f"the size of {unknown} is not known yet"
    elif unknown:
        wants = f"the download needs at least {readable_bytes(needed)} without {unknown}, whose size is not known yet"
    else:
        wants = f"the download needs {readable_bytes(needed)}"
    return (f"not enough disk space: {wants}; {readable_bytes(reserve)} must stay free (local.disk_reserve_bytes) "
            f"and only {readable_bytes(free)} are free on {where}")


def disk_full_message(file: str, where: Path, kept: int, free: int, reserve: int) -> str:
    """Why a download stopped when the disk filled up part-way (something else wrote to it meanwhile, or it was
    smaller than it looked), and what to do: free space, then resume; raise the reserve to keep more room."""
    kept_note = f"; the {readable_bytes(kept)} downloaded are kept" if kept else ""
    return (f"the disk is full: writing {file} to {where} failed (no space left on device){kept_note}. Free some "
            f"space there ({readable_bytes(free)} free now) and request the download again: it resumes from the bytes "
            f"kept. local.disk_reserve_bytes, now {readable_bytes(reserve)}, is the space a download must leave free; "
            "raise it if other writers fill this disk while a download runs")


UNITS = (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3))


def readable_bytes(n: int) -> str:
    """`21.2 MB (21,216,128 bytes)`, `1.0 GB (999,960,000 bytes)` (not 1000.0 MB); `512 bytes`."""
    for i, (unit, size) in enumerate(UNITS):
        if n >= size:
            if i and round(n / size, 1) >= 1000:
                unit, size = UNITS[i - 1]
            return f"{n / size:.1f} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


@attrs.frozen
class FileFetch:
    """Thread side of one file of a download: HEAD, resumable GET, sha256 verify, atomic rename."""

    dl: Download
    index: int
    endpoint: str
    reserve: int
    post: Callable[..., None]
    chunk: int = 1024 * 1024  # bytes between two progress reports of a transfer
    backoff: Backoff = Backoff()

    @property
    def job(self) -> FileJob:
        return self.dl.jobs[self.index]

    def run(self) -> dict[str, Any]:
        """Fetch the file (or keep the one on disk); `{path, sha256, verified, checkedAt}` (`checked.py`)."""
        job = self.job
        if job.dest.is_file() and not stale(job.dest, job.sha256, job.source):
            size = job.dest.stat().st_size
            self.post(self.dl.set_size, self.index, size)
            self.post(self.dl.set_have, self.index, size, 0)
            return on_disk(job.dest)
        try:
            url, etag, size, want = self._metadata()
            part = self._transfer(url, etag, size)
            return self._verify(part, want)
        except (Cancelled, DownloadError):
            raise
        except Exception as exc:  # huggingface_hub, network or disk: one clean line for the user
            if isinstance(exc, OSError) and exc.errno in DISK_FULL:
                where = job.dest.parent
                raise DownloadError(disk_full_message(job.file, where, job.partial_bytes(), free_disk(where),
                                                      self.reserve)) from None
            raise DownloadError(describe(exc, job)) from None

    def _check(self) -> None:
        """Stop here when a cancel was asked."""
        if self.dl.cancel_flag.is_set():
            raise Cancelled()

    def _retrying(self, attempt: Callable[[], Any], have: Callable[[], int] | None = None) -> Any:
        """`attempt()`, retried while the hub is unreachable or failing (5xx, 429, a dropped or timed-out
        connection) with `backoff`; a cancel ends the wait between attempts at once (huggingface_hub's own retries
        sleep through it). `have()` (a transfer's bytes on disk): an attempt that brought bytes before it failed
        starts the count again, so a flaky link slows a long file down without failing it. Anything else (404,
        401, a full disk, a bad checksum) fails at once; the last failure says how many attempts were made."""
        failures = attempts = 0
        while True:
            self._check()
            before = have() if have else 0
            attempts += 1
            try:
                return attempt()
            except (Cancelled, DownloadError):
                raise
            except Exception as exc:
                if have and have() > before:
                    failures = 0
                wait = self.backoff.wait(exc, failures)
                if wait is None:
                    raise
                if failures == self.backoff.retries:
                    kept = have() if have else 0
                    raise DownloadError(f"{describe(exc, self.job)}; gave up after {attempts} attempts"
                                        + (f"; the {readable_bytes(kept)} downloaded are kept and the next request "
                                           "resumes them" if kept else "")) from None
                failures += 1
                why = f"{describe(exc, self.job)}; retrying in {wait:g} s ({failures} of {self.backoff.retries})"
                log.warning("download %s: %s", self.dl.id, why)
                self.post(self.dl.set_retry, why)  # the progress stream says so (status "retrying")
                if self.dl.cancel_flag.wait(wait):
                    raise Cancelled() from None
                self.post(self.dl.set_retry, None)

    def _metadata(self) -> tuple[str, str, int, str | None]:
        """HEAD the file (retrying a failing hub)."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url  # imported on first use, in this worker thread

        job = self.job
        url = hf_hub_url(job.repo, job.file, revision=job.revision, endpoint=self.endpoint)
        meta = self._retrying(lambda: get_hf_file_metadata(url, endpoint=self.endpoint, retry_on_errors=False))
        self._check()
        if not meta.etag or meta.size is None:
            raise DownloadError(f"the hub sent no ETag or size for {job.repo}/{job.file}")
        hub_sha = meta.etag.lower() if len(meta.etag) == 64 else None  # an LFS ETag is the sha256
        if hub_sha and job.sha256 and hub_sha != job.sha256.lower():
            raise DownloadError(f"{job.file}: the catalog's sha256 {job.sha256} differs from the hub's {hub_sha}")
        self.post(self.dl.set_size, self.index, meta.size)
        return meta.location, meta.etag, meta.size, (job.sha256 or hub_sha)

    def _transfer(self, url: str, etag: str, size: int) -> Path:
        """GET the file into its partial, resuming from what is there; a failure mid-file (a dropped connection,
        then a 503) is retried from the bytes already written, like the metadata."""
        self._check()  # before touching any file
        part, job = self.job.partial(etag), self.job
        for old in job.partials():
            if old != part:
                old.unlink(missing_ok=True)
        job.dest.parent.mkdir(parents=True, exist_ok=True)
        self._retrying(lambda: self._get(url, part, size), have=job.partial_bytes)
        return part

    def _get(self, url: str, part: Path, size: int) -> None:
        """One GET of the rest of the file, appended to its partial; progress never goes back (the first report is
        the bytes on disk, at least what was reported before), and nothing is written once a cancel was asked."""
        job = self.job
        with part.open("ab") as fh:
            _lock(fh, job.file)
            have = fh.tell()
            if have > size:
                fh.truncate(0)
                have = 0
            self.post(self.dl.set_have, self.index, have, 0)
            if have == size:  # complete already (a stop between the last byte and the rename)
                return
            if (free := free_disk(part.parent)) - (size - have) < self.reserve:
                if not have:  # (made by this open: no bytes of it to keep for a resume)
                    part.unlink(missing_ok=True)
                raise DownloadError(storage_message(size - have, free, self.reserve, part.parent))
            from huggingface_hub.utils import build_hf_headers

            headers = build_hf_headers()
            if urlsplit(url).netloc != urlsplit(self.endpoint).netloc:
                headers.pop("authorization", None)  # signed CDN URL: the token stays with the hub
            unreported = 0
            try:
                with contextlib.closing(rest_of_file(url, have, size, headers)) as blocks:
                    for block in blocks:
                        self._check()
                        fh.write(block)
                        have, unreported = have + len(block), unreported + len(block)
                        if unreported >= self.chunk:
                            self.post(self.dl.set_have, self.index, have, unreported)
                            unreported = 0
            finally:  # the bytes written before a failure count too, so the next attempt does not report them again
                if unreported:
                    self.post(self.dl.set_have, self.index, have, unreported)

    def _verify(self, part: Path, want: str | None) -> dict[str, Any]:
        self.post(self.dl.set_status, "verifying")
        digest = hashlib.sha256()
        with part.open("rb") as fh:
            while block := fh.read(4 * 1024 * 1024):
                if self.dl.cancel_flag.is_set():
                    raise Cancelled()
                digest.update(block)
        got = digest.hexdigest()
        if want and got != want.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(f"{self.job.file}: sha256 mismatch (expected {want}, got {got}); the bad file was removed")
        os.replace(part, self.job.dest)
        self.post(self.dl.set_status, "downloading")
        return checked(self.job.dest, got, want is not None, self.job.source)


def _lock(fh: BinaryIO, name: str) -> None:  # a second writer (process, cancelled thread) is an error, not corruption
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise DownloadError(f"another download is writing {name}; try again when it stops") from None


@attrs.define(eq=False)
class Download:
    """One model download: files, live state, listeners. Mutated only on the event loop."""

    id: str
    model_id: str
    quant: str
    jobs: tuple[FileJob, ...]
    status: str = "queued"
    error: str | None = None
    retry: str | None = None  # while waiting to try again: what failed and when the next attempt comes
    files: list[dict[str, Any]] = attrs.Factory(list)
    cancel_flag: threading.Event = attrs.Factory(threading.Event)
    idle: asyncio.Event = attrs.Factory(asyncio.Event)  # set once no thread touches the files any more
    task: asyncio.Task[None] | None = None
    thread_alive: bool = False
    have: list[int] = attrs.field(init=False)
    sizes: list[int] = attrs.field(init=False)
    received: int = 0
    samples: collections.deque[tuple[float, int]] = attrs.Factory(lambda: collections.deque(maxlen=64))
    listeners: set[asyncio.Event] = attrs.Factory(set)

    def __attrs_post_init__(self) -> None:
        self.have, self.sizes = [0] * len(self.jobs), [j.size for j in self.jobs]

    def rate(self) -> int:
        """Bytes per second received over the last few seconds (resumed bytes do not count)."""
        now = time.monotonic()
        while len(self.samples) > 2 and now - self.samples[0][0] > 5.0:
            self.samples.popleft()
        if len(self.samples) < 2 or self.status != "downloading":
            return 0
        (t0, b0), (_, b1) = self.samples[0], self.samples[-1]
        return int((b1 - b0) / max(now - t0, 1e-3))

    def snapshot(self) -> dict[str, Any]:
        """State as the API shows it; `eta` in seconds, or null when unknown."""
        done, total, rate = sum(self.have), sum(self.sizes), self.rate()
        eta = round(max(total - done, 0) / rate, 1) if rate > 0 else None
        return {"id": self.id, "modelId": self.model_id, "quantization": self.quant, "status": self.status,
                "bytes": done, "total": total, "bytesPerSecond": rate, "eta": eta, "error": self.error, "retry": self.retry,
                "files": list(self.files), "progressUrl": f"/api/models/download/{self.id}/progress"}

    def set_size(self, index: int, size: int) -> None:
        """The hub told us a file's real size."""
        self.sizes[index] = size
        self._changed()

    def set_have(self, index: int, have: int, delta: int) -> None:
        """A file now has `have` bytes on disk, `delta` of them just received."""
        self.have[index] = have
        self.received += delta
        self.samples.append((time.monotonic(), self.received))
        self._changed()

    def set_status(self, status: str) -> None:
        """Move between non-terminal statuses (downloading, verifying)."""
        if self.status not in TERMINAL:
            self.status = status
            self._changed()

    def set_retry(self, why: str | None) -> None:
        """Waiting to try again (status "retrying", `why` says what failed and when), or trying again (None)."""
        if self.status not in TERMINAL:
            self.retry = why
            if why is not None:
                self.status = "retrying"
            elif self.status == "retrying":
                self.status = "downloading"
            self._changed()

    def finish(self, status: str, error: str | None = None, files: list[dict[str, Any]] | None = None) -> None:
        """Enter a terminal status once, and wake every listener."""
        if self.status in TERMINAL:
            return
        self.status, self.error, self.files = status, error, files or self.files
        if not self.thread_alive:
            self.idle.set()
        self._changed()

    def thread_ended(self) -> None:
        """The worker thread returned: the files are free."""
        self.thread_alive = False
        self.idle.set()

    def _changed(self) -> None:
        for ev in self.listeners:
            ev.set()

    async def watch(self, heartbeat: float) -> AsyncIterator[dict[str, Any] | None]:
        """Current state, then changes (coalesced when slow) to the terminal one; None after `heartbeat` quiet s."""
        ev = asyncio.Event()
        ev.set()
        self.listeners.add(ev)
        try:
            while True:
                if ev.is_set():
                    ev.clear()
                    yield (snap := self.snapshot())
                    if snap["status"] in TERMINAL:
                        return
                try:
                    await asyncio.wait_for(ev.wait(), heartbeat)
                except TimeoutError:
                    yield None
        finally:
            self.listeners.discard(ev)

