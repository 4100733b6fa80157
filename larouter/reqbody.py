"""Reading a request's body: within `server.body_timeout` (408 otherwise), decoded from gzip or deflate, as bytes or
as a JSON object.

The daemon's HTTP server does not decode request bodies itself (`auto_decompress=False`, `app.RUNNER_OPTIONS`): its
parser refused `br` and `zstd` with a plain-text 400 before any middleware ran, and a body that did not inflate broke
the connection. The error middleware answers 415 for an encoding outside `errors.DECODED_ENCODINGS`; gzip and deflate
are inflated here, never past `server.max_body_bytes` (413: a few KB of gzip can inflate to gigabytes)."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

from aiohttp import web

from larouter import appkeys
from larouter.errors import LarouterError, content_encoding
from larouter.proxy.validate import parse_json_object


# Compressed bodies larger than this inflate on a worker thread: a deflate stream inflates up to ~1,000 times, so
# 1 KiB is at most ~1 MB (~1 ms) on the loop (at 256 KiB, 32 KB of gzip inflated to 32 MiB there: 0.85 s, review Z1).
OFF_LOOP_BYTES = 1024


async def read_body(request: web.Request) -> bytes:
    """The request body, decoded, or 408 when a slow client does not deliver it within server.body_timeout (every
    endpoint that takes a body: a stalled one would hold its handler and connection for as long as the client
    liked)."""
    raw = await _read(request)
    encoding = content_encoding(request).strip().lower()
    if encoding not in ("gzip", "deflate") or not raw:
        return raw
    most = request.app[appkeys.SETTINGS].server.max_body_bytes
    if len(raw) > OFF_LOOP_BYTES:
        return await asyncio.to_thread(inflate, raw, encoding, most)
    return inflate(raw, encoding, most)


MAX_MEMBERS = 16  # gzip members in one body: `cat a.gz b.gz` makes two; thousands of empty ones cost O(n^2) copies


def inflate(raw: bytes, encoding: str, most: int) -> bytes:
    """A gzip (a few members) or deflate (zlib-wrapped or raw, as clients send it) body, at most `most` bytes once
    inflated: 413 past that, 400 `invalid_body` when it does not decode, is cut short, has bytes after its compressed
    data or more than MAX_MEMBERS members (4 MB of empty members took 15 s of CPU, review X)."""
    out, rest, members = bytearray(), raw, 0
    while rest:
        members += 1
        if members > 1 and not rest.startswith(b"\x1f\x8b"):
            raise _undecodable(encoding, "bytes follow its compressed data")
        if members > MAX_MEMBERS:
            raise _undecodable(encoding, f"more than {MAX_MEMBERS} gzip members")
        if encoding == "deflate":  # RFC 1950 says zlib-wrapped; some clients send raw deflate (its first byte tells)
            wbits = zlib.MAX_WBITS if rest[0] & 0x0F == 8 else -zlib.MAX_WBITS
        else:
            wbits = 16 + zlib.MAX_WBITS
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(rest, most + 1 - len(out))
        except zlib.error as exc:
            raise _undecodable(encoding, str(exc)) from None
        if len(out) > most:
            raise LarouterError(f"request body too large once {encoding}-decoded (over {most:,} bytes; "
                                f"server.max_body_bytes)", 413, "invalid_request_error", "request_too_large")
        if not inflater.eof:
            raise _undecodable(encoding, "it ends before its compressed data does")
        rest = inflater.unused_data if encoding == "gzip" else b""
        if encoding == "deflate" and inflater.unused_data:
            raise _undecodable(encoding, "bytes follow its compressed data")
    return bytes(out)


def _undecodable(encoding: str, why: str) -> LarouterError:
    return LarouterError(f"request body could not be read: Content-Encoding is {encoding} but the body is not valid "
                         f"{encoding} ({why})", 400, "invalid_request_error", "invalid_body")


async def _read(request: web.Request) -> bytes:
    """The body as sent, within server.body_timeout."""
    if request.content.is_eof():  # the whole body came with the headers (small requests): no timer needed
        return await request.read()
    declared, most = request.content_length, request.app[appkeys.SETTINGS].server.max_body_bytes
    if declared is not None and declared > most:  # refused at once, not once that much has come (or the timer ran out)
        raise LarouterError(f"request body too large ({declared:,} bytes declared; server.max_body_bytes is "
                            f"{most:,})", 413, "invalid_request_error", "request_too_large")
    limit = request.app[appkeys.SETTINGS].server.body_timeout
    try:
        async with asyncio.timeout(limit):
            return await request.read()
    except TimeoutError:
        raise LarouterError(f"request body not received within {limit:g} s", 408, "invalid_request_error",
                            "request_timeout") from None


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (400 naming the problem otherwise), read within server.body_timeout. (Parsed here:
    orjson holds the GIL, so a worker thread would not free the event loop meanwhile.)"""
    return parse_json_object(await read_body(request))
