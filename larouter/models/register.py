"""The body of a model registration (`POST /api/models`), checked before anything is registered: the fields, the id,
and for a local model its GGUF file (which is opened, and its first bytes read)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from larouter.errors import bad_request
from larouter.models.catalog import QUANT, CatalogModel, Variant, check_model_id, check_repo_file
from larouter.models.checked import SHA256

MIN_CTX, MAX_CTX = 256, 1_048_576  # tokens; a start is also held to the model's context length


def _str_field(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(f"'{name}' must be a non-empty string", name, "invalid_type")
    return value


GGUF_MAGIC = b"GGUF"  # the first 4 bytes of every GGUF file
# Opened without blocking: a FIFO put in the file's place after its check would otherwise hold the open (and the
# worker thread) until a writer came; the descriptor's own fstat then decides what was opened.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def check_gguf(raw: str) -> tuple[Path, int]:
    """The absolute path of a GGUF model file to register, and its size; a 400 on `path` that says what is wrong
    otherwise: a relative path, no such file, not a regular file (a directory, a device, a FIFO), a file larouterd
    cannot read, or one that does not start with the GGUF magic (`invalid_gguf`), so a file llama-server cannot load
    is refused at registration, not at its first start. Its name may be anything (`model.bin`, `MODEL.GGUF`, an
    Ollama blob `sha256-<hex>`): llama-server reads the magic, not the name. Blocking (it opens the file and reads 4
    bytes): run it in a thread."""
    if "\0" in raw:
        raise bad_request("'path' must not contain a NUL character", "path")
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # `~someone/...` for a user this system does not have
        raise bad_request(f"'path' must be an absolute path to a GGUF file, got {raw!r}", "path") from None
    shown = repr(str(path))
    if not path.is_absolute():
        raise bad_request(f"'path' must be an absolute path to a GGUF file, got {shown}", "path")
    try:
        _regular(shown, os.stat(path).st_mode)  # before it is opened: opening a device may do something
        fd = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        raise bad_request(f"'path' {shown} does not exist (no such file)", "path") from None
    except OSError as exc:
        raise bad_request(f"'path' {shown} cannot be read by larouterd: {exc.strerror or exc}", "path") from None
    except ValueError:  # (a lone surrogate: no file name this system can hold)
        raise bad_request(f"'path' {shown} is not a file name this system can hold", "path") from None
    try:
        info = os.fstat(fd)
        _regular(shown, info.st_mode)  # (what was opened: the path may have changed since)
        try:
            head = os.read(fd, len(GGUF_MAGIC))
        except OSError as exc:  # (a directory opened on some systems: EISDIR; an I/O error)
            raise bad_request(f"'path' {shown} cannot be read by larouterd: {exc.strerror or exc}", "path") from None
    finally:
        os.close(fd)
    if head != GGUF_MAGIC:
        raise bad_request(f"'path' {shown} is not a GGUF model file: it does not start with the GGUF magic "
                          "bytes \"GGUF\" (llama-server could not load it; is it a partial download, or another "
                          "format such as safetensors?)", "path", "invalid_gguf")
    return path, info.st_size


def _regular(shown: str, mode: int) -> None:
    """A 400 on `path` unless `mode` is a regular file's, saying what it is instead."""
    if stat.S_ISREG(mode):
        return
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
             (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    raise bad_request(f"'path' {shown} is not a regular file (it is {kind}): give the GGUF model file itself", "path")


REGISTRATION_FIELDS = ("id", "name", "contextLength", "path", "repo", "file", "revision", "sha256", "sizeBytes",
                       "quantization")


def _printable(body: dict[str, Any], name: str, limit: int) -> str | None:
    """An optional string field of at most `limit` printable characters (shown in tables and logs as it is)."""
    value = _str_field(body, name, required=False)
    if value is not None and (len(value) > limit or not value.isprintable()):
        raise bad_request(f"'{name}' must be at most {limit} printable characters (no control characters)", name)
    return value


def user_model(body: dict[str, Any]) -> CatalogModel:
    """Validate a registration body: {id, path} or {id, repo, file[, revision, sha256, sizeBytes]}, plus `name`,
    `contextLength` and `quantization`; any other field is a 400 (a typo such as `contextlength` would otherwise
    register the model with the default silently)."""
    for key in body:
        if key not in REGISTRATION_FIELDS:
            shown = str(key)[:64]
            allowed = ", ".join(REGISTRATION_FIELDS)
            raise bad_request(f"unknown field {shown!r} (allowed: {allowed})", shown, "unknown_field")
    model_id = check_model_id(_str_field(body, "id") or "", "id")
    ctx = body.get("contextLength", 8192)
    if isinstance(ctx, bool) or not isinstance(ctx, int) or not MIN_CTX <= ctx <= MAX_CTX:  # (what a start takes)
        raise bad_request(f"'contextLength' must be an integer from {MIN_CTX} to {MAX_CTX:,}", "contextLength",
                          "invalid_value" if isinstance(ctx, int) and not isinstance(ctx, bool) else "invalid_type")
    name = _printable(body, "name", 100) or model_id
    if "path" in body and ("repo" in body or "file" in body):
        raise bad_request("give either 'path' (a local GGUF file) or 'repo' and 'file', not both", "path")
    if "path" in body:
        path, size = check_gguf(_str_field(body, "path") or "")
        variant = Variant(quant="local", file=path.name, size_bytes=size)
        return CatalogModel(model_id, name, (variant,), "local", context_length=ctx, local_path=str(path), user=True)
    repo, file = _str_field(body, "repo") or "", _str_field(body, "file") or ""
    check_repo_file(repo, file)
    size = body.get("sizeBytes", 0)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise bad_request("'sizeBytes' must be a non-negative integer", "sizeBytes", "invalid_type")
    quant = _str_field(body, "quantization", required=False) or "custom"
    if not QUANT.fullmatch(quant):
        raise bad_request("'quantization' must be a name such as Q4_K_M (letters, digits, '_', '.', '+', '-'; at most "
                          f"32), got {quant[:40]!r}", "quantization")
    sha256 = _str_field(body, "sha256", required=False)
    if sha256 is not None and not SHA256.fullmatch(sha256.lower()):  # (the shape a download's record holds)
        raise bad_request("'sha256' must be 64 hexadecimal digits (the file's SHA-256)", "sha256")
    variant = Variant(quant=quant, file=file, repo=repo, revision=_printable(body, "revision", 200),
                      sha256=sha256.lower() if sha256 else None, size_bytes=size)
    return CatalogModel(model_id, name, (variant,), variant.quant, context_length=ctx, user=True)
