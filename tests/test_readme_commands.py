"""Every `larouter` command the README shows is one the CLI takes as written: its command lines (and the commands
their `# also:` comments name, each read as `larouter ITEM`) get past argument parsing, and every command named in its
prose exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from larouter.cli import main
from tests.support.cli import ROOT, on
from tests.support.proc import free_port

README = (ROOT / "README.md").read_text()


def block_lines() -> list[str]:
    """The `larouter ...` lines of the README's shell blocks, each with its comment (continued on `#` lines)."""
    out: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            if line.startswith("larouter "):
                out.append(line)
            elif out and line.lstrip().startswith("#") and line.startswith(" "):
                out[-1] += " " + line.strip().lstrip("#")
    return out


def command_path(words: list[str]) -> tuple[list[str], click.Command]:
    """The leading words that name (sub)commands, and the command they name."""
    cmd: click.Command = main
    path: list[str] = []
    for word in words:
        if not isinstance(cmd, click.Group) or word not in cmd.commands:
            break
        cmd = cmd.commands[word]
        path.append(word)
    return path, cmd


def invocations() -> list[list[str]]:
    """Each block line's command, and each `# also:` item as a command of its own (`larouter ITEM`)."""
    out = []
    for line in block_lines():
        command, _, comment = line.partition(" #")
        out.append(shlex.split(command)[1:])
        if "also:" in comment:
            for item in comment.rsplit("also:", 1)[1].split(","):
                out.append(item.replace("[", "").replace("]", "").split())
    return out


@pytest.mark.parametrize("words", invocations(), ids=" ".join)
def test_readme_command_lines_parse(words: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a closed port, a README command gets as far as calling the daemon (exit 2, "cannot reach"): its
    command, options and arguments are all taken (a usage error is exit 1)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.gguf").write_bytes(b"GGUF")  # `models add mine --path ./model.gguf`
    url = f"http://127.0.0.1:{free_port()}"
    result = on(url, *words, input="sk-not-a-key\n", env={"LAROUTER_HOME": str(tmp_path / "home")})
    assert result.exit_code == 2 and "cannot reach larouterd" in result.stderr, (words, result.output)


def test_readme_prose_names_real_commands() -> None:
    """Every `larouter WORD ...` in the README's text names a command the CLI has."""
    named = re.findall(r"`larouter ((?:[a-z][a-z-]* ?)+)", README)
    assert len(named) > 10
    for words in named:
        path, cmd = command_path(words.split())
        assert path, words
        rest = words.split()[len(path):]
        assert not (isinstance(cmd, click.Group) and rest and not cmd.invoke_without_command), words
