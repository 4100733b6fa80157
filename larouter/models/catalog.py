"""The shipped Gemma 4 catalog plus user-registered models, with RAM estimates and can-run checks."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
import time
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from larouter.config import CONVERTER, Local
from larouter.errors import LarouterError, bad_request, not_found
from larouter.fsutil import atomic_write, storage_error
from larouter.models.gguf import trained_context
from larouter.statefile import load_json_file, structure_entries

MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
QUANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}$")  # a quantisation's name: "Q4_K_M", "IQ2_XXS", "f16", "custom"
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
RUNTIME_OVERHEAD = 400 * 1024**2  # llama-server itself, compute buffers


@attrs.frozen
class Mmproj:
    """The vision projector that goes with a GGUF."""

    file: str
    size_bytes: int = 0
    sha256: str | None = None
    revision: str | None = None


@attrs.frozen
class Variant:
    """One downloadable file of a model (a quantisation)."""

    quant: str
    file: str
    repo: str | None = None
    format: str = "gguf"
    qat: bool = False
    publisher: str | None = None
    revision: str | None = None
    size_bytes: int = 0
    sha256: str | None = None
    mmproj: Mmproj | None = None
    verified: dict[str, bool] = attrs.Factory(dict)


@attrs.frozen
class CatalogModel:
    """A model LARouter knows how to fetch and serve."""

    id: str
    name: str
    variants: tuple[Variant, ...]
    default_variant: str
    aliases: tuple[str, ...] = ()
    family: str = "custom"
    architecture: str | None = None
    parameters: str | None = None
    context_length: int = 8192
    modalities: tuple[str, ...] = ("text",)
    license: str | None = None
    license_url: str | None = None
    source_repo: str | None = None
    suggested_tiers: tuple[str, ...] = ()
    verified: dict[str, bool] = attrs.Factory(dict)
    local_path: str | None = None  # user-registered GGUF already on disk
    user: bool = False

    def variant(self, quant: str | None = None) -> Variant:
        """The named quantisation (case-insensitive), or the default one."""
        want = (quant or self.default_variant).lower()
        for v in self.variants:
            if v.quant.lower() == want:
                return v
        known = ", ".join(v.quant for v in self.variants)
        raise bad_request(f"model {self.id!r} has no quantisation {quant!r} (known: {known})", "quantization")


def not_downloaded(model: CatalogModel, param: str | None = None) -> LarouterError:
    """The 409 for a model whose file is not on disk: how to download it, or, for a model registered with a path
    (nothing to download), that its file is gone."""
    if model.local_path:
        return LarouterError(
            f"the file registered for local model {model.id!r}, {model.local_path}, is missing: put it back, or "
            f"register the model again with the file's new path (`larouter models add {model.id} --path FILE`)",
            409, "invalid_request_error", "model_not_downloaded", param)
    return LarouterError(
        f"local model {model.id!r} is in the catalog but not downloaded; download it with `larouter models download "
        f'{model.id}` (POST /api/models/download {{"modelId": "{model.id}", "format": "gguf"}})', 409,
        "invalid_request_error", "model_not_downloaded", param)


def check_model_id(model_id: str, param: str = "modelId") -> str:
    """Normalise an id from a URL or body (`param`: the field it came in) to lowercase; reject anything that could
    escape a directory."""
    norm = model_id.strip().lower()
    if not MODEL_ID.fullmatch(norm):
        raise bad_request(f"invalid model id {model_id!r}: use letters (taken as lowercase), digits, '.', '_' and "
                          "'-', starting with a letter or digit, at most 64", param)
    return norm


def check_repo_file(repo: str, file: str) -> None:
    """A Hugging Face repo id and a relative .gguf path inside it; no traversal."""
    if not REPO_ID.fullmatch(repo):
        raise bad_request(f"invalid Hugging Face repo id {repo!r} (expected owner/name)", "repo")
    parts = PurePosixPath(file).parts
    if not file.isprintable():  # (a NUL, a newline, an escape: no file in a repo, and no path to make of it)
        raise bad_request(f"invalid file name {file!r}: it holds a control character", "file")
    if not file.endswith(".gguf") or file.startswith("/") or "\\" in file or any(p in ("..", ".", "") for p in parts):
        raise bad_request(f"invalid file name {file!r}: a relative path to a .gguf file inside the repo", "file")


@attrs.define
class Catalog:
    """Shipped models plus the user's own, persisted in `<home>/models/registered.json`."""

    home: Path
    shipped: list[CatalogModel]
    user: dict[str, CatalogModel] = attrs.Factory(dict)
    # per model id: the model and its variants' file paths, default first (`downloaded` runs for every `auto`
    # request whose chain has `local`: building the Paths cost ~120 of its ~165 us for the shipped catalog)
    _files: dict[str, tuple[CatalogModel, tuple[tuple[Variant, str], ...]]] = attrs.field(factory=dict, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)  # one registry change at a time
    _free: tuple[float, int] = attrs.field(default=(-1e9, 0), init=False)  # (when, MemAvailable): `free_memory`
    # per model id: the model, its file on disk (path, size, mtime) and the context its GGUF was trained with
    _trained: dict[str, tuple[CatalogModel, str, int, int, int | None]] = attrs.field(factory=dict, init=False)

    @classmethod
    def load(cls, home: Path) -> "Catalog":
        """Read the shipped catalog and the user's registrations (ConfigError when that file is damaged)."""
        data = json.loads(resources.files("larouter.models").joinpath("catalog.json").read_text("utf-8"))
        shipped = [CONVERTER.structure(_known(m), CatalogModel) for m in data["models"]]
        cat = cls(home, shipped)
        reg = cat.registry_file
        if reg.exists():
            for model in structure_entries(reg, load_json_file(reg, list, "models"), CatalogModel, CONVERTER.structure,
                                         "model"):
                cat.user[model.id] = model
        return cat

    @property
    def models_dir(self) -> Path:
        """Where downloaded models live."""
        return self.home / "models"

    @property
    def registry_file(self) -> Path:
        """The user's registrations."""
        return self.models_dir / "registered.json"

    def all(self) -> list[CatalogModel]:
        """Every model, shipped first."""
        return [*self.shipped, *self.user.values()]

    def get(self, model_id: str) -> CatalogModel:
        """Find by id or alias (`gemma4-e4b` works for `gemma-4-e4b`); 404 otherwise."""
        norm = check_model_id(model_id)
        for model in self.all():
            if norm == model.id or norm in model.aliases:
                return model
        raise not_found(f"unknown model {model_id!r}; the catalog lists the models: `larouter models catalog` "
                        "(GET /api/models/catalog)", "model_not_found", "modelId")

    def find(self, model_id: str) -> CatalogModel | None:
        """Like get, but None instead of an error (also for malformed ids)."""
        norm = model_id.strip().lower()
        return next((m for m in self.all() if norm == m.id or norm in m.aliases), None)

    def register(self, model: CatalogModel) -> bool:
        """Add or replace a user model and persist the registry atomically (blocking: run it in a thread); True
        when the id was new."""
        if any(model.id == m.id or model.id in m.aliases for m in self.shipped):
            raise bad_request(f"model id {model.id!r} is taken by the shipped catalog", "id", "conflict")
        with self._lock:
            new = model.id not in self.user
            self._commit({**self.user, model.id: model})
        return new

    def unregister(self, model_id: str) -> None:
        """Remove a user model (shipped models cannot be removed; blocking: run it in a thread)."""
        model = self.get(model_id)
        if not model.user:
            raise bad_request(f"model {model.id!r} is part of the shipped catalog", "modelId")
        with self._lock:
            if model.id not in self.user:  # (removed meanwhile, by a removal sent at the same time: one is told so)
                self.get(model.id)
            self._commit({key: value for key, value in self.user.items() if key != model.id})

    def _commit(self, user: dict[str, CatalogModel]) -> None:
        """Write `user` as the registry, then make it the live one (a write that fails changes nothing). Changes
        run in worker threads, several at once: each builds a new dict under the lock (readers on the event loop
        iterate the one they got) and writes it whole."""
        data = json.dumps([CONVERTER.unstructure(m) for m in user.values()], indent=2).encode()
        try:
            atomic_write(self.registry_file, data)
        except OSError as exc:
            raise storage_error(exc, "the model registration") from exc
        self.user = user

    def file_path(self, model: CatalogModel, variant: Variant) -> Path:
        """Final on-disk path of a variant's GGUF."""
        if model.local_path:
            return Path(model.local_path)
        return self.models_dir / model.id / PurePosixPath(variant.file).name

    def mmproj_path(self, model: CatalogModel, variant: Variant) -> Path | None:
        """On-disk path of the vision projector, if the variant has one."""
        if variant.mmproj is None:
            return None
        return self.models_dir / model.id / PurePosixPath(variant.mmproj.file).name

    def downloaded(self, model: CatalogModel) -> Variant | None:
        """The first variant whose file is on disk (default first), if any. Asks the file system each time (a stat
        per variant until one is found), so a file added or removed by hand counts at once."""
        files = self._files.get(model.id)
        if files is None or files[0] is not model:  # (a re-registered user model is a new object)
            order = sorted(model.variants, key=lambda v: v.quant != model.default_variant)
            files = self._files[model.id] = (model, tuple((v, str(self.file_path(model, v))) for v in order))
        return next((v for v, path in files[1] if os.path.isfile(path)), None)

    def learn_context(self, model: CatalogModel) -> None:
        """Read the trained context of the model's file on disk from its GGUF header (`gguf.py`), unless the same
        file's was read already (blocking: run it in a thread; at start-up, registration, the end of a download, a
        catalog listing and a start)."""
        variant = self.downloaded(model)
        path = None if variant is None else self.file_path(model, variant)
        try:
            info = os.stat(path) if path is not None else None
        except OSError:
            info = None
        if path is None or info is None:
            self._trained.pop(model.id, None)
            return
        known = self._trained.get(model.id)
        if known is None or known[0] is not model or known[1:4] != (str(path), info.st_size, info.st_mtime_ns):
            self._trained[model.id] = (model, str(path), info.st_size, info.st_mtime_ns, trained_context(path))

    def trained_context(self, model: CatalogModel) -> int | None:
        """The context the model's GGUF was trained with, as `learn_context` last read it (never reads a file)."""
        known = self._trained.get(model.id)
        return known[4] if known is not None and known[0] is model else None

    def context_length(self, model: CatalogModel) -> int:
        """The model's context length: the catalog's or registration's `contextLength`, capped by the context its
        GGUF was trained with, as llama-server caps it."""
        trained = self.trained_context(model)
        return min(model.context_length, trained) if trained else model.context_length

    def start_context(self, model: CatalogModel, local: Local, learn: bool = False) -> int:
        """The context (tokens) the model starts with when a start names none: `Local.ctx_size_for` of its
        `context_length`, an override included capped by the trained context (`learn`: read it first, blocking)."""
        if learn:
            self.learn_context(model)
        ctx, trained = local.ctx_size_for(model.id, self.context_length(model)), self.trained_context(model)
        return min(ctx, trained) if trained else ctx

    def free_memory(self) -> int:
        """`free_ram`, read at most once a second (the kernel takes ~45 us to make /proc/meminfo; `auto` asks for
        it at each request that may start a stopped model)."""
        now = time.monotonic()
        if now - self._free[0] > 1.0:
            self._free = (now, free_ram())
        return self._free[1]

    def ram_needed(self, model: CatalogModel, variant: Variant, ctx_size: int) -> int:
        """`ram_estimate` of a downloaded variant with a `ctx_size` context, from the size on disk of its file and of
        its vision projector when there is one (a start loads both; a registration may not have said the size, or
        said it wrong)."""
        files = self._files.get(model.id)  # (the paths `downloaded` made: building them costs more than the stat)
        path = next((path for v, path in files[1] if v is variant), None) if files and files[0] is model else None
        try:
            size = os.stat(path or self.file_path(model, variant)).st_size
        except OSError:
            size = variant.size_bytes
        projector = self.mmproj_path(model, variant)
        if projector is not None:
            with contextlib.suppress(OSError):
                size += os.stat(projector).st_size
        return ram_for(size, ctx_size)


def _known(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep only fields the classes know (the shipped JSON may carry notes)."""
    fields = {a.name for a in attrs.fields(CatalogModel)}
    vfields = {a.name for a in attrs.fields(Variant)}
    out = {k: v for k, v in raw.items() if k in fields}
    out["variants"] = [{k: v for k, v in var.items() if k in vfields} for var in raw["variants"]]
    return out


def ram_estimate(model: CatalogModel, variant: Variant, ctx_size: int = 8192) -> int:
    """Bytes of RAM to serve the model: weights + KV cache for ctx_size + runtime overhead (rough)."""
    return ram_for(variant.size_bytes or 0, ctx_size)


def ram_for(weights: int, ctx_size: int) -> int:
    """`ram_estimate` of `weights` bytes of model files."""
    kv_per_token = max(weights // 40_000, 32 * 1024)  # grows with model size; ~120 KiB/token at 5 GB
    return int(weights * 1.05 + kv_per_token * ctx_size + RUNTIME_OVERHEAD)


def free_ram() -> int:
    """MemAvailable from /proc/meminfo (0 when unknown)."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            data = fh.read()
    except OSError:
        return 0
    found = re.search(rb"^MemAvailable:\s+(\d+)", data, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def free_disk(path: Path) -> int:
    """Free bytes on the filesystem holding path (or its nearest existing parent)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free
