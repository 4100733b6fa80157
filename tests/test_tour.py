"""The README tour works as written (model id and address swapped for a tiny model on a fake hub)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.fake_hub import HUB, make_fake_hub
from tests.support.proc import daemon_env, larouterd
from tests.support.servers import BackgroundLoop, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

README = Path(__file__).parent.parent / "README.md"
pytestmark = [pytest.mark.llama, pytest.mark.slow]


def tour_script() -> str:
    """The shell block between the tour markers."""
    block = re.search(r"<!-- tour -->\s*```sh\n(.*?)```\s*<!-- /tour -->", README.read_text(), re.S)
    assert block, "README lost its tour block"
    return block.group(1)


def test_readme_tour(servers: BackgroundLoop, home: Path, tmp_path: Path) -> None:
    """catalog → download (progress) → start → OpenAI SDK chat → usage, through the real CLI and daemon."""
    hub = make_fake_hub()
    hub[HUB].add("tour/tiny-GGUF", "tiny.gguf", write_tiny_gguf(tmp_path / "tiny.gguf").read_bytes())
    hub_url = servers.start(hub)
    cfg = tmp_path / "tour.toml"
    cfg.write_text("[local]\nctx_size = 2048\nthreads = 1\ndisk_reserve_bytes = 1024\n")
    env = daemon_env(home, HF_ENDPOINT=hub_url)
    with larouterd(home, "--config", str(cfg), env=env) as (url, _proc):
        script = tour_script().replace("gemma-4-e2b", "tiny-tour").replace("http://127.0.0.1:18790", url)
        setup = "larouter models add tiny-tour --repo tour/tiny-GGUF --file tiny.gguf --context-length 2048\n"
        out = subprocess.run(["bash", "-euo", "pipefail", "-c", setup + script], env={**env, "LAROUTER_URL": url},
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "gemma-4-e4b" in out.stdout  # the catalog
        assert "sha256 verified" in out.stdout and "ready" in out.stdout
        if "tiny-tour" not in out.stdout.split("Usage")[-1]:  # the bill lists the call (a loaded disk can commit it
            def billed() -> bool:  # after the query's catch-up, at most 2 s, gave up on it: the next bill has it)
                again = subprocess.run(["larouter", "usage"], env={**env, "LAROUTER_URL": url}, capture_output=True,
                                       text=True, timeout=60)
                return "tiny-tour" in again.stdout.split("Usage")[-1]
            wait_until(billed, 20, "the bill to list the call")
