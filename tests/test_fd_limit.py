"""larouterd's open files: its soft limit is raised to the hard one at start, and running out of them is larouterd's
own 503, not its provider's failure (review AX 3). Against the real larouterd."""

from __future__ import annotations

import json
import os
import resource
import socket
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, default_stop_signals, larouterd
from tests.support.servers import http_raw, wait_until

pytestmark = pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="reads /proc/<pid>/limits (Linux)")


def limited(soft: int, hard: int) -> Callable[[], None]:
    """A child's `preexec_fn`: larouterd started as `prlimit --nofile=soft:hard` starts it."""

    def preexec() -> None:
        default_stop_signals()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return preexec


def soft_open_files(pid: int) -> int:
    """The process's soft limit on open files, as /proc/<pid>/limits shows it."""
    line = next(line for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
                if line.startswith("Max open files"))
    return int(line.split()[3])


def settled(fds: Path) -> int:
    """How many descriptors the process has open, once that stays the same for 0.2 s."""
    before = -1
    while (now := len(os.listdir(fds))) != before:
        before = now
        time.sleep(0.2)
    return now


HARD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]


@pytest.mark.parametrize("hard", sorted({min(4096, HARD), HARD}))
def test_the_soft_limit_is_raised_to_the_hard_one(home: Path, hard: int) -> None:
    """Started with a soft limit of 256, larouterd raises it to its hard limit, at most to 65,536 (a soft limit of
    1,024, systemd's default, served ~500 streams)."""
    with larouterd(home, preexec=limited(256, hard)) as (_url, proc):
        assert soft_open_files(proc.pid) == (hard if hard != resource.RLIM_INFINITY and hard <= 65536 else 65536)


def test_the_unit_raises_the_limit_too() -> None:
    unit = (Path(__file__).resolve().parents[1] / "systemd" / "larouterd.service").read_text()
    assert "\nLimitNOFILE=65536\n" in unit


@pytest.mark.parametrize("model", ["gpt-fake", "auto"])
def test_out_of_file_descriptors_is_larouterds_503_not_the_providers_failure(home: Path, fake: Fake, tmp_path: Path,
                                                                             model: str) -> None:
    """With every file descriptor but one taken (idle client connections), a chat call's connection to its provider
    fails with EMFILE: a 503 `out_of_file_descriptors` naming larouterd's own limit (under `auto` too: no other
    candidate is tried, none cooled down); the provider is not marked as failing, and once descriptors are free the next
    call is served."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    limit = 128
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY),
                   preexec=limited(limit, limit)) as (url, proc):
        port = int(url.rsplit(":", 1)[1])
        fds = Path(f"/proc/{proc.pid}/fd")
        held: list[socket.socket] = []
        try:
            # Leave one descriptor: the call's own connection is accepted with it; its provider's then cannot open.
            while (len(os.listdir(fds)) < limit - 8 or settled(fds) < limit - 1):  # (settled near the end only)
                sock = socket.create_connection(("127.0.0.1", port))
                held.append(sock)
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # answered: accepted, kept alive
                sock.settimeout(10)
                assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
            status, raw = http_raw("POST", url + "/v1/chat/completions", body, timeout=20)
        finally:
            for sock in held:
                sock.close()
        assert status == 503, raw[:400]
        err = json.loads(raw)["error"]
        assert err["code"] == "out_of_file_descriptors" and err["type"] == "server_error", err
        assert "larouterd is out of file descriptors" in err["message"] and "not reached" in err["message"], err
        assert "LimitNOFILE" in err["message"] and "every candidate failed" not in err["message"]
        wait_until(lambda: len(os.listdir(fds)) < limit // 2, 10, "the held connections to close")
        status, raw = http_raw("GET", url + "/health")
        upstreams = json.loads(raw)["upstreams"]
        assert upstreams.get("fake", {}).get("consecutiveFailures", 0) == 0, upstreams
        status, raw = http_raw("POST", url + "/v1/chat/completions", body, timeout=20)
        assert status == 200, raw[:400]
