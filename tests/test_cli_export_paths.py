"""`larouter usage export -o PATH`: names as the shell takes them, and errors that say what to do (review AO of the
thirty-sixth session): a trailing slash, a 255-byte name, a read-only report, a missing directory on the way, a
300-deep path, and the current directory walked as `-o` is when the export picks the name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import Router
from tests.support.cli import NOBODY, as_nobody, on
from tests.support.proc import daemon_env


def test_o_with_a_trailing_slash_is_not_a_file(router: Router, tmp_path: Path) -> None:
    """`-o reports/` (a directory not made yet) wrote a file named `reports` (review AO §6a): refused, as the shell
    refuses `> reports/`, saying to make it."""
    (tmp_path / "out").mkdir()
    out = on(router, "usage", "export", "-o", f"{tmp_path}/out/reports/")
    assert out.exit_code == 1 and "it ends in /, so it names a directory" in out.stderr, out.output
    assert "mkdir -p" in out.stderr and list((tmp_path / "out").iterdir()) == []


def test_o_writes_a_255_byte_name(router: Router, tmp_path: Path) -> None:
    """A valid 241-255-byte name failed with "File name too long": its partial file's name was longer (review AO
    §6b)."""
    here = tmp_path / "out"
    here.mkdir()
    for name in ("u" * 251 + ".csv", "é" * 125 + "u.csv"):  # (255 bytes each: ASCII, and two-byte characters)
        assert len(os.fsencode(name)) == 255
        out = on(router, "usage", "export", "-o", str(here / name))
        assert out.exit_code == 0, out.output
        assert (here / name).read_text().startswith("time,project,")
    assert len(list(here.iterdir())) == 2  # (no partial file left)


def export_as_nobody(router: Router, cwd: Path, *args: str) -> tuple[int, str]:
    """`larouter usage export ARGS` as nobody in `cwd` (its home): its exit code and stderr."""
    return as_nobody(cwd, "usage", "export", *args, "--url", router.url,
                     env={"LAROUTER_HOME": str(cwd / ".lr"), "HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd / ".xdg")})


@pytest.mark.skipif(os.geteuid() != 0, reason="becoming another user needs root (CI runs as root)")
@pytest.mark.parametrize("faccessat", [True, False], ids=["faccessat", "mode-bits"])
def test_o_refuses_a_read_only_report_as_the_shell_does(router: Router, request: pytest.FixtureRequest,
                                                         monkeypatch: pytest.MonkeyPatch, faccessat: bool) -> None:
    """A user's report made read-only to keep it (`chmod 444`) was replaced without a word (review AO §6c): refused,
    as `>` refuses, saying how to replace it; a writable one of theirs is replaced (and, as root, any). Where
    `os.access` takes no directory descriptor (not Linux), the file's mode bits answer the same."""
    if not faccessat:  # (the forked child that exports inherits it)
        monkeypatch.setattr(os, "supports_dir_fd", os.supports_dir_fd - {os.access})
    home = Path(tempfile.mkdtemp(prefix="larouter-nobody-"))  # (tmp_path is in root's 0700 directory)
    request.addfinalizer(lambda: shutil.rmtree(home, ignore_errors=True))
    os.chown(home, NOBODY, NOBODY)
    keep, plain = home / "keep.csv", home / "plain.csv"
    for made in (keep, plain):
        made.write_text("kept report\n")
        os.chown(made, NOBODY, NOBODY)
    keep.chmod(0o444)
    code, said = export_as_nobody(router, home, "-o", "keep.csv")
    assert code == 1 and "it is read-only (mode 0444)" in said and "chmod u+w keep.csv" in said, said
    assert keep.read_text() == "kept report\n"
    code, said = export_as_nobody(router, home, "-o", "plain.csv")
    assert code == 0 and plain.read_text().startswith("time,project,"), said
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == ["keep.csv", "plain.csv"]
    ours = Path(tempfile.mkdtemp(dir=home.parent)) / "keep.csv"  # (root may write anything, as with `>`)
    request.addfinalizer(lambda: shutil.rmtree(ours.parent, ignore_errors=True))
    ours.write_text("kept\n")
    ours.chmod(0o444)
    assert on(router, "usage", "export", "-o", str(ours)).exit_code == 0 and ours.read_text().startswith("time,")


def test_errors_on_the_way_name_the_directory(router: Router, tmp_path: Path) -> None:
    """"No such file or directory" and "Not a directory" did not say which (review AO §6d): the first directory
    missing is named with the `mkdir -p` that makes them, a file on the way is named."""
    out = on(router, "usage", "export", "-o", str(tmp_path / "new" / "dir" / "usage.csv"))
    assert out.exit_code == 1, out.output
    assert f"the directory {tmp_path / 'new'} does not exist" in out.stderr, out.stderr
    assert f"mkdir -p {tmp_path / 'new' / 'dir'}" in out.stderr, out.stderr
    (tmp_path / "file").write_text("x\n")
    out = on(router, "usage", "export", "-o", str(tmp_path / "file" / "usage.csv"))
    assert out.exit_code == 1 and f"{tmp_path / 'file'} is not a directory" in out.stderr, out.output


@pytest.mark.skipif(os.geteuid() != 0, reason="making another user's directory needs root (CI runs as root)")
def test_the_suggested_name_is_refused_in_another_users_directory(router: Router, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Without -o, the export wrote its suggested name into a current directory another user owns, which `-o`
    refuses (they may swap its partial file before it is linked into place: review AO §6g): refused the same way."""
    their = tmp_path / "their"
    their.mkdir()
    os.chown(their, NOBODY, NOBODY)
    monkeypatch.chdir(their)
    out = on(router, "usage", "export")
    assert out.exit_code == 1 and f"{their} on the way is a directory another user owns" in out.stderr, out.output
    assert list(their.iterdir()) == []


def test_a_300_deep_path_fits_in_256_descriptors(router: Router, tmp_path: Path) -> None:
    """Each directory on the way was held open: a 300-deep path failed under `ulimit -n 256` with "Too many open
    files" where `touch` works (review AO §6e). `..` back up the path still lands where the kernel puts it."""
    import resource

    deep = Path(tmp_path, *["d"] * 300)
    deep.mkdir(parents=True)
    back = Path(deep, *[".."] * 250, "up.csv")  # (50 below tmp_path: up to directories no longer held open)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    for output, landed in ((deep / "usage.csv", deep / "usage.csv"), (back, Path(tmp_path, *["d"] * 50, "up.csv"))):
        done = subprocess.run([sys.executable, "-m", "larouter", "usage", "export", "--url", router.url, "-o",
                               str(output)], env=daemon_env(tmp_path / "home"), capture_output=True, text=True,
                              timeout=60, preexec_fn=limited)
        assert done.returncode == 0, done.stderr
        assert landed.read_text().startswith("time,project,")
