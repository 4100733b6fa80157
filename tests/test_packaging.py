"""What a release carries, built from a copy of the source tree as `pip install .` and `python -m build` would: the
sdist is the whole project (the systemd unit and the docs the README points to, the licence, the suite with its
support code, the benchmarks, CI's entry point: it lacked all of these but the package, the README and the test_*.py
files, so its tests collected nothing: review BG), and the built package holds every data file the code opens."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist")
SETUP = "import setuptools; setuptools.setup()"  # (setup.cfg; the command and its options are the argv)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source tree, to build in (a build writes its egg-info and build directories there)."""
    src = tmp_path_factory.mktemp("release") / "larouter"
    shutil.copytree(ROOT, src, ignore=SKIP)
    return src


def setuptools_command(src: Path, *args: str) -> None:
    """Run a setuptools command on setup.cfg (no build isolation: nothing is fetched)."""
    done = subprocess.run([sys.executable, "-c", SETUP, *args], cwd=src, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_sdist_is_the_whole_project(source: Path, tmp_path: Path) -> None:
    setuptools_command(source, "-q", "sdist", "--dist-dir", str(tmp_path))
    [sdist] = tmp_path.glob("larouter-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    wanted = {"README.md", "CHANGELOG.md", "SECURITY.md", "LICENSE", "setup.cfg", "pyproject.toml", ".ci/run",
              "systemd/larouterd.service", "bin/larouter", "bin/larouterd", "larouter/models/CATALOG_SOURCES.md",
              "tests/conftest.py", "tests/support/fake_openai.py", "tests/support/tiny_gguf.py", "bench/harness.py",
              "bench/README.md"}
    wanted |= {str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py") if "__pycache__" not in p.parts}
    assert not wanted - names, sorted(wanted - names)


def test_the_built_package_holds_every_data_file(source: Path, tmp_path: Path) -> None:
    setuptools_command(source, "-q", "build_py", "--build-lib", str(tmp_path))
    built = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    data = {str(p.relative_to(ROOT)) for p in (ROOT / "larouter").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc", ".md") and "__pycache__" not in p.parts}
    assert data and {"larouter/routing/heartbeat_model.tsv", "larouter/models/catalog.json", "larouter/py.typed"} <= data
    assert not data - built, sorted(data - built)
