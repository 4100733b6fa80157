"""The hub side of a download: one GET of the rest of a file, which failures are worth another attempt and after
how long, and one line for the user about each failure.

Nothing here retries or sleeps: the caller (`FileFetch`, on the download's worker thread) owns every attempt and
waits between them on its cancel flag. huggingface_hub is imported on first use, on that thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import attrs

if TYPE_CHECKING:
    from larouter.models.downloads import FileJob

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
TRANSPORT_ERRORS = ("TransportError",)  # httpx's (or huggingface_hub 2.x's httpx2's), matched by class name


class DownloadError(Exception):
    """A failure whose message is fit for the user (never retried)."""


class Interrupted(Exception):
    """The hub ended a file's body early without the HTTP client noticing (retried like a dropped connection)."""


@attrs.frozen
class Backoff:
    """How a failing hub is retried: `retries` more attempts after a failure, waiting `first`, twice that, and so
    on up to `cap` seconds (a 429's Retry-After plus one second, up to `retry_after_cap`). Tests shorten the waits
    (`DownloadManager.backoff`), never their number."""

    retries: int = 5
    first: float = 1.0
    cap: float = 8.0
    retry_after_cap: float = 60.0

    def wait(self, exc: Exception, failures: int) -> float | None:
        """Seconds to wait after `exc`, the `failures`-th failure in a row (from 0); None: not worth retrying
        (a 4xx other than 408 and 429, a full disk, a bad checksum)."""
        from huggingface_hub.errors import HfHubHTTPError

        backoff = min(self.first * 2**failures, self.cap)
        response = exc.response if isinstance(exc, HfHubHTTPError) else None
        if response is None:  # refused, reset, timed out, cut short
            return backoff if isinstance(exc, Interrupted) or _transport(exc) else None
        if response.status_code not in RETRY_STATUS:
            return None
        after = response.headers.get("Retry-After", "")
        if response.status_code == 429 and after.isascii() and after.isdigit():
            return min(float(after) + 1, self.retry_after_cap)
        return backoff


def _transport(exc: BaseException) -> bool:
    return any(c.__name__ in TRANSPORT_ERRORS for c in type(exc).__mro__)


def rest_of_file(url: str, have: int, size: int, headers: dict[str, str]) -> Iterator[bytes]:
    """GET bytes `have`.. of a `size`-byte file (a Range request when have > 0) and yield them as they arrive (no
    byte received waits in a buffer, so a connection that breaks loses none). A hub that ignores the Range (200)
    has the bytes already held skipped, not sent to the file again; a body that ends early raises Interrupted; an
    HTTP error raises huggingface_hub's HfHubHTTPError."""
    from huggingface_hub import constants
    from huggingface_hub.utils import hf_raise_for_status, http_stream_backoff

    headers = {**headers, "Accept-Encoding": "identity"}  # offsets in the file, not in a compressed stream
    if have:
        headers["Range"] = f"bytes={have}-"
    with http_stream_backoff("GET", url, headers=headers, timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT, max_retries=0,
                             retry_on_exceptions=(), retry_on_status_codes=()) as response:
        hf_raise_for_status(response)
        skip = have if response.status_code == 200 else 0
        if response.status_code == 206 and not response.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            raise DownloadError(f"the hub answered a request for bytes {have:,} on with "
                                f"{response.headers.get('Content-Range')!r}")
        for block in response.iter_bytes():
            if skip:
                cut = min(skip, len(block))
                block, skip = block[cut:], skip - cut
            if not block:
                continue
            if have + len(block) > size:
                raise DownloadError(f"the hub sent more than the {size:,} bytes it announced")
            have += len(block)
            yield block
    if have < size:
        raise Interrupted(f"the hub ended the file after {have:,} of its {size:,} bytes")


def describe(exc: Exception, job: FileJob) -> str:
    """A one-line, secret-free message for a huggingface_hub or network failure."""
    from huggingface_hub import errors as hf_errors

    for cls, msg in (
        (hf_errors.GatedRepoError, "{repo} is gated: accept its licence on Hugging Face and set HF_TOKEN for the daemon"),
        (hf_errors.RepositoryNotFoundError, "repository {repo} was not found on the hub (or it is private)"),
        (hf_errors.RevisionNotFoundError, "revision {revision} was not found in {repo}"),
        (hf_errors.RemoteEntryNotFoundError, "file {file} was not found in {repo}@{revision}"),
    ):
        if isinstance(exc, cls):
            return msg.format(repo=job.repo, revision=job.revision, file=job.file)
    where = f"{job.repo}/{job.file}"
    if isinstance(exc, hf_errors.HfHubHTTPError) and exc.response is not None:
        response = exc.response
        said = " ".join(response.headers.get("X-Error-Message", "").split())[:200]
        status = f"{response.status_code} {response.reason_phrase}".strip()
        return f"the hub answered HTTP {status} for {where}" + (f": {said}" if said else "")
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    if isinstance(exc, Interrupted):
        return f"{first} ({where})"
    names = {c.__name__ for c in type(exc).__mro__}
    if "TimeoutException" in names:
        return f"the hub did not answer in time for {where} ({type(exc).__name__})"
    if "ConnectError" in names:
        return f"could not connect to the hub for {where}: {first}"
    if _transport(exc):
        return f"the connection to the hub broke during {where}: {first}"
    return f"downloading {where} failed: {type(exc).__name__}: {first}"
