"""Routing settings that name a model nothing serves are accepted, and said: at start, on PATCH, by the CLI."""

from __future__ import annotations

import json
from typing import Callable

import pytest

from tests.conftest import Router
from tests.support.cli import on
from tests.support.servers import http_json

TYPO_CHAIN = '\n[routing.policies.cost-optimized]\nMEDIUM = ["gpt-4.1-mni", "gpt-fake"]\n'


def test_start_warns_of_each_unserved_chain_entry_and_default_model(make_router: Callable[..., Router],
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A chain entry and a default model no provider serves are each logged at start, with the closest known name
    and the variable that set it; the daemon still starts and routes."""
    router = make_router(extra_toml=TYPO_CHAIN, env={"LAROUTER_DEFAULT_MODEL": "gpt-fak"})
    text = caplog.text
    assert "model 'gpt-4.1-mni' (routing.policies.cost-optimized.MEDIUM) is served by no provider" in text, text
    assert "did you mean 'gpt-4.1-mini'?" in text
    assert "model 'gpt-fak' (routing.default_model, set by LAROUTER_DEFAULT_MODEL)" in text
    assert "did you mean 'gpt-fake'?" in text
    status, out = http_json("POST", router.url + "/api/route/explain",
                            {"messages": [{"role": "user", "content": "hi"}]})
    assert status == 200, out


def test_patch_returns_the_warning_and_a_good_value_none(router: Router, caplog: pytest.LogCaptureFixture) -> None:
    """PATCH /api/config accepts an unserved default model (a provider may come later) and says so in `warnings`,
    and in the log; fixing it empties the list."""
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"default_model": "nope"}})
    assert status == 200 and out["routing"]["default_model"] == "nope", out
    assert len(out["warnings"]) == 1 and "model 'nope' (routing.default_model)" in out["warnings"][0], out
    assert "model 'nope'" in caplog.text
    status, out = http_json("PATCH", router.url + "/api/config",
                            {"routing": {"policies": {"balanced": {"SIMPLE": ["gpt-fake", "local"]}}}})
    assert status == 200 and len(out["warnings"]) == 1, out  # the default model is still unserved
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"default_model": "gpt-fake"}})
    assert status == 200 and out["warnings"] == [], out


def test_cli_config_set_prints_the_warning_on_stderr(router: Router) -> None:
    """`larouter config set routing.default_model typo` saves it and warns on stderr, --json output included."""
    result = on(router, "config", "set", "routing.default_model", "gpt-fakee")
    assert result.exit_code == 0 and 'set routing.default_model = "gpt-fakee"' in result.stdout, result.output
    assert "warning: model 'gpt-fakee'" in result.stderr and "did you mean 'gpt-fake'?" in result.stderr
    result = on(router, "config", "set", "routing.default_model", "gpt-fak", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["value"] == "gpt-fak"
    assert "warning: model 'gpt-fak'" in result.stderr
    result = on(router, "config", "set", "routing.default_model", "gpt-fake")
    assert result.exit_code == 0 and "warning" not in result.stderr
