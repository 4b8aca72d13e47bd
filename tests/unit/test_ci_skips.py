"""In CI a skipped test fails the run (tests/ci_skips.py); elsewhere it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

SAMPLE = '''
import shutil
import pytest


@pytest.mark.skipif(not shutil.which("no-such-tool-here"), reason="no no-such-tool-here")
def test_needs_a_tool():
    pass


def test_skips_at_run_time():
    pytest.skip("cannot mount here")


@pytest.mark.xfail(reason="a known bug", strict=True)
def test_known_bug():
    assert False


def test_runs():
    pass
'''


def run_sample(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    command = [sys.executable, "-m", "pytest", "-p", "tests.ci_skips", "-q", "-rA", "-p", "no:cacheprovider",
               "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), str(tmp_path / "test_sample.py")]
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_a_skip_is_a_failure_that_says_why(tmp_path: Path, ci: str) -> None:
    done = run_sample(tmp_path, ci)
    assert done.returncode == 1, done.stdout
    # a skip in set-up (a skipif mark, a fixture's skip) is an error of the test; one while running, a failure
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in done.stdout, done.stdout
    assert "skipped in CI, where it must run" in done.stdout and "no no-such-tool-here" in done.stdout
    assert "cannot mount here" in done.stdout


@pytest.mark.parametrize("ci", [None, "false", ""])
def test_elsewhere_a_skip_stays_a_skip(tmp_path: Path, ci: str | None) -> None:
    done = run_sample(tmp_path, ci)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in done.stdout, done.stdout
