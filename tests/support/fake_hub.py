"""A real aiohttp app on loopback answering the Hugging Face `resolve` endpoints huggingface_hub uses to download.

`HEAD|GET /{owner}/{name}/resolve/{revision}/{path}` answers with `X-Repo-Commit`, `ETag` and (for LFS files)
`X-Linked-Etag` (the sha256) and `X-Linked-Size`; GET honours `Range: bytes=N-`. Faults, per file name:
  drop_after[file] = n    the next GET sends n bytes of its body, then drops the connection (once)
  drop_at[file] = n       every GET drops the connection at byte n of the file (one from n on sends no byte)
  refuse_after_drop[file] = n  after a drop, the next n requests for the file are refused (see refuse)
  ignore_range            files whose GET answers 200 and the whole file whatever the Range asks
  corrupt                 files served with flipped bytes (the advertised sha256 stays the real one)
  trickle[file] = (n, s)  send n bytes every s seconds (for cancel and restart tests)
  slow_from[file] = (b, s)  from byte b of the file on, s seconds between those steps instead: a download that stays
                          part-way for seconds whatever the machine's load (a stall would do it, but then a cancel
                          has no next chunk to be noticed by: its thread is given up on after a grace)
  refuse[file] = n        the next n requests for the file answer `refuse_status` (503 unless set)
  stall                   requests for these files get no answer while the name is in the set (connecting)
With `cdn` set (a base URL of this same app under another host name), resolve answers like the real hub does
for LFS files: 302 to `{cdn}/cdn/{sha256}` carrying the metadata headers; the CDN path serves the bytes.
Every request is recorded (method, path, Range header, whether it carried Authorization) for assertions.
"""

from __future__ import annotations

import asyncio
import hashlib
import random

import attrs
from aiohttp import web

COMMIT = "0123456789abcdef0123456789abcdef01234567"
STALL_LIMIT = 30.0  # seconds a stalled request waits at most, so a forgotten stall cannot hang the suite
STALL_POLL = 0.01


@attrs.frozen
class HubFile:
    """One file in a fake repo."""

    data: bytes
    lfs: bool = True

    @property
    def sha256(self) -> str:
        """The LFS oid: sha256 of the content."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def git_oid(self) -> str:
        """What the hub sends as ETag for a non-LFS file (a git blob sha1)."""
        return hashlib.sha1(b"blob %d\0" % len(self.data) + self.data).hexdigest()


@attrs.frozen
class Hit:
    """One request the hub saw."""

    method: str
    path: str
    range: str | None
    auth: bool = False


@attrs.define
class HubState:
    """Repos, faults and the request log."""

    repos: dict[str, dict[str, HubFile]] = attrs.Factory(dict)
    drop_after: dict[str, int] = attrs.Factory(dict)
    drop_at: dict[str, int] = attrs.Factory(dict)
    refuse_after_drop: dict[str, int] = attrs.Factory(dict)
    ignore_range: set[str] = attrs.Factory(set)
    refuse_status: int = 503
    corrupt: set[str] = attrs.Factory(set)
    trickle: dict[str, tuple[int, float]] = attrs.Factory(dict)
    refuse: dict[str, int] = attrs.Factory(dict)
    stall: set[str] = attrs.Factory(set)
    slow_from: dict[str, tuple[int, float]] = attrs.Factory(dict)
    hits: list[Hit] = attrs.Factory(list)
    disconnects: list[str] = attrs.Factory(list)
    cdn: str | None = None

    def add(self, repo: str, filename: str, data: bytes, lfs: bool = True) -> HubFile:
        """Publish a file; return it."""
        file = HubFile(data, lfs)
        self.repos.setdefault(repo, {})[filename] = file
        return file

    def gets(self, filename: str) -> list[Hit]:
        """The GET requests for a file, in order."""
        return [h for h in self.hits if h.method == "GET" and h.path.endswith("/" + filename)]


HUB = web.AppKey("hub", HubState)


def random_bytes(size: int, seed: int = 0) -> bytes:
    """Deterministic pseudo-random content (incompressible, so sizes are honest)."""
    return random.Random(seed).randbytes(size)


def _missing(code: str, what: str) -> web.Response:
    return web.Response(status=404, text=f"{what} not found", headers={"X-Error-Code": code, "X-Repo-Commit": COMMIT})


def _lookup(state: HubState, request: web.Request) -> HubFile | web.Response:
    m = request.match_info
    repo = state.repos.get(f"{m['owner']}/{m['name']}")
    if repo is None:
        return _missing("RepoNotFound", "repository")
    if m["revision"] not in ("main", COMMIT):
        return _missing("RevisionNotFound", "revision")
    file = repo.get(m["path"])
    return file if file is not None else _missing("EntryNotFound", "entry")


def _headers(file: HubFile) -> dict[str, str]:
    headers = {"X-Repo-Commit": COMMIT, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
    if file.lfs:
        headers |= {"ETag": f'"{file.sha256}"', "X-Linked-Etag": f'"{file.sha256}"', "X-Linked-Size": str(len(file.data))}
    else:
        headers["ETag"] = f'"{file.git_oid}"'
    return headers


def _range_start(header: str | None, size: int) -> int | None:
    """The N of `bytes=N-` (the only form huggingface_hub sends), or None."""
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    start = int(header[len("bytes="):-1])
    return start if 0 <= start < size else None


async def _fault(state: HubState, name: str) -> web.Response | None:
    """Hold a stalled file's request while it stays stalled; answer a refused one with 503."""
    deadline = asyncio.get_running_loop().time() + STALL_LIMIT
    while name in state.stall and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(STALL_POLL)
    if state.refuse.get(name, 0) > 0:
        state.refuse[name] -= 1
        return web.Response(status=state.refuse_status, text="hub refused", headers={"X-Repo-Commit": COMMIT})
    return None


async def resolve(request: web.Request) -> web.StreamResponse:
    """HEAD or GET one file."""
    state = request.app[HUB]
    rng = request.headers.get("Range")
    state.hits.append(Hit(request.method, request.path, rng, "Authorization" in request.headers))
    if (fault := await _fault(state, request.match_info["path"].rsplit("/", 1)[-1])) is not None:
        return fault
    found = _lookup(state, request)
    if isinstance(found, web.Response):
        return found
    if state.cdn and found.lfs:
        location = f"{state.cdn}/cdn/{found.sha256}/{request.match_info['path']}"
        return web.Response(status=302, headers=_headers(found) | {"Location": location, "Content-Length": "0"})
    if request.method == "HEAD":
        return web.Response(headers=_headers(found) | {"Content-Length": str(len(found.data))})
    return await _send(request, found, _range_start(rng, len(found.data)))


async def cdn(request: web.Request) -> web.StreamResponse:
    """GET a blob by sha256 (the redirect target)."""
    state = request.app[HUB]
    rng = request.headers.get("Range")
    state.hits.append(Hit(request.method, request.path, rng, "Authorization" in request.headers))
    sha = request.match_info["sha"]
    found = next((f for repo in state.repos.values() for f in repo.values() if f.sha256 == sha), None)
    if found is None:
        return web.Response(status=404, text="no such blob")
    return await _send(request, found, _range_start(rng, len(found.data)))


async def _send(request: web.Request, file: HubFile, start: int | None) -> web.StreamResponse:
    state = request.app[HUB]
    name = request.match_info["path"].rsplit("/", 1)[-1]
    data = bytes(b ^ 0xFF for b in file.data) if name in state.corrupt else file.data
    start = None if name in state.ignore_range else start
    resp = web.StreamResponse(status=206 if start else 200, headers=_headers(file))
    if start:
        resp.headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
    body = memoryview(data)[start or 0:]
    resp.content_length = len(body)
    await resp.prepare(request)
    drop = state.drop_after.pop(name, None)
    if name in state.drop_at:
        drop = max(state.drop_at[name] - (start or 0), 0)
    if drop is not None:
        state.refuse[name] = state.refuse.get(name, 0) + state.refuse_after_drop.pop(name, 0)
        await resp.write(body[:drop])
        assert request.transport is not None
        request.transport.abort()
        return resp
    step, pause = state.trickle.get(name, (len(body) or 1, 0.0))
    slow_at, slow_pause = state.slow_from.get(name, (len(data), pause))
    cut = min(max(slow_at - (start or 0), 0), len(body))
    try:
        await _trickle(resp, body[:cut], step, pause)
        await _trickle(resp, body[cut:], step, slow_pause)
    except (ConnectionError, asyncio.CancelledError):
        state.disconnects.append(name)
        raise
    await resp.write_eof()
    return resp


async def _trickle(resp: web.StreamResponse, body: memoryview, step: int, pause: float) -> None:
    """Write `body` `step` bytes at a time, `pause` seconds apart."""
    for off in range(0, len(body), step):
        await resp.write(body[off:off + step])
        if pause:
            await asyncio.sleep(pause)


def make_fake_hub(state: HubState | None = None) -> web.Application:
    """The fake hub app; its state is `app[HUB]`."""
    app = web.Application()
    app[HUB] = state or HubState()
    route = "/{owner}/{name}/resolve/{revision}/{path:.+}"
    app.router.add_route("HEAD", route, resolve)
    app.router.add_get(route, resolve, allow_head=False)
    app.router.add_get("/cdn/{sha}/{path:.+}", cdn)
    return app


def sha256_hex(data: bytes) -> str:
    """Convenience for tests."""
    return hashlib.sha256(data).hexdigest()


__all__ = ["COMMIT", "HUB", "HubFile", "HubState", "Hit", "make_fake_hub", "random_bytes", "sha256_hex"]
