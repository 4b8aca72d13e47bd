"""Set-up: the README's first command installs what the crawl needs, Chromium included, and
leaves a browser that works. The Debian side is run for real against an empty dpkg database (a
bare machine, as dpkg and apt see it) with apt-get's --simulate: the machine's own packages,
which other runs use, are left alone. The browser check runs the real Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

SCRIPTS = PROJECT_ROOT / "scripts"


def packages(name: str) -> list[str]:
    lines = (SCRIPTS / "packages" / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def bare_machine(tmp_path: Path) -> Path:
    """A dpkg database with nothing installed."""
    admindir = tmp_path / "dpkg"
    admindir.mkdir()
    (admindir / "status").write_text("")
    return admindir


def run(*command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)


def apt_would_install(output: str) -> list[str]:
    """The packages named in the dry run's apt-get --simulate lines ("  NAME (VERSION ...)")."""
    return re.findall(r"^  (\S+) \([^)]*\)$", output, re.MULTILINE)


def needs_apt() -> None:
    if run("sh", "-c", "command -v apt-get && command -v dpkg-query").returncode != 0:
        pytest.skip("not a Debian machine: no apt-get/dpkg-query")


def test_the_readme_first_command_runs_the_crawls_setup_first() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    main_command, test_command = (line.split("#")[0].strip() for line in first_block.strip().splitlines()[:2])
    assert main_command == "bash scripts/demo.sh" and test_command == "bash scripts/test.sh"
    for script in ("demo.sh", "test.sh"):
        commands = [line.split("#")[0].strip() for line in (SCRIPTS / script).read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")]
        steps = [c for c in commands if c.startswith(("bash ", "exec "))]
        assert steps[0] == "bash scripts/setup.sh", (script, steps)  # before anything else runs
    setup = (SCRIPTS / "setup.sh").read_text(encoding="utf-8")
    assert 'bash scripts/system-deps.sh "$@" crawl' in setup and "newscrawl.browser_check" in setup


def test_the_crawl_list_holds_chromium_and_the_tests_list_what_only_tests_need() -> None:
    assert {"chromium", "python3-venv"} <= set(packages("crawl"))
    assert {"postgresql", "nginx-light"} <= set(packages("tests"))
    assert not set(packages("crawl")) & set(packages("tests"))


def test_the_setup_installs_chromium_on_a_bare_machine_and_checks_the_browser(tmp_path: Path) -> None:
    """The main command's set-up, as on a machine without Chromium: apt is asked for Chromium
    (and for the venv's package), it resolves them, and the browser check ends the set-up."""
    needs_apt()
    done = run("bash", str(SCRIPTS / "setup.sh"), "--dry-run", "--admindir", str(bare_machine(tmp_path)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    said = done.stdout
    for package in packages("crawl"):
        assert re.search(rf"^  {re.escape(package)}: \S", said, re.MULTILINE), f"{package} not named, with why"
    would = apt_would_install(said)
    assert set(packages("crawl")) <= set(would), would
    assert not set(packages("tests")) & set(would)  # the crawl's set-up installs no test-only package
    assert re.search(r"and \d+ packages in all", said)
    assert re.search(r"^Browser: \S+ \(Chromium [\d.]+\) renders the pages whose article a script builds$", said, re.MULTILINE)


def test_on_a_machine_that_has_them_nothing_is_installed() -> None:
    needs_apt()
    done = run("bash", str(SCRIPTS / "system-deps.sh"), "--dry-run", "crawl", "tests")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # this machine has them all (the test suite runs here)


def test_the_tests_list_asks_apt_for_what_the_tests_need(tmp_path: Path) -> None:
    needs_apt()
    done = run("bash", str(SCRIPTS / "system-deps.sh"), "--dry-run", "--admindir", str(bare_machine(tmp_path)), "tests")
    assert done.returncode == 0, done.stderr
    assert set(packages("tests")) <= set(apt_would_install(done.stdout))
    assert "chromium (" not in done.stdout


def test_a_setup_mistake_is_one_line_and_exit_status_2() -> None:
    for args, message in ((("--dry-run",), "name a list"), (("nosuch",), "no package list"), (("--frobnicate", "crawl"), "unknown option")):
        done = run("bash", str(SCRIPTS / "system-deps.sh"), *args)
        assert done.returncode == 2 and message in done.stderr and len(done.stderr.splitlines()) == 1, (args, done.stderr)


def test_the_browser_check_renders_with_the_real_browser() -> None:
    done = run(sys.executable, "-m", "newscrawl.browser_check", timeout=120)
    if "none found" in done.stderr:
        pytest.skip("no Chromium: bash scripts/setup.sh installs it")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Browser: ") and "renders the pages whose article a script builds" in done.stdout


@pytest.mark.parametrize("chromium,message", [
    ("/nonexistent/chromium", "Browser: none found at /nonexistent/chromium: "),
    ("/bin/true", "Browser: /bin/true does not start or render a page: "),
])
def test_a_browser_that_cannot_render_is_one_line_and_exit_status_1(chromium: str, message: str) -> None:
    done = run(sys.executable, "-m", "newscrawl.browser_check", "--chromium", chromium, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message) and "apt-get install chromium" in lines[0], done.stderr
