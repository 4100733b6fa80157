"""Shared fixtures: a background loop hosting real servers, a fake provider, and a LARouter app."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import attrs
import pytest

from larouter.app import make_app
from larouter.config import Settings
from larouter.runtime import load_runtime
from tests.support import fake_extra
from tests.support.fake_openai import STATE, FakeState, make_fake_openai
from tests.support.servers import BackgroundLoop, register
from tests.support.tiny_gguf import write_tiny_gguf

FAKE_KEY = "sk-fake-provider-key-0123456789abcdef"
FAKE_MODELS = ["gpt-fake", "fake-hang", "fake-drop", "fake-slow", "fake-500", "fake-401", "fake-429",
               "fake-late-usage", "fake-notjson", "fake-delay", "fake-empty", "fake-200-error", "fake-429-retry", "fake-503-retry",
               "fake-stall", "fake-slow-first", "fake-400", "fake-403", "fake-stall-first", "fake-refusal",
               "fake-sse-error", "fake-sse-error-done", "fake-key-error", "fake-key-error-late", "fake-hangup", "fake-reset",
               "fake-second-choice", "fake-big-event",
               "fake-malformed", "fake-event-names", "fake-error-field", "fake-length", "fake-filtered",
               "fake-reasoning", "fake-no-done", "fake-no-finish", "fake-open-after-done", "fake-drop-after-done", "fake-multiline-data", "fake-done-early", "fake-n-cut", "fake-n-done-early", "fake-quoting", "fake-odd-usage", "fake-partial-usage", "fake-cache-usage", "fake-cache-usage-litellm", "fake-split-usage",
               "fake-tool-error", "fake-strict", "fake-think",
               "fake-think-only", *fake_extra.MODELS]


@attrs.frozen
class Fake:
    """A running fake provider."""

    url: str
    state: FakeState


@attrs.frozen
class Router:
    """A running LARouter app."""

    url: str
    settings: Settings

    @property
    def v1(self) -> str:
        """Base URL for OpenAI clients."""
        return self.url + "/v1"

    @property
    def admin_token(self) -> str:
        """The admin token (loopback trust alone may not change where provider keys go: `configguard`)."""
        return self.settings.server.admin_token or (self.settings.home / "admin_token").read_text().strip()

    @property
    def admin(self) -> dict[str, str]:
        """Headers presenting the admin token."""
        return {"Authorization": f"Bearer {self.admin_token}"}


def toml_config(fake_url: str, extra: str = "", read_timeout: float = 2.0) -> str:
    """A config file with the fake provider as `fake` (its `read_timeout` short, so tests of a silent provider end
    soon; a test of many concurrent calls gives it longer: a loaded CI machine may answer the last ones late)."""
    models = ", ".join(f'"{m}"' for m in FAKE_MODELS)
    return (
        f'[routing]\ndefault_model = "gpt-fake"\n\n[providers.fake]\nbase_url = "{fake_url}/v1"\n'
        f'api_key_env = "FAKE_KEY"\nmodels = [{models}]\nread_timeout = {read_timeout}\n{extra}'
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh LAROUTER_HOME."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def servers() -> Iterator[BackgroundLoop]:
    """Background loop for servers under test."""
    loop = BackgroundLoop()
    yield loop
    loop.close()


@pytest.fixture
def fake(servers: BackgroundLoop) -> Fake:
    """A fake OpenAI-compatible provider on a free loopback port."""
    app = make_fake_openai()
    return Fake(servers.start(app), app[STATE])


@pytest.fixture
def make_router(servers: BackgroundLoop, fake: Fake, tmp_path: Path, home: Path) -> Callable[..., Router]:
    """Start a LARouter app with the fake provider configured (extra TOML and env may be added)."""

    def _make(extra_toml: str = "", env: dict[str, str] | None = None, **overrides: Any) -> Router:
        cfg = tmp_path / "config.toml"
        cfg.write_text(toml_config(fake.url, extra_toml))
        full_env = {"LAROUTER_HOME": str(home), "FAKE_KEY": FAKE_KEY, **(env or {})}
        runtime = load_runtime(cfg, env=full_env, cli=overrides or None)
        return Router(servers.start(make_app(runtime)), runtime.settings)

    return _make


@pytest.fixture
def router(make_router: Callable[..., Router]) -> Router:
    """LARouter with default test settings."""
    return make_router()


LOCAL = "\n[local]\nctx_size = 2048\nthreads = 1\nstop_grace = 3.0\nrestart_backoff = 0.05\nmax_restarts = {restarts}\n"


@pytest.fixture
def local_router(make_router: Callable[..., Router], tmp_path: Path) -> Callable[..., Router]:
    """A router with the tiny GGUF registered as user model `tiny`."""

    def _make(restarts: int = 3, extra: str = "") -> Router:
        router = make_router(extra_toml=LOCAL.format(restarts=restarts) + extra)
        model = write_tiny_gguf(tmp_path / "tiny.gguf")
        status, out = register(router, {"id": "tiny", "path": str(model), "contextLength": 2048})
        assert status == 201, out
        return router

    return _make
