"""`larouter usage export -o PATH` in directories others may write and through our own descriptors (review AO of the
thirty-sixth session): another user's sticky drop box, a team's group-writable directory or one with an ACL, our
symlink to /dev/stdout, and the messages of a write that fails (a full disk, a removed directory, a name that cannot
be). "Another user" is uid 65534 (nobody), through chown or a child that became it; CI runs as root."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Router
from tests.support.cli import on
from tests.support.proc import daemon_env

NOBODY = 65534
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="making another user's files needs root (CI runs as root)")


def fifo_reader(fifo: Path) -> int:
    """A reader on `fifo` that never blocks the writer's open (what the export wrote into it is then readable)."""
    return os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)


def unread(fd: int) -> bytes:
    """What was written into a FIFO whose reader is `fd` (closed after)."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return b""
    finally:
        os.close(fd)


def theirs(path: Path, mode: int | None = None) -> Path:
    """`path` made another user's (and given `mode`)."""
    os.lchown(path, NOBODY, NOBODY)
    if mode is not None:
        path.chmod(mode)
    return path


USER_OBJ, USER, GROUP_OBJ, MASK, OTHER, ANY = 0x01, 0x02, 0x04, 0x10, 0x20, 0xFFFFFFFF  # (acl_xattr.h's tags)


def set_acl(path: Path, entries: list[tuple[int, int, int]]) -> bytes:
    """Give `path` a POSIX ACL of (tag, permission bits, id) entries, as `setfacl` does (not installed here); its
    value. CI's file system takes ACLs: a test that needs one fails rather than skips where it cannot."""
    acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    os.setxattr(path, "system.posix_acl_access", acl)
    return acl


def planted(directory: Path) -> tuple[Path, Path, int]:
    """Another user's FIFO (`usage.csv`, with a reader that never blocks) and 0666 file (`report.csv`) in
    `directory`: the FIFO, the file and the reader."""
    os.mkfifo(directory / "usage.csv")
    theirs(directory / "usage.csv", 0o666)
    (directory / "report.csv").write_text("their report\n")
    theirs(directory / "report.csv", 0o666)
    return directory / "usage.csv", directory / "report.csv", fifo_reader(directory / "usage.csv")


def their_fifo_is_refused(router: Router, directory: Path) -> None:
    """Another user's FIFO at the name in `directory`, one others may write: the export is refused, saying why, and
    their reader got nothing."""
    fifo, _, reader = planted(directory)
    out = on(router, "usage", "export", "-o", str(fifo))
    assert out.exit_code == 1 and "a FIFO another user made in a directory others may write" in out.stderr, out.output
    assert unread(reader) == b""


@root_only
def test_o_refuses_another_users_sticky_drop_box(router: Router, tmp_path: Path) -> None:
    """Their `/srv/drop` (1777, theirs): their FIFO at the name got the whole CSV, their 0666 file was replaced by a
    CSV keeping their owner and mode, for them to read (review AO §1): a sticky directory's owner may rename anything
    in it, so it is a directory of theirs on the way, refused by name."""
    drop = tmp_path / "drop"
    drop.mkdir()
    theirs(drop, 0o1777)
    fifo, report, reader = planted(drop)
    for output in (fifo, report, drop / "new.csv"):
        out = on(router, "usage", "export", "-o", str(output))
        assert out.exit_code == 1 and f"{drop} on the way is a directory another user owns" in out.stderr, out.output
    assert unread(reader) == b"" and report.read_text() == "their report\n"
    assert sorted(p.name for p in drop.iterdir()) == ["report.csv", "usage.csv"]


@root_only
def test_o_refuses_a_group_members_names_in_a_team_directory(router: Router, tmp_path: Path) -> None:
    """Root's 2775 team directory of group nogroup (nobody's): a member's FIFO at the name got the CSV (with no
    reader, the export hung), their 0666 file was replaced keeping their owner and mode (review AO §2). Refused,
    saying why; a new name there is written, our own symlink there is not followed (the name itself gets the CSV)."""
    team = tmp_path / "team"
    team.mkdir()
    os.chown(team, 0, NOBODY)
    team.chmod(0o2775)
    fifo, report, reader = planted(team)
    for output, what in ((fifo, "a FIFO"), (report, "a file")):
        out = on(router, "usage", "export", "-o", str(output))
        assert out.exit_code == 1, out.output
        assert f"it is {what} another user made in a directory others may write" in out.stderr, out.stderr
    assert unread(reader) == b"" and report.read_text() == "their report\n"
    assert on(router, "usage", "export", "-o", str(team / "ours.csv")).exit_code == 0
    assert stat.S_IMODE((team / "ours.csv").stat().st_mode) == 0o600 and (team / "ours.csv").stat().st_uid == 0
    kept = tmp_path / "kept.csv"
    kept.write_text("mine\n")
    (team / "link.csv").symlink_to(kept)
    assert on(router, "usage", "export", "-o", str(team / "link.csv")).exit_code == 0
    assert kept.read_text() == "mine\n" and (team / "link.csv").read_text().startswith("time,project,")


@root_only
def test_o_treats_a_directory_with_an_acl_as_shared(router: Router, tmp_path: Path) -> None:
    """A 775 directory of ours whose group is ours alone, with an ACL letting nobody write (`setfacl -m
    u:nobody:rwx`): their FIFO at the name is refused, as in a team directory."""
    shared = tmp_path / "acl"
    shared.mkdir()
    os.chown(shared, 0, 0)
    set_acl(shared, [(USER_OBJ, 7, ANY), (USER, 7, NOBODY), (GROUP_OBJ, 5, ANY), (MASK, 7, ANY), (OTHER, 5, ANY)])
    their_fifo_is_refused(router, shared)


@root_only
def test_o_treats_a_group_no_database_lists_as_shared(router: Router, tmp_path: Path) -> None:
    """A 2775 directory whose group no database lists (a gid in no /etc/group entry; members by NSS or systemd's
    SupplementaryGroups= are not listed either): another user in it got the CSV through their FIFO (review AP).
    Only our user-private group counts as ours alone."""
    import grp

    listed = {group.gr_gid for group in grp.getgrall()}
    gid = next(g for g in range(4242, 60000) if g not in listed)
    team = tmp_path / "unlisted"
    team.mkdir()
    os.chown(team, 0, gid)
    team.chmod(0o2775)
    their_fifo_is_refused(router, team)


@root_only
def test_a_report_keeps_its_acl(router: Router, tmp_path: Path) -> None:
    """A report whose ACL lets one user read it and keeps its group out (`user:nobody:r--`, `group::---`,
    `mask::r--`: `ls` shows -rw-r-----+): replaced with its mode alone, the mask became the group's read (the group
    read the CSV) and the named user lost it (review AP). The new file has the ACL."""
    report = tmp_path / "r.csv"
    report.write_text("old\n")
    report.chmod(0o640)
    acl = set_acl(report, [(USER_OBJ, 6, ANY), (USER, 4, NOBODY), (GROUP_OBJ, 0, ANY), (MASK, 4, ANY), (OTHER, 0, ANY)])
    out = on(router, "usage", "export", "-o", str(report))
    assert out.exit_code == 0 and report.read_text().startswith("time,project,"), out.output
    assert os.getxattr(report, "system.posix_acl_access") == acl
    assert stat.S_IMODE(report.stat().st_mode) == 0o640


def test_o_follows_our_symlink_in_a_775_directory_of_a_group_of_our_own(router: Router, tmp_path: Path) -> None:
    """Debian's user private groups (umask 002): our own 775 directory, its group ours alone, is not shared: our
    symlink there updates the file it points to, as in a 755 directory."""
    own = tmp_path / "own"
    own.mkdir()
    os.chown(own, os.geteuid(), os.getegid())
    own.chmod(0o775)
    if os.getegid() != 0:
        pytest.skip("needs a group that is ours alone (root's, as CI runs)")
    kept = own / "kept.csv"
    kept.write_text("old\n")
    (own / "link.csv").symlink_to(kept.name)
    out = on(router, "usage", "export", "-o", str(own / "link.csv"))
    assert out.exit_code == 0, out.output
    assert (own / "link.csv").is_symlink() and kept.read_text().startswith("time,project,")


def cli(router: Router, tmp_path: Path, *args: str, **kw: object) -> subprocess.CompletedProcess:
    """`larouter usage export ARGS` run as users run it, in its own process (stdout, stderr: `kw`)."""
    cmd = [sys.executable, "-m", "larouter", "usage", "export", "--url", router.url, *args]
    return subprocess.run(cmd, env=daemon_env(tmp_path / "home"), timeout=60, **kw)  # type: ignore[call-overload]


@pytest.mark.parametrize("output", ["-", "/dev/stdout"])
def test_a_full_disk_on_stdout_is_a_write_error_not_the_daemons(router: Router, tmp_path: Path, output: str) -> None:
    """`-o - > /dev/full` (a full disk under a cron redirect) said larouterd "stopped answering part-way", exit 2
    (review AO §3): it is our write that failed, exit 1, and no traceback or "Exception ignored" on the way out."""
    with open("/dev/full", "wb") as full:
        done = cli(router, tmp_path, "-o", output, stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 1, done.stderr
    assert "cannot write stdout: No space left on device" in done.stderr and "larouterd" not in done.stderr, done.stderr
    assert "Exception" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_removed_current_directory_is_said(router: Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o usage.csv` (or no -o) where the current directory was removed: said as such, exit 1 (it was "larouterd
    stopped answering part-way ([Errno 2] …)", exit 2: review AO §3)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    for args in (("-o", "usage.csv"), ()):
        out = on(router, "usage", "export", *args)
        assert out.exit_code == 1 and "the current directory was removed" in out.stderr, out.output
        assert "larouterd" not in out.stderr


def test_a_descriptor_too_large_and_a_closed_stdout(router: Router, tmp_path: Path) -> None:
    """`-o /dev/fd/99999999999999999999` said "unexpected OverflowError"; any command with stdout closed (`>&-`)
    ended in an AttributeError traceback (review AO §4): "Bad file descriptor", and a clear error, exit 1."""
    out = on(router, "usage", "export", "-o", "/dev/fd/99999999999999999999")
    assert out.exit_code == 1 and "Bad file descriptor" in out.stderr and "unexpected" not in out.stderr, out.output
    for args in (("usage", "export", "-o", str(tmp_path / "x.csv")), ("usage",)):
        done = subprocess.run(["sh", "-c", '"$@" >&-', "sh", sys.executable, "-m", "larouter", "--url", router.url,
                               *args], env=daemon_env(tmp_path / "home"), capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "stdout is closed" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.csv").exists()
    # a descriptor the shell did not open is none of the CLI's own: the CSV went into its connection to larouterd,
    # "wrote 1.0 kB" (review AP); so with stderr closed, whose number the connection then took
    for shell, output in (('"$@"', "/dev/fd/3"), ('"$@" 2>&-', "/dev/stderr")):
        done = subprocess.run(["sh", "-c", shell, "sh", sys.executable, "-m", "larouter", "--url", router.url, "usage",
                               "export", "-o", output], env=daemon_env(tmp_path / "home"), capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1 and "wrote" not in done.stderr + done.stdout, done
        assert output == "/dev/stderr" or "Bad file descriptor" in done.stderr, done.stderr


def test_o_through_our_symlink_to_dev_stdout_writes_through_our_descriptor(router: Router, tmp_path: Path) -> None:
    """`ln -s /dev/stdout out.csv; -o out.csv >> log` replaced the log (the walk followed /proc/self/fd/1 to the
    log's path); with stdout a pipe it said "No such file or directory" (review AO §5): the descriptor the shell
    opened is written through, as for `-o /dev/stdout`."""
    (tmp_path / "out.csv").symlink_to("/dev/stdout")
    (tmp_path / "via.csv").symlink_to("/proc/self/fd/1")
    log = tmp_path / "log"
    log.write_text("earlier line\n")
    with open(log, "ab") as appended:
        done = cli(router, tmp_path, "-o", str(tmp_path / "out.csv"), stdout=appended, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert log.read_text().startswith("earlier line\ntime,project,"), log.read_text()[:200]
    for name in ("out.csv", "via.csv"):
        done = cli(router, tmp_path, "-o", str(tmp_path / name), capture_output=True)
        assert done.returncode == 0 and done.stdout.startswith(b"time,project,"), done
        assert (tmp_path / name).is_symlink()
