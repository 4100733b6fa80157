"""The environment a llama-server child gets: what it needs to run and find its GPU, none of the daemon's secrets.

larouterd's environment holds the provider keys (`OPENAI_API_KEY`, or whatever variable a provider's `api_key_env`
names), `LAROUTER_ADMIN_TOKEN`, a Hugging Face token... llama-server needs none of them, and a process that has them
can leak them (a crash dump, a log, a wrapper script). So the child gets an allowlist: the variables a program
needs to run (PATH, HOME, the library paths, locale, temp dirs, Windows' system variables) and those that steer
llama.cpp and its GPU back ends (CUDA, ROCm/HIP, Vulkan, SYCL/oneAPI, OpenMP/BLAS threads, `LLAMA_*`, `GGML_*`), minus
any whose name says it is a secret; then its own API key.
"""

from __future__ import annotations

import re
from typing import Mapping

KEEP = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
    "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH",
    "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "PROGRAMDATA", "PROGRAMFILES", "APPDATA",
    "LOCALAPPDATA", "USERPROFILE", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE",
    "DISPLAY", "WAYLAND_DISPLAY", "DRI_PRIME",
})
KEEP_PREFIXES = (
    "LC_", "XDG_",
    "LLAMA_", "GGML_",
    "CUDA_", "NVIDIA_", "__GL_", "HIP_", "ROCM_", "ROCR_", "HSA_", "HCC_", "AMD_", "GPU_",
    "VK_", "MESA_", "RADV_", "ANV_", "SYCL_", "ONEAPI_", "ZE_", "ZES_", "MUSA_", "ASCEND_",
    "OMP_", "KMP_", "MKL_", "OPENBLAS_", "GOTO_", "BLIS_",
)
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
API_KEY_VAR = "LLAMA_API_KEY"  # llama-server's --api-key, read from its environment


def kept(name: str) -> bool:
    """Whether a variable of larouterd's environment is passed to llama-server."""
    upper = name.upper()  # Windows' names are case-insensitive
    return (upper in KEEP or upper.startswith(KEEP_PREFIXES)) and not _SECRET_NAME.search(upper)


def child_env(environ: Mapping[str, str], api_key: str) -> dict[str, str]:
    """llama-server's environment: the variables `kept` of `environ`, and its own `api_key`."""
    return {**{name: value for name, value in environ.items() if kept(name)}, API_KEY_VAR: api_key}
