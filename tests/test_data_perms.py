"""The usage ledger's files are private (0600) like every other data file, and a shared data directory is named."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from tests.support.proc import daemon_log, larouterd
from tests.support.servers import http_raw, wait_until


def mode(path: Path) -> int:
    """The permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


def test_the_ledger_files_are_private_and_a_shared_home_is_warned_of(home: Path) -> None:
    """Under the usual 022 umask, usage.duckdb and usage.duckdb.wal were created 0644 while the other data files
    are 0600; now every file larouterd makes in its home is 0600, and a home others may enter (0755, made before)
    is named in a warning with the chmod that fixes it."""
    home.chmod(0o755)
    old = os.umask(0o022)
    try:
        with larouterd(home) as (url, _proc):
            status, _ = http_raw("POST", url + "/v1/chat/completions",
                                 {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
            assert status == 503  # no OpenAI key here: refused, and recorded
            wait_until(lambda: (home / "usage.duckdb.wal").exists(), 10, "the ledger's WAL")
            time.sleep(0.2)
            public = ("larouterd.log", "larouterd.address")  # the test's own log; where it listens (0644 by design)
            files = {p.name: mode(p) for p in home.iterdir() if p.is_file() and p.name not in public}
    finally:
        os.umask(old)
    assert {"usage.duckdb", "usage.duckdb.wal", "admin_token"} <= set(files), files
    assert all(m == 0o600 for m in files.values()), sorted((n, oct(m)) for n, m in files.items() if m != 0o600)
    assert f"the data directory {home} has mode 0755" in daemon_log(home) and f"chmod 700 {home}" in daemon_log(home)


def test_a_config_file_others_may_read_that_holds_a_key_is_warned_of(home: Path, tmp_path: Path) -> None:
    """A config file setting a provider key (or the admin token) with mode 0644: the start warns, naming the file,
    the keys (never their values) and the chmod; a 0600 one, or one with no secret, draws no warning."""
    secret = "sk-config-file-secret-0123456789"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[providers.openai]\napi_key = "{secret}"\n')
    cfg.chmod(0o644)
    with larouterd(home, "--config", str(cfg)):
        pass
    log = daemon_log(home)
    assert f"the config file {cfg} has mode 0644 and sets providers.openai.api_key" in log, log[-2000:]
    assert f"chmod 600 {cfg}" in log and secret not in log
    (home / "larouterd.log").unlink()
    cfg.chmod(0o600)
    with larouterd(home, "--config", str(cfg)):
        pass
    cfg.write_text('[routing]\ncooldown = 5.0\n[routing.classifier.tuning]\ncode_token = 2.5\n')  # (a weight)
    cfg.chmod(0o644)
    with larouterd(home, "--config", str(cfg)):
        pass
    assert "the config file" not in daemon_log(home)


def test_a_shared_config_file_of_another_user_gets_advice_that_works(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Root's /etc/larouter/config.toml under the systemd unit (the daemon runs as another user): `chmod 600`, the
    advice, locked the service out. Such a file holding a key gets the advice to move the secrets to the environment."""
    from larouter import fsutil

    cfg = tmp_path / "config.toml"
    cfg.write_text('[providers.openai]\napi_key = "sk-config-file-secret-0123456789"\n')
    cfg.chmod(0o644)
    monkeypatch.setattr(fsutil.os, "geteuid", lambda: cfg.stat().st_uid + 1)  # (as the service's dynamic user)
    said = fsutil.warn_if_readable_secret(cfg, ["providers.openai.api_key"])
    assert said is not None and "it is another user's file, so move the secrets to the environment" in said, said
    assert "chmod 600" not in said
