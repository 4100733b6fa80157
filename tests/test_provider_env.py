"""The shipped providers read their SDKs' base-URL variables by each SDK's convention."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.cli import run
from tests.support.proc import daemon_env, free_port
from tests.support.servers import http_json


@pytest.mark.parametrize("suffix", ["", "/", "/v1"])
def test_anthropic_base_url_without_v1_reaches_the_chat_endpoint(make_router: Callable[..., Router], fake: Fake,
                                                                 suffix: str) -> None:
    """ANTHROPIC_BASE_URL as the Anthropic SDK takes it (no /v1) still reaches <base>/v1/chat/completions."""
    router = make_router(env={"ANTHROPIC_BASE_URL": fake.url + suffix, "ANTHROPIC_API_KEY": "sk-ant-fake-0123456789"})
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="claude-haiku-4-5",
                                                      messages=[{"role": "user", "content": "hello there"}])
    assert raw.headers["x-larouter-provider"] == "anthropic" and fake.state.requests[-1]["model"] == "claude-haiku-4-5"
    status, cfg = http_json("GET", router.url + "/api/config")
    assert status == 200 and cfg["providers"]["anthropic"]["base_url"] == fake.url + "/v1"


def test_a_refused_openai_base_url_names_its_variable(home: Path) -> None:
    """larouterd started with `OPENAI_BASE_URL=http://user:pw@host/v1` (and no config file) refuses to start, as it
    should, but blamed "LAROUTER_* environment" and never named OPENAI_BASE_URL, the only variable set (review AD 4):
    the message names it, as it names a LAROUTER_* variable, and still never shows the URL."""
    env = daemon_env(home, OPENAI_BASE_URL="http://user:hunter2@127.0.0.1:9/v1")
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 78 and "Traceback" not in out.stderr, out.stderr
    assert "(OPENAI_BASE_URL, then LAROUTER_* environment; no config file)" in out.stderr, out.stderr
    assert "providers.openai.base_url: must not carry a user name or password" in out.stderr, out.stderr
    assert "(from the environment variable OPENAI_BASE_URL)" in out.stderr, out.stderr
    assert "hunter2" not in out.stderr and "127.0.0.1:9" not in out.stderr, out.stderr


@pytest.mark.parametrize(("variables", "problem", "variable"), [
    ({"ANTHROPIC_BASE_URL": "https://gw.example/v1?api-key=sk-ant-xyzzy-1"}, "providers.anthropic.base_url: must "
     "have no query", "ANTHROPIC_BASE_URL"),
    ({"ANTHROPIC_BASE_URL": "http://[::1:sk-ant-xyzzy-1"}, "providers.anthropic.base_url: must be an http(s) URL",
     "ANTHROPIC_BASE_URL"),
    ({"OPENAI_API_KEY": "sk-xyzzy-1\nsecond line"}, "providers.openai.api_key: must be printable ASCII",
     "OPENAI_API_KEY"),
    ({"ANTHROPIC_API_KEY": "sk-ant-xyzzy-1\u00e9"}, "providers.anthropic.api_key: must be printable ASCII",
     "ANTHROPIC_API_KEY"),
    ({"GROQ_API_KEY": "gsk_xyzzy-1\t"}, "providers.groq.api_key: must be printable ASCII", "GROQ_API_KEY"),
])
def test_a_refused_provider_variable_is_named_and_not_shown(tmp_path: Path, home: Path, variables: dict[str, str],
                                                           problem: str, variable: str) -> None:
    """Each variable a provider reads its base URL or key from (the shipped providers' OPENAI_/ANTHROPIC_BASE_URL,
    every provider's api_key_env) is named on the problem it caused, and its value is never shown (a malformed URL
    is refused so too: it was a traceback)."""
    cfg = tmp_path / "groq.toml"
    cfg.write_text('[providers.groq]\nbase_url = "https://api.groq.com/openai/v1"\napi_key_env = "GROQ_API_KEY"\n')
    result = run("status", env={"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": str(cfg), **variables})
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and problem in line, result.output
    assert f"(from the environment variable {variable})" in line and "xyzzy" not in line, line


def test_a_base_url_the_config_file_sets_is_not_blamed_on_the_variable(tmp_path: Path, home: Path) -> None:
    """OPENAI_BASE_URL under a config file that sets providers.openai.base_url itself: the file's value is the one
    refused, and the message names the file, not the variable it replaced."""
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[providers.openai]\nbase_url = "ftp://example.com/v1"\n')
    env = {"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": str(cfg), "OPENAI_BASE_URL": "https://fine.example/v1"}
    result = run("status", env=env)
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and f"(file {cfg}, then LAROUTER_* environment)" in line, line
    assert "providers.openai.base_url: must be an http(s) URL" in line, line
    assert "OPENAI_BASE_URL" not in line, line
