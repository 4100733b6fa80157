"""What the `larouter` CLI loads (review BF): it makes HTTP requests with urllib and draws tables with rich, so it
loads neither the routing classifier (about 70 modules, patterns compiled at import) nor aiohttp, DuckDB or
huggingface_hub, and its settings load (the daemon's address and token) does not compile the shipped classifier
rules; every `larouter` command took 0.4-0.5 s for them. These assert what is loaded, not how long it takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.cli import run
from tests.support.proc import daemon_env, larouterd

# what no CLI command uses (the daemon's stack and the classifier)
NOT_FOR_THE_CLI = ("larouter.routing.classifier", "larouter.routing.compiled", "aiohttp", "aiohttp.web", "duckdb",
                   "huggingface_hub")
PROBE = """import json, sys
from larouter.cli import main
try:
    main(sys.argv[1:], prog_name="larouter")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "loaded": [m for m in %r if m in sys.modules]}))""" % (NOT_FOR_THE_CLI,)


def cli(home: Path, *args: str, **extra: str) -> dict[str, object]:
    """`larouter ARGS` in a fresh interpreter (as the console script runs it): its exit code and which of
    NOT_FOR_THE_CLI it loaded by the end."""
    out = subprocess.run([sys.executable, "-c", PROBE, *args], env=daemon_env(home, **extra), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_cli_loads_neither_the_classifier_nor_the_server_stack(home: Path) -> None:
    """`import larouter.cli` (what `larouter --help` and `--version` run) loads none of NOT_FOR_THE_CLI."""
    code = f"import json, sys, larouter.cli; print(json.dumps([m for m in {NOT_FOR_THE_CLI!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], env=daemon_env(home), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [], out.stdout


def test_commands_that_talk_to_the_daemon_compile_no_classifier_rules(home: Path) -> None:
    """`larouter status`, `usage`, `projects list` and `config get`, with the address from this home's settings and
    with LAROUTER_URL, reach the daemon, and load none of NOT_FOR_THE_CLI: the settings load they make for the
    address and the admin token checked the shipped classifier rules by compiling them (60 ms of each command)."""
    with larouterd(home) as (url, _proc):
        for args in (["--help"], ["--version"], ["status"], ["usage"], ["projects", "list"], ["config", "get"]):
            for extra in ({}, {"LAROUTER_URL": url}):
                assert cli(home, *args, **extra) == {"exit": 0, "loaded": []}, (args, extra)


def test_a_bad_classifier_pattern_is_still_named_by_the_cli(home: Path, tmp_path: Path) -> None:
    """The CLI's lighter settings load still compiles classifier rules that are not the shipped ones: a pattern that
    would stop larouterd's next start is named, as before, with or without a running daemon."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    env = {"LAROUTER_HOME": str(home), "LAROUTER_CONFIG": str(cfg)}
    problem = "routing.classifier.patterns.code_block.pattern: invalid regular expression '('"
    with larouterd(home) as (url, _proc):
        cfg.write_text('[routing.classifier.patterns]\ncode_block = {pattern = "(", gate = []}\n')
        shown = run("status", "--json", env=env)
        assert shown.exit_code == 0 and json.loads(shown.stdout)["url"] == url, shown.output
        assert problem in shown.stderr and "a restart of larouterd would fail" in shown.stderr, shown.stderr
    stopped = run("status", env=env)
    assert stopped.exit_code == 1 and problem in stopped.stderr and "no larouterd" in stopped.stderr, stopped.output
