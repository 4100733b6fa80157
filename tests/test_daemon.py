"""The real larouterd process: starts with no config, drains on SIGTERM, refuses bad config."""

from __future__ import annotations

import json
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, free_port, larouterd


def test_starts_with_no_config_file(home: Path) -> None:
    """No config anywhere: the daemon serves /health and /v1/models."""
    with larouterd(home) as (url, _proc):
        health = json.load(urlopen(url + "/health"))
        assert health["status"] == "ok" and health["uptime"] >= 0
        ids = [m["id"] for m in json.load(urlopen(url + "/v1/models"))["data"]]
        assert ids[0] == "auto" and "gpt-4o" in ids


def test_the_data_directory_it_makes_is_private(tmp_path: Path) -> None:
    """A data directory larouterd creates (keys, tokens, the usage ledger, model logs) is 0700, so other local users
    cannot read the ledger even where its files are 0644 (DuckDB makes them with the umask); one that exists is
    left as it is."""
    home = tmp_path / "new" / "home"
    logs = tmp_path / "logs"  # larouterd() keeps its output in the directory it is given
    logs.mkdir()
    with larouterd(logs, env=daemon_env(home)) as (url, _proc):
        assert json.load(urlopen(url + "/health"))["status"] == "ok"
    assert (home / "usage.duckdb").exists()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700, oct(home.stat().st_mode)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    with larouterd(shared) as (url, _proc):
        assert json.load(urlopen(url + "/health"))["status"] == "ok"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


@pytest.mark.parametrize("choice, expected", [(None, "uvloop"), ("asyncio", "asyncio")])
def test_event_loop_choice(home: Path, choice: str | None, expected: str) -> None:
    """uvloop by default, asyncio's loop when server.event_loop says so; the daemon serves on both. Its log lines are
    stamped in UTC whatever the machine's zone (UTC+14 here: they read tomorrow's date, the ledger today's)."""
    from datetime import datetime, timezone

    before = datetime.now(timezone.utc).replace(microsecond=0)
    env = daemon_env(home, TZ="Pacific/Kiritimati", **({"LAROUTER_SERVER__EVENT_LOOP": choice} if choice else {}))
    with larouterd(home, env=env) as (url, proc):
        ids = [m["id"] for m in json.load(urlopen(url + "/v1/models"))["data"]]
        assert ids[0] == "auto"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    log = daemon_log(home)
    assert f"event loop: {expected})" in log
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING) larouter[.a-z]*: ")  # UTC (review AJ)
    assert all(stamp.match(line) for line in log.splitlines() if line.strip()), log
    first = datetime.strptime(log.split(".", 1)[0], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    assert before <= first <= datetime.now(timezone.utc), (before, first)


def test_sigterm_drains_in_flight_requests(home: Path, fake: Fake, tmp_path: Path) -> None:
    """A request in flight when SIGTERM arrives still completes, then the daemon exits 0."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY)
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        result: dict = {}

        def call() -> None:
            body = json.dumps({"model": "fake-delay", "messages": [{"role": "user", "content": "slow"}]}).encode()
            req = Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
            result["body"] = json.load(urlopen(req, timeout=20))

        worker = threading.Thread(target=call)
        worker.start()
        from tests.support.servers import wait_until

        wait_until(lambda: len(fake.state.requests) == 1, 10, "request to reach the provider")
        proc.send_signal(signal.SIGTERM)
        worker.join(20)
        assert result["body"]["choices"][0]["message"]["content"] == "echo: slow"
        assert proc.wait(20) == 0
        assert "shutting down" in daemon_log(home)


@pytest.mark.parametrize(("text", "message"), [
    ('[server]\nmax_body_bytes = "x"\n', "server.max_body_bytes: expected an integer, got 'x'"),
    ('[routing]\nnonsense = true\n', "routing: unknown key(s): nonsense"),
    ('[server]\nevent_loop = "trio"\n', "server.event_loop: must be 'uvloop' or 'asyncio', got 'trio'"),
    ("[routing.policies]\nx = 1\n", "routing.policies.x: expected a table of tier -> model list, got 1"),
    ('[server]\nport = "abc"\n', "server.port: expected an integer, got 'abc'"),  # --port overrides it: still checked
    ("[server]\nport = -1\n", "server.port: must be a TCP port (0-65535), got -1"),
])
def test_bad_config_fails_at_start(home: Path, tmp_path: Path, text: str, message: str) -> None:
    """A bad config file stops the daemon with the key path and value, and no traceback, even where a
    command-line flag overrides the bad key."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--config", str(cfg), "--port", str(free_port())],
                         env=daemon_env(home), capture_output=True, text=True, timeout=30)
    assert out.returncode == 78
    assert message in out.stderr and "Traceback" not in out.stderr


def test_every_bad_value_of_a_section_is_reported_at_once(home: Path, tmp_path: Path) -> None:
    """A start with several bad `[local]` values names each, one line per key, and no traceback: it named only the
    first, so fixing one revealed the next."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[local]\nthreads = 0\nstop_grace = -3\nstart_timeout = 0\ngpu_layers = -1\nmax_restarts = -2\n"
                   "[local.models.mine]\nctx_size = 0\nthreads = -4\n[server]\nshutdown_grace = -1\nport = 70000\n")
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--config", str(cfg), "--port", str(free_port())],
                         env=daemon_env(home), capture_output=True, text=True, timeout=30)
    assert out.returncode == 78 and "Traceback" not in out.stderr, out.stderr
    lines = [line.strip() for line in out.stderr.splitlines()]
    for line in ["local.threads: must be > 0 (leave it unset for llama-server's default), got 0",
                 "local.stop_grace: must be > 0, got -3.0", "local.start_timeout: must be > 0, got 0.0",
                 "local.gpu_layers: must be >= 0 (leave it unset for llama-server's default), got -1",
                 "local.max_restarts: must be >= 0, got -2",
                 "local.models.mine.ctx_size: must be a number of tokens > 0, got 0",
                 "local.models.mine.threads: must be > 0 (leave it unset for llama-server's default), got -4",
                 "server.port: must be a TCP port (0-65535), got 70000",
                 "server.shutdown_grace: must be > 0, got -1.0"]:
        assert line in lines, out.stderr


@pytest.mark.parametrize(("variable", "message"), [
    ("LAROUTER_ROUTING__COOLDOWM", "routing: unknown key(s): cooldowm (from the environment variable "
                                   "LAROUTER_ROUTING__COOLDOWM) (did you mean cooldown?)"),
    ("LAROUTER_ROUTNG__COOLDOWN", "<root>: unknown key(s): routng (from the environment variable "
                                  "LAROUTER_ROUTNG__COOLDOWN) (did you mean routing?)"),
])
def test_a_misspelt_environment_variable_is_named_with_the_key_it_meant(home: Path, variable: str,
                                                                         message: str) -> None:
    """A typo in a LAROUTER_* variable names the variable and the closest key (it said only `routing: unknown
    key(s): cooldowm`, which no config file holds)."""
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())],
                         env=daemon_env(home, **{variable: "5"}), capture_output=True, text=True, timeout=30)
    assert out.returncode == 78 and message in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_a_setting_spelt_with_one_underscore_is_warned_of(home: Path, tmp_path: Path) -> None:
    """`LAROUTER_ROUTING_COOLDOWN=5` (one underscore where two belong) was ignored without a word and the daemon ran
    with the default: the start warns of it, with the spelling it meant and without its value; a variable a provider's
    `api_key_env` names is no stray."""
    cfg = tmp_path / "keys.toml"
    cfg.write_text('[providers.mine]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "LAROUTER_MINE_KEY"\n')
    env = daemon_env(home, LAROUTER_ROUTING_COOLDOWN="sk-value-not-shown", LAROUTER_MINE_KEY="sk-mine-key-1234")
    with larouterd(home, "--config", str(cfg), env=env) as (url, _proc):
        assert json.load(urlopen(url + "/health"))["status"] == "ok"
    log = daemon_log(home)
    assert ("WARNING larouter.daemon: environment variable LAROUTER_ROUTING_COOLDOWN is not a LARouter setting and is "
            "ignored (did you mean LAROUTER_ROUTING__COOLDOWN?)") in log, log
    assert "LAROUTER_MINE_KEY" not in log and "sk-value-not-shown" not in log and "sk-mine" not in log, log


def test_cli_entry_points(home: Path) -> None:
    """`python -m larouter` is the CLI and `larouter status` reports a running daemon."""
    with larouterd(home) as (url, _proc):
        out = subprocess.run([sys.executable, "-m", "larouter", "status", "--url", url, "--json"],
                             env=daemon_env(home), capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["status"] == "ok"
    down = subprocess.run([sys.executable, "-m", "larouter", "status", "--url", f"http://127.0.0.1:{free_port()}"],
                          env=daemon_env(home), capture_output=True, text=True, timeout=30)
    assert down.returncode == 2 and "cannot reach larouterd" in down.stderr


def test_second_daemon_on_same_home_fails_cleanly(home: Path) -> None:
    """The ledger file is locked: a second larouterd on the same home says so, without a traceback."""
    with larouterd(home) as (url, _proc):
        assert "ledger" in json.load(urlopen(url + "/health"))
        out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())],
                             env=daemon_env(home), capture_output=True, text=True, timeout=60)
    assert out.returncode == 78 and "usage ledger" in out.stderr and "Traceback" not in out.stderr


def test_hub_client_loaded_only_for_downloads() -> None:
    """huggingface_hub (with httpx, yaml, tqdm, filelock) is imported at the first download, not at start."""
    code = "import sys, larouter.daemon, larouter.app; print(sorted(m for m in ('huggingface_hub', 'httpx', 'yaml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unusable_home_is_one_clear_line(tmp_path: Path) -> None:
    """LAROUTER_HOME under a regular file: larouterd exits 78 with one line naming the directory and the problem,
    never a traceback (README: "There is never a traceback")."""
    (tmp_path / "afile").write_text("not a directory")
    home = tmp_path / "afile" / "home"
    proc = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())],
                          env=daemon_env(home), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 78, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    assert f"cannot use the data directory {home} ($LAROUTER_HOME)" in proc.stderr, proc.stderr
    assert "Not a directory" in proc.stderr, proc.stderr


def test_a_home_that_is_a_file_is_said_to_be_no_directory(tmp_path: Path) -> None:
    """LAROUTER_HOME naming a file (`/etc/passwd`) said "File exists": it says the path is not a directory but a
    file, in one line, exit 78, no traceback."""
    home = tmp_path / "afile"
    home.write_text("not a directory")
    proc = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())],
                          env=daemon_env(home), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 78 and "Traceback" not in proc.stderr, proc.stderr
    assert f"cannot use the data directory {home} ($LAROUTER_HOME): not a directory: it is a file" in proc.stderr
    assert "File exists" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize("content", ["zq8hm\n", "", "sixteen chars but spaces\n"])
def test_an_admin_token_file_that_is_no_admin_token_refuses_the_start(home: Path, content: str) -> None:
    """`<home>/admin_token` edited by hand into a token too short, empty or with spaces: the start is refused as for
    the same value in LAROUTER_ADMIN_TOKEN, the value not shown (a 5-character token guarded a network bind; an
    empty one left no admin possible, and nothing said why: review B)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "admin_token").write_text(content)
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())],
                         env=daemon_env(home), capture_output=True, text=True, timeout=30)
    assert out.returncode == 78 and "holds no usable admin token" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and (not content.strip() or content.strip() not in out.stderr)


def test_a_first_start_with_nothing_to_answer_says_so(tmp_path: Path) -> None:
    """No provider key and no local model: the start warns that every chat will get a 503 and says what to do (a
    first run was silent until its first request, review W); a key set, no such warning."""
    home = tmp_path / "bare"
    home.mkdir()
    with larouterd(home):
        pass
    said = daemon_log(home)
    assert "no model can answer a request yet" in said and "OPENAI_API_KEY for openai" in said, said
    assert "larouter models download" in said
    keyed = tmp_path / "keyed"
    keyed.mkdir()
    with larouterd(keyed, env=daemon_env(keyed, OPENAI_API_KEY="sk-test-0123456789")):
        pass
    assert "no model can answer" not in daemon_log(keyed)


def test_untrusted_text_never_forges_a_log_line(tmp_path: Path) -> None:
    """A path with an encoded line break, NUL and a `<0>` priority, logged by the loop guard before any token is
    checked, stays on its record's one line, its control characters escaped (it forged a whole log line, and under
    journald a NUL ended the entry so the next began `<0>`: review Y)."""
    import socket

    home = tmp_path / "home"
    home.mkdir()
    with larouterd(home) as (url, _):
        host, port = url.removeprefix("http://").split(":")
        hops = ", ".join(f"{n:016x}" for n in range(9))
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(f"POST /v1/x%0A2026-12-07%2008:00:00,000%20ERROR%20larouter.usage:%20FORGED%00<0>EMERG%E2%80%A8"
                         f" HTTP/1.1\r\nHost: x\r\nx-larouter-hop: {hops}\r\nContent-Length: 0\r\n\r\n".encode())
            assert b" 508 " in sock.recv(4096).split(b"\r\n", 1)[0]
    lines = daemon_log(home).splitlines()
    refused = [line for line in lines if "refused POST /v1/x" in line]
    assert len(refused) == 1 and "\\n2026-12-07" in refused[0] and "\\x00<0>EMERG\\u2028" in refused[0], refused
    forged = [line for line in lines if "FORGED" in line]  # the loop guard's warning and the access line (review
    assert len(forged) == 2 and all("\\n2026-12-07" in line for line in forged), forged  # AJ): quoted, never a line
    assert not [line for line in lines if line.startswith("2026-12-07 08:00")], lines  # of their own


def test_an_address_file_that_cannot_be_written_is_a_data_directory_problem(tmp_path: Path) -> None:
    """`larouterd.address` cannot be written (here a directory is in its place): the data directory is named, exit
    78 (it said "cannot listen on 127.0.0.1:PORT", exit 1, restarted for ever under systemd: review Y)."""
    home = tmp_path / "home"
    (home / "larouterd.address").mkdir(parents=True)
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--port", str(free_port())], env=daemon_env(home),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 78, out.stderr
    assert "cannot use the data directory" in out.stderr and "cannot listen" not in out.stderr, out.stderr
    assert f"Is a directory ({home / 'larouterd.address'})" in out.stderr, out.stderr  # (not the temporary file)
    assert sorted(p.name for p in home.iterdir() if p.name.startswith("larouterd.")) == ["larouterd.address"]


def test_a_config_option_naming_a_directory_is_a_refused_start(tmp_path: Path) -> None:
    """`--config DIR` is a start refused for its settings, exit 78, as `LAROUTER_CONFIG=DIR` is (click's usage error,
    exit 2, was restarted for ever under systemd: review Y)."""
    out = subprocess.run([sys.executable, "-m", "larouter.daemon", "--config", str(tmp_path), "--port",
                          str(free_port())], env=daemon_env(tmp_path / "home"), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 78 and str(tmp_path) in out.stderr and "Traceback" not in out.stderr, out.stderr


@pytest.mark.parametrize(("args", "said"), [
    (["--port", "99999"], "Invalid value for '--port': 99999 is not in the range 0<=x<=65535"),
    (["--log-level", "verbose"], "Invalid value for '--log-level': 'verbose' is not one of"),
    (["--prot", "8080"], "No such option '--prot'"),
])
def test_a_bad_option_is_a_refused_start(tmp_path: Path, args: list[str], said: str) -> None:
    """A bad option exited 2 (click's usage error) where the same value from the file or the environment exits 78,
    which the systemd unit does not restart: a typo in a drop-in's ExecStart was restarted every 2 s (review AU 5).
    It is 78 too, with click's message; `larouter serve` passes the options on and exits the same way."""
    home = tmp_path / "home"
    for cmd in (["-m", "larouter.daemon"], ["-m", "larouter", "serve"]):
        out = subprocess.run([sys.executable, *cmd, *args], env=daemon_env(home), capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 78 and said in out.stderr and "Traceback" not in out.stderr, out.stderr
        assert not (home / "larouterd.address").exists()


def test_models_on_disk_without_a_llama_server_say_nothing_can_answer(tmp_path: Path) -> None:
    """No key, a local model downloaded, no llama-server to run it: the start warns that nothing can answer and why
    (it was silent: review Z2)."""
    from larouter.models.register import user_model
    from larouter.models.catalog import Catalog
    from tests.support.tiny_gguf import write_tiny_gguf

    home = tmp_path / "home"
    home.mkdir()
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    Catalog.load(home).register(user_model({"id": "tiny", "path": str(gguf), "contextLength": 2048}))
    with larouterd(home, env=daemon_env(home, LAROUTER_LLAMA_SERVER=str(tmp_path / "no-such-llama-server"))):
        pass
    said = daemon_log(home)
    assert "no model can answer a request yet" in said and "the local models downloaded cannot start" in said, said
