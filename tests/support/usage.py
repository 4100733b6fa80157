"""A running LARouter app with priced fake models whose usage ledger the tests can reach."""

from __future__ import annotations

import csv
import io
from datetime import timezone
from pathlib import Path
from typing import Any, Callable
from urllib.request import urlopen

import attrs
import openai
import pytest
from aiohttp import web

from larouter import appkeys
from larouter.app import make_app
from larouter.runtime import load_runtime
from larouter.usage.ledger import Ledger
from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.servers import BackgroundLoop, http_json, wait_until

PRICES = """
[providers.fake.prices."gpt-fake"]
input = 2.0
output = 8.0
cached_input = 1.0
[providers.fake.prices."fake-late-usage"]
input = 2.0
output = 8.0
[providers.fake.prices."fake-slow"]
input = 2.0
output = 8.0
[providers.local]
base_url = "{url}/v1"
local = true
models = ["gemma-fake"]
"""
HELLO = [{"role": "user", "content": "one two three four"}]
UTC = timezone.utc


@attrs.frozen
class UsageRouter:
    """A running LARouter app whose ledger the test can reach."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def ledger(self) -> Ledger:
        """The app's ledger (set at startup)."""
        return self.app[appkeys.LEDGER]

    def client(self) -> openai.OpenAI:
        """A sync OpenAI client pointed at the router."""
        return openai.OpenAI(base_url=self.url + "/v1", api_key="sk-client", max_retries=0)

    def settle(self, calls: int, timeout: float = 10.0) -> None:
        """Wait until `calls` records were handed to the ledger, then until they are committed."""
        writer = self.ledger.writer
        wait_until(lambda: writer.stats.submitted >= calls, timeout, f"{calls} usage records")
        assert writer.wait_flushed(timeout)

    def get(self, path: str) -> dict[str, Any]:
        """GET a JSON endpoint, asserting 200."""
        status, body = http_json("GET", self.url + path)
        assert status == 200, body
        return body

    def export(self, query: str = "") -> str:
        """The CSV export as text."""
        with urlopen(self.url + "/api/usage/export" + query, timeout=30) as resp:
            assert resp.headers["Content-Type"].startswith("text/csv")
            return resp.read().decode("utf-8")

    def rows(self, query: str = "") -> list[dict[str, str]]:
        """The CSV export parsed into dicts."""
        return list(csv.DictReader(io.StringIO(self.export(query), newline="")))


@pytest.fixture
def start_router(servers: BackgroundLoop, fake: Fake, tmp_path: Path, home: Path) -> Callable[..., UsageRouter]:
    """Start a router with priced fake models and a local provider; extra TOML may be appended."""

    def _start(extra: str = "", read_timeout: float = 2.0) -> UsageRouter:
        cfg = tmp_path / "config.toml"
        cfg.write_text(toml_config(fake.url, PRICES.format(url=fake.url) + extra, read_timeout))
        runtime = load_runtime(cfg, env={"LAROUTER_HOME": str(home), "FAKE_KEY": FAKE_KEY})
        app = make_app(runtime)
        url = servers.start(app)
        return UsageRouter(url, app, servers.runners[-1])

    return _start


@pytest.fixture
def router(start_router: Callable[..., UsageRouter]) -> UsageRouter:
    """A router with default usage settings."""
    return start_router()


def fake_usage(messages: list[dict[str, str]]) -> tuple[int, int]:
    """The (prompt, completion) tokens the fake provider reports for these messages."""
    return sum(len(m["content"].split()) for m in messages) + 3, 5
