"""A provider whose base_url leads back to LARouter (OPENAI_BASE_URL set to LARouter's own address, as the README
tells SDK users to do) is refused at the first hop with a 508 `provider_loop` naming it, instead of one request
proxying itself thousands of times until the file descriptors run out."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Callable

import openai
import pytest

from larouter.app import make_app
from larouter.runtime import load_runtime
from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.proc import daemon_env, daemon_log
from tests.support.servers import BackgroundLoop, http_json
from tests.test_explain_agrees import post

HI = [{"role": "user", "content": "hi"}]
LOOPER = {"providers": {"selfie": {"base_url": "", "api_key": "sk-selfie-key-0123456789", "models": ["loop-model"]}}}


def _point_back(router: Router, at: str | None = None) -> None:
    patch = {"providers": {"selfie": {**LOOPER["providers"]["selfie"], "base_url": at or router.v1}}}
    status, out = http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)
    assert status == 200, out


def _calls(router: Router) -> int:
    """The calls the daemon recorded (once the last one is in: recording follows the answer)."""
    import time

    time.sleep(0.3)
    return http_json("GET", router.url + "/health")[1]["ledger"]["submitted"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_pointing_back_is_refused_at_the_first_hop(router: Router, stream: bool,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """A named model on a provider whose base_url is this daemon: 508 provider_loop naming the provider and its
    base_url, at once, one call in the ledger (the inner request is refused before it is a call); the SDK does not
    retry it; and setting that base_url logs a warning."""
    caplog.set_level(logging.WARNING, "larouter.proxy")
    _point_back(router)
    assert any("provider 'selfie' has base_url" in r.getMessage() for r in caplog.records), caplog.text
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=2, timeout=10)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="loop-model", messages=HI, stream=stream)
    err = info.value
    assert err.status_code == 508 and err.body["code"] == "provider_loop", err.body  # type: ignore[index]
    msg = err.body["message"]  # type: ignore[index]
    assert "provider 'selfie'" in msg and router.v1 in msg and "points back at this larouterd" in msg, msg
    assert err.response.headers.get("x-should-retry") == "false"
    assert _calls(router) == 1  # one attempt, no retry, no fan-out
    assert "sk-selfie" not in msg


def test_auto_passes_a_looping_candidate_over(make_router: Callable[..., Router], fake: Fake) -> None:
    """Under `auto` the looping candidate fails like any other (one inner request) and the next one answers; the
    real provider sees the hop header (one random id, nothing of the client's)."""
    router = make_router('[routing.policies.cost-optimized]\nSIMPLE = ["loop-model", "gpt-fake"]\n'
                         'MEDIUM = ["loop-model", "gpt-fake"]\n')
    _point_back(router)
    status, headers, out = post(router.v1 + "/chat/completions", {"model": "auto", "messages": HI})
    assert status == 200 and headers["x-larouter-model"] == "gpt-fake", (status, headers, out)
    assert "loop-model failed (provider_loop) -> next" in headers["x-larouter-reason"], headers
    assert len(fake.state.requests) == 1
    assert re.fullmatch(r"[0-9a-f]{16}", fake.state.headers[-1]["x-larouter-hop"]), fake.state.headers[-1]


def test_a_loop_through_two_daemons_is_refused(servers: BackgroundLoop, make_router: Callable[..., Router],
                                               tmp_path: Path) -> None:
    """A -> B -> A: B forwards A's mark with its own, so A refuses the request when it comes back; both say which of
    their providers leads into the loop."""
    a = make_router()
    home_b = tmp_path / "home-b"
    home_b.mkdir()
    cfg = tmp_path / "b.toml"
    cfg.write_text('[routing]\ndefault_model = "loop-model"\n')
    runtime = load_runtime(cfg, env={"LAROUTER_HOME": str(home_b), "FAKE_KEY": FAKE_KEY})
    b = Router(servers.start(make_app(runtime)), runtime.settings)
    _point_back(a, at=b.v1)  # A's loop-model is served by B
    _point_back(b, at=a.v1)  # and B's by A
    status, _, out = post(a.v1 + "/chat/completions", {"model": "loop-model", "messages": HI})
    assert status == 508 and out["error"]["code"] == "provider_loop", out
    assert "provider 'selfie'" in out["error"]["message"] and "in a loop" in out["error"]["message"], out
    assert _calls(a) == 1 and _calls(b) == 1  # A's call and B's; A's refusal of its own request is not a call


def test_the_daemon_with_openai_base_url_set_to_itself(tmp_path: Path) -> None:
    """The review's repro: larouterd started with OPENAI_BASE_URL pointing at itself warns at start and answers a
    gpt-4o-mini request with one 508 naming the variable, not ten thousand proxied calls."""
    import subprocess
    import sys
    import time

    from larouter.models.process import free_port
    from tests.support.proc import wait_healthy

    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = daemon_env(home, OPENAI_API_KEY="sk-test-loop-123456", OPENAI_BASE_URL=url + "/v1")
    with open(home / "larouterd.log", "a", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, "-m", "larouter.daemon", "--port", str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            wait_healthy(url, proc)
            started = time.monotonic()
            status, _, out = post(url + "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": HI})
            assert time.monotonic() - started < 5
        finally:
            proc.terminate()
            proc.wait(20)
    assert status == 508 and out["error"]["code"] == "provider_loop", out
    assert "OPENAI_BASE_URL" in out["error"]["message"] and "provider 'openai'" in out["error"]["message"], out
    text = daemon_log(home)
    assert "provider 'openai' has base_url" in text and "OPENAI_BASE_URL" in text, text
    assert text.count("larouter.access") == 2, text  # the call, and its request coming back here (refused: a line
    assert text.count("project=default requested=gpt-4o-mini") == 1, text  # of its own, review AJ), never more
