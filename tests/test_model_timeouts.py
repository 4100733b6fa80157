"""`local.start_timeout` and `local.stop_grace` changed at runtime apply to models that already ran."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Callable

import pytest

from larouter.models.binary import find_llama_server
from tests.conftest import Router
from tests.support.servers import http_json, router_call as call

pytestmark = pytest.mark.llama
SLOW_START_S = 1.5

# Stands in for a large model's llama-server: it loads for SLOW_START_S, then becomes the real llama-server.
WRAPPER = """#!{python}
import os, sys, time
time.sleep({delay})
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
"""



def slow_server(tmp_path: Path) -> Path:
    """A llama-server that takes SLOW_START_S to load."""
    wrapper = tmp_path / "slow-llama-server"
    wrapper.write_text(WRAPPER.format(python=sys.executable, delay=SLOW_START_S, real=str(find_llama_server())))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


async def test_a_longer_start_timeout_applies_to_the_next_start(local_router: Callable[..., Router],
                                                                 tmp_path: Path) -> None:
    """A model that did not load within `local.start_timeout` starts once the operator raises it with
    `larouter config set local.start_timeout ...` (PATCH /api/config, no restart needed): the model kept the deadline
    it had when it was first started, so every retry failed the same way until larouterd was restarted."""
    router = local_router(extra=f'llama_server = "{slow_server(tmp_path)}"\nstart_timeout = 0.5\n')
    status, out = await call(router, "POST", "/api/models/tiny/start")
    assert status == 502 and "not ready within 0.5 s" in out["error"]["message"], out
    status, out = await call(router, "PATCH", "/api/config", {"local": {"start_timeout": 30}})
    assert status == 200, out
    status, started = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and started["state"] == "ready", started
    assert http_json("POST", router.url + "/api/models/tiny/stop")[0] == 200
