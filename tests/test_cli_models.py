"""The `larouter models` commands against a running daemon: catalog, registration and the real llama-server (start,
ps, health, logs, stop); downloads from a fake hub are in test_cli_downloads.py."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import Router
from tests.support.cli import ROOT, ok_json, on
from tests.support.fake_hub import random_bytes
from tests.support.proc import daemon_env, default_sigint
from tests.support.servers import http_json, register, unregister, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

REPO, FILE = "fake-org/tiny-GGUF", "tiny-q8_0.gguf"


# --- models: catalog, registration (downloads: test_cli_downloads.py) ------------------------------------------------------------------


def test_models_catalog_list_add_remove(router: Router, tmp_path: Path) -> None:
    """catalog lists the lineup; add registers a local GGUF that list shows; remove forgets it."""
    catalog = ok_json(router, "models", "catalog")
    assert {"gemma-4-e4b", "gemma-4-31b"} <= {m["id"] for m in catalog}
    shown = on(router, "models", "catalog")
    assert shown.exit_code == 0 and "gemma-4-e4b" in shown.stdout and "Runs here" in shown.stdout
    assert "no local models yet" in on(router, "models", "list").stdout

    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    added = on(router, "models", "add", "mine", "--path", str(gguf), admin=True)
    assert added.exit_code == 0 and f"registered mine ({gguf})" in added.stdout
    assert [m["id"] for m in ok_json(router, "models", "list")] == ["mine"]
    assert "mine" in on(router, "models", "list").stdout
    assert ok_json(router, "models", "health", "mine")["state"] == "stopped"
    assert ok_json(router, "models", "logs", "mine") == {"id": "mine", "lines": []}
    assert "removed mine" in on(router, "models", "remove", "mine", "--yes", admin=True).stdout
    assert ok_json(router, "models", "list") == []


def test_models_remove_asks_first(router: Router, tmp_path: Path) -> None:
    """`models remove` asks (on stderr) as `projects delete` does: a no, or no answer at all (stdin at its end, as
    from a script), is exit 1 with the model still registered; a yes, or -y/--yes without asking, removes it."""
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert ok_json(router, "models", "add", "mine", "--path", str(gguf), admin=True)["id"] == "mine"
    for answer in ("n\n", "", None):
        kept = on(router, "models", "remove", "mine", input=answer, admin=True)
        assert kept.exit_code == 1 and "Remove model mine from the catalog?" in kept.stderr, kept.output
        assert "aborted" in kept.stderr and "removed" not in kept.stdout, kept.output
        assert [m["id"] for m in ok_json(router, "models", "list")] == ["mine"]
    removed = on(router, "models", "remove", "mine", input="y\n", admin=True)
    assert removed.exit_code == 0 and "removed mine" in removed.stdout, removed.output
    assert ok_json(router, "models", "add", "mine", "--path", str(gguf), admin=True)["id"] == "mine"
    quiet = on(router, "models", "remove", "mine", "-y", "--json", admin=True)
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout.startswith("{"), quiet.output
    assert ok_json(router, "models", "list") == [] and gguf.exists()  # the file on disk is kept


def test_models_remove_of_an_unknown_model_says_so_without_asking(router: Router) -> None:
    """`models remove nope` asked "Remove model nope from the catalog? [y/N]" before saying the model is unknown: it
    now fails at once with the daemon's unknown-model error, whatever stdin holds, and asks nothing."""
    for answer in ("y\n", "", None):
        result = on(router, "models", "remove", "nope", input=answer, admin=True)
        assert result.exit_code == 1 and "unknown model 'nope'" in result.stderr, result.output
        assert "Remove model" not in result.output and "aborted" not in result.output, result.output
    assert on(router, "models", "remove", "nope", "-y", admin=True).exit_code == 1
    shipped = on(router, "models", "remove", "gemma-4-e4b", input="y\n", admin=True)  # shipped: refused, not asked
    line = " ".join(shipped.stderr.split())
    assert shipped.exit_code == 1 and "'gemma-4-e4b' is part of the shipped catalog" in line, shipped.output
    assert "Remove model" not in shipped.output, shipped.output


@pytest.mark.parametrize("content", [random_bytes(100_000, seed=3), b"GGU", b"", b"ggufGGUF"],
                         ids=["random", "short", "empty", "lowercase"])
def test_models_add_refuses_a_file_that_is_not_gguf(router: Router, tmp_path: Path, content: bytes) -> None:
    """`models add --path` of a .gguf that does not start with the GGUF magic is refused at once (it was registered,
    and failed only at its first start): exit 1, the daemon's 400 on `path` naming the file and the problem;
    nothing is registered. Over HTTP: 400 `invalid_gguf`."""
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(content)
    result = on(router, "models", "add", "badm", "--path", str(bad), admin=True)
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and f"HTTP 400: 'path' {str(bad)!r} is not a GGUF model file" in line, result.output
    assert 'does not start with the GGUF magic bytes "GGUF"' in line, line
    status, out = register(router, {"id": "badm", "path": str(bad)})
    assert status == 400 and out["error"]["code"] == "invalid_gguf" and out["error"]["param"] == "path", out
    assert ok_json(router, "models", "list") == []


def test_model_errors_shown_by_the_cli_name_cli_commands(router: Router, tmp_path: Path) -> None:
    """The daemon's errors a CLI user meets name the command to run as well as the endpoint: an unknown model
    (`larouter models catalog`; it said only `see GET /api/models/catalog`), an unknown download
    (`larouter models downloads`), a model not downloaded (`larouter models download ID`)."""
    for args in (["models", "health", "nope"], ["models", "start", "nope"], ["models", "download", "nope"]):
        result = on(router, *args)
        line = " ".join(result.stderr.split())
        assert result.exit_code == 1 and "unknown model 'nope'; the catalog lists the models: `larouter models " \
            "catalog` (GET /api/models/catalog)" in line, (args, line)
    result = on(router, "models", "cancel", "dl_0123456789abcdef")
    assert result.exit_code == 1 and "`larouter models downloads` (GET /api/models/downloads)" in result.stderr
    assert on(router, "models", "add", "remote", "--repo", REPO, "--file", FILE, admin=True).exit_code == 0
    result = on(router, "models", "start", "remote")
    line = " ".join(result.stderr.split())
    assert result.exit_code == 1 and "download it with `larouter models download remote`" in line, line


@pytest.mark.llama
def test_models_start_ps_health_logs_stop(local_router: Callable[..., Router]) -> None:  # noqa: F811
    """start waits until ready; ps, health, logs and status see it; stop stops it; a second stop is exit 1."""
    router = local_router()
    started = on(router, "models", "start", "tiny")
    assert started.exit_code == 0, started.output
    assert "✓ tiny ready on port" in started.stdout
    assert [p["id"] for p in ok_json(router, "models", "ps")] == ["tiny"]
    assert "tiny" in on(router, "models", "ps").stdout
    health = ok_json(router, "models", "health", "tiny")
    assert health["state"] == "ready" and health["healthy"] is True
    assert "healthy" in on(router, "models", "health", "tiny").stdout
    logs = on(router, "models", "logs", "tiny", "-n", "50")
    assert logs.exit_code == 0 and len(logs.stdout.splitlines()) > 1
    assert [m["id"] for m in ok_json(router, "status")["running"]] == ["tiny"]
    assert "tiny (ready, port" in on(router, "status").stdout
    stopped = on(router, "models", "stop", "tiny")
    assert stopped.exit_code == 0 and "stopped tiny" in stopped.stdout
    last_run = on(router, "models", "logs", "tiny", "-n", "5000")  # a stopped model's lines are its last run's: said
    assert last_run.exit_code == 0 and last_run.stdout.strip() and logs.stdout.splitlines()[0] in last_run.stdout
    assert "tiny is stopped" in last_run.stderr and "from its last run" in last_run.stderr, last_run.stderr
    again = on(router, "models", "stop", "tiny")
    assert again.exit_code == 1 and "HTTP 409" in again.stderr
    assert "no models running" in on(router, "models", "ps").stdout


@pytest.mark.llama
def test_removing_a_running_model_is_a_conflict_that_says_to_stop_it(
        local_router: Callable[..., Router]) -> None:  # noqa: F811
    """Removing a running model was a 400 `model_running` ("stop it first"): it is a 409 conflict naming the command
    that stops it, over HTTP and from the CLI (with --yes, and without it before any question); stopped, it goes."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    status, out = unregister(router, "tiny")
    assert (status, out["error"]["code"]) == (409, "model_running"), out
    assert "stop it first: `larouter models stop tiny` (POST /api/models/tiny/stop)" in out["error"]["message"], out
    for args, answer in ((["-y"], None), ([], "y\n")):
        refused = on(router, "models", "remove", "tiny", *args, input=answer, admin=True)
        line = " ".join(refused.stderr.split())
        assert refused.exit_code == 1 and "HTTP 409: model 'tiny' is running; stop it first: `larouter models stop " \
            "tiny`" in line, refused.output
        assert "Remove model" not in refused.output, refused.output
    assert on(router, "models", "stop", "tiny").exit_code == 0
    assert "removed tiny" in on(router, "models", "remove", "tiny", "--yes", admin=True).stdout


@pytest.mark.llama
def test_models_start_options_out_of_bounds_are_refused(local_router: Callable[..., Router]) -> None:  # noqa: F811
    """start --threads/--ctx-size/--gpu-layers beyond their bounds is exit 1 with the daemon's reason, said of the
    flag the user typed (it named the API field: "'ctxSize' must be from 256"), and nothing starts."""
    router = local_router()
    for flag, value, says, field in (("--threads", "100000", "--threads must be from 1 to", "'threads'"),
                                     ("--ctx-size", "100", "--ctx-size must be from 256 to 2048", "'ctxSize'"),
                                     ("--gpu-layers", "1000", "--gpu-layers must be from 0 to 999", "'gpuLayers'")):
        refused = on(router, "models", "start", "tiny", flag, value)
        assert refused.exit_code == 1 and "HTTP 400" in refused.stderr and says in refused.stderr, refused.output
        assert field not in refused.stderr, refused.stderr
    assert ok_json(router, "models", "health", "tiny")["state"] == "stopped"


@pytest.mark.llama
def test_models_logs_follow_until_ctrl_c(local_router: Callable[..., Router], home: Path) -> None:  # noqa: F811
    """logs -f prints the tail, then follows; Ctrl-C ends it with exit 130."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "logs", "tiny", "-f", "--url", router.url],
                            cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    first = proc.stdout.readline() if proc.stdout else ""
    assert first.strip(), "logs -f printed nothing"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


def test_models_logs_follow_prints_each_line_once(local_router: Callable[..., Router], home: Path) -> None:  # noqa: F811
    """`logs -f -n 3` prints the last 3 lines, then each new line once, as the logs API counts them (review B)."""
    router = local_router()
    assert on(router, "models", "start", "tiny").exit_code == 0
    before = http_json("GET", router.url + "/api/models/tiny/logs?lines=1")[1]["total"]
    assert before > 3  # (a started llama-server has said more than three lines)
    proc = subprocess.Popen([sys.executable, "-m", "larouter", "models", "logs", "tiny", "-f", "-n", "3", "--url",
                             router.url], cwd=ROOT, env=daemon_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: len(printed) >= 3, 15, "the first three lines")
        status, _ = http_json("POST", router.v1 + "/chat/completions",
                              {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
        assert status == 200
        after = http_json("GET", router.url + "/api/models/tiny/logs?lines=1")[1]["total"]
        assert after > before  # (the call was logged)
        wait_until(lambda: len(printed) >= 3 + after - before, 15, "the new lines")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        reader.join(5)
    final = http_json("GET", router.url + "/api/models/tiny/logs?lines=1")[1]["total"]  # (llama-server may say a
    assert 3 + after - before <= len(printed) <= 3 + final - before, printed  # line more after the answer)
