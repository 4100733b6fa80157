"""The context a GGUF model was trained with, from its header (`<general.architecture>.context_length`).

llama-server caps a slot's context at that length whatever `-c` asks, so a model registered with a larger
`contextLength` (the default 8192) runs with less: `Catalog.trained_context` keeps it, to judge a stopped model by the
context it would really start with. The header is read as GGUF v2/v3 lays it out (little-endian): the magic, the
version, the tensor and key-value counts, then the key-value pairs, read one by one (arrays skipped, not read) until
the key is found. Anything unexpected (another version, a truncated or absurd header, no such key) is None: the
registration's `contextLength` stands. Blocking (file I/O): run it in a thread.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import BinaryIO

MAGIC = b"GGUF"
MAX_KEYS = 1 << 16  # a real header has a few dozen keys
MAX_STRING = 1 << 20  # a key or a string value longer than this is no header of ours to read
SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # value type: its size in bytes
INTEGERS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 10: "<Q", 11: "<q"}
STRING, ARRAY = 8, 9
MAX_NESTING = 8  # arrays in arrays a header may hold (GGUF's own writers nest none)
SUFFIX = b".context_length"


class _Bad(Exception):
    """Not a header this reader understands."""


def _read(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise _Bad()
    return data


def _string(fh: BinaryIO) -> bytes:
    (n,) = struct.unpack("<Q", _read(fh, 8))
    if n > MAX_STRING:
        raise _Bad()
    return _read(fh, n)


def _skip(fh: BinaryIO, kind: int, depth: int = 0) -> None:
    """Move past a value of type `kind` (`depth`: the arrays it is in; a real header nests none in another, so more
    than MAX_NESTING is no header of ours: a file of arrays nested 5,000 deep ran the reader out of stack, review BH)."""
    if kind in SCALARS:
        fh.seek(SCALARS[kind], 1)
    elif kind == STRING:
        (n,) = struct.unpack("<Q", _read(fh, 8))
        fh.seek(n, 1)
    elif kind == ARRAY and depth < MAX_NESTING:
        item, count = struct.unpack("<IQ", _read(fh, 12))
        if item in SCALARS:
            fh.seek(SCALARS[item] * count, 1)
        elif item in (STRING, ARRAY) and count <= 1 << 24:
            for _ in range(count):
                _skip(fh, item, depth + 1)
        else:
            raise _Bad()
    else:
        raise _Bad()


def trained_context(path: Path) -> int | None:
    """The `<architecture>.context_length` of the GGUF at `path`, or None when it cannot be told (opened without
    blocking and read only when it is a regular file: a FIFO put in the model's place must not hold the thread)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        with os.fdopen(fd, "rb") as fh:
            return _context(fh)
    except Exception:  # (OSError, _Bad, struct.error, anything a crafted file may yet cause: the registration stands)
        return None


def _context(fh: BinaryIO) -> int | None:
    if _read(fh, 4) != MAGIC or struct.unpack("<I", _read(fh, 4))[0] not in (2, 3):
        return None
    _, keys = struct.unpack("<QQ", _read(fh, 16))
    arch, lengths = None, {}
    for _ in range(min(keys, MAX_KEYS)):
        key, (kind,) = _string(fh), struct.unpack("<I", _read(fh, 4))
        if key == b"general.architecture" and kind == STRING:
            arch = _string(fh)
        elif key.endswith(SUFFIX) and kind in INTEGERS:
            fmt = INTEGERS[kind]
            (lengths[key[:-len(SUFFIX)]],) = struct.unpack(fmt, _read(fh, struct.calcsize(fmt)))
        else:
            _skip(fh, kind)
        if arch is not None and arch in lengths:
            return lengths[arch] if lengths[arch] > 0 else None
    return None
