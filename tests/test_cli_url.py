"""Where the `larouter` CLI is told the daemon is: a --url it cannot use is a usage error naming it (before any
request), an OpenAI base URL ending in /v1 is taken as the daemon's own, and a bad address in the environment is
named by its variable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Router
from tests.support.cli import on, run
from tests.support.proc import daemon_env, free_port


@pytest.mark.parametrize(("url", "problem"), [
    ("http://[::1", "is not a valid URL (Invalid IPv6 URL): an IPv6 address goes in brackets"),
    ("http://[abc]:18790", "is not a valid URL ('abc' does not appear to be an IPv4 or IPv6 address)"),
    ("http://127.0.0.1:99999", "the port 99999 is out of range (1-65535)"),
    ("http://127.0.0.1:0", "the port 0 is out of range (1-65535)"),
    ("http://127.0.0.1:http", "the port 'http' is not a number"),
    ("http://:18790", "no host name or address"),
    ("http://127.0.0.1:18790/?project=x", "a daemon URL takes no query"),
])
def test_a_url_that_cannot_be_used_is_a_usage_error_naming_it(url: str, problem: str) -> None:
    """A malformed IPv6 literal, a port out of range or not a number, no host, or a query: exit 1, one line naming
    the URL and what is wrong with it (it was "unexpected ValueError", or a wait for "Connection refused", exit 2)."""
    for args, env in ((["--url", url, "status"], None), (["status", "--url", url], None), (["usage"], url)):
        result = run(*args, env={"LAROUTER_URL": env} if env else None)
        assert result.exit_code == 1, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: --url / LAROUTER_URL {url!r}"), (args, result.stderr)
        assert problem in lines[0] and "unexpected" not in lines[0] and "cannot reach" not in lines[0], lines[0]
        assert result.stdout == ""


@pytest.mark.parametrize("suffix", ["/v1", "/v1/", "/", "//v1//"])
def test_an_openai_base_url_reaches_the_daemon(router: Router, suffix: str) -> None:
    """The base URL given to OpenAI clients (`http://127.0.0.1:18790/v1`) works as --url and LAROUTER_URL: the
    `/v1` is dropped (it was a 404 for every command)."""
    url = router.url + suffix
    status = run("status", "--json", env={"LAROUTER_URL": url})
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["url"] == router.url
    for args in (["usage"], ["config", "get", "routing.default_model"], ["projects", "list"]):
        result = on(url, *args)
        assert result.exit_code == 0 and "404" not in result.output, (args, result.output)


def test_only_a_final_v1_segment_is_dropped() -> None:
    """`/v1beta` or `/v10` is a path of its own, kept as given (the daemon, absent here, is named with it)."""
    port = free_port()
    for path in ("/v1beta", "/v10", "/prefix/v1x"):
        result = run("status", "--url", f"http://127.0.0.1:{port}{path}")
        assert result.exit_code == 2 and f"cannot reach larouterd at http://127.0.0.1:{port}{path}:" in result.stderr


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("LAROUTER_PORT", "abc", "server.port: expected an integer, got 'abc'"),
    ("LAROUTER_SERVER__PORT", "99999", "server.port: must be a TCP port (0-65535), got 99999"),
    ("LAROUTER_HOST", "not a host", "server.host: must be an IP address or a host name, got 'not a host'"),
])
def test_a_bad_address_variable_is_named_with_its_value(tmp_path: Path, home: Path, variable: str, value: str,
                                                        problem: str) -> None:
    """Without --url the CLI reads the daemon's address from the settings; a bad LAROUTER_PORT (or another variable)
    there is one line naming the variable and its value, and no config file when there is none (it blamed
    `.../larouter/config.toml`, which did not exist); larouterd says the same at start."""
    env = {"LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "LAROUTER_CONFIG": None,
           variable: value}
    result = run("status", env=env)
    assert result.exit_code == 1 and result.stdout == "", result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{problem} (from the environment variable {variable})" in lines[0], result.stderr
    assert "(LAROUTER_* environment; no config file)" in lines[0] and "config.toml" not in lines[0], lines[0]
    daemon = subprocess.run([sys.executable, "-m", "larouter.daemon"], capture_output=True, text=True, timeout=30,
                            env=daemon_env(home, **{variable: value}))
    assert daemon.returncode == 78 and "Traceback" not in daemon.stderr, daemon.stderr
    assert f"{problem} (from the environment variable {variable})" in daemon.stderr, daemon.stderr


def test_a_variable_a_config_file_sits_under_is_named_too(tmp_path: Path, home: Path) -> None:
    """With a config file, the file is named as the first layer and the variable on the bad key; a key the file set
    wrong names no variable."""
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[routing]\ncooldown = "soon"\n')
    result = run("status", env={"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": str(cfg), "LAROUTER_PORT": "abc"})
    assert result.exit_code == 1, result.output
    assert f"(file {cfg}, then LAROUTER_* environment)" in result.stderr
    assert "server.port: expected an integer, got 'abc' (from the environment variable LAROUTER_PORT)" in result.stderr
    assert "routing.cooldown: " in result.stderr and "'soon'" in result.stderr
    assert result.stderr.count("from the environment variable") == 1, result.stderr


def test_an_https_url_at_the_plain_http_daemon_says_to_use_http(router: Router) -> None:
    """`--url https://…` at a running larouterd said it could not be reached and to start it (review AU 4): a server
    there that speaks no TLS is said to be one, with the http:// URL to use (exit 2, as for any URL not reached)."""
    https = router.url.replace("http://", "https://")
    result = run("status", "--url", https + "/v1")
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith(f"error: cannot reach larouterd at {https}:"), lines[0]
    assert f"larouterd serves plain HTTP, so use {router.url}" in lines[0] and "start it" not in lines[0], lines[0]
    assert on(router, "status").exit_code == 0
