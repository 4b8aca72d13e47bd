"""The schedules in deploy/: each file is parsed, and the very command it runs is run
against a mirror (NEWSCRAWL_BASE_URL, which the files document, points it there; the
checkout stands in for /opt/newscrawl and a temporary folder for /var/lib/newscrawl)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.conftest import PROJECT_ROOT
from tests.ops.conftest import crawl_rows, expected_ids, stored_ids

pytestmark = pytest.mark.e2e

DEPLOY = PROJECT_ROOT / "deploy"
INSTALL = "/opt/newscrawl"
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


def read_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit file as {section: [(key, value), ...]} (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        assert current is not None and "=" in line, line
        key, value = line.split("=", 1)
        current.append((key, value))
    return sections


def one(section: list[tuple[str, str]], key: str) -> str:
    values = [v for k, v in section if k == key]
    assert len(values) == 1, (key, values)
    return values[0]


def systemd_command(unit: Path, instance: str, overrides: dict[str, str]) -> tuple[list[str], str, dict[str, str]]:
    """ExecStart as systemd runs it: %i, then ${NAME} from Environment= (with overrides, as
    /etc/newscrawl.env would give them), each a word of its own."""
    service = read_unit(unit)["Service"]
    env = dict(v.split("=", 1) for k, v in service if k == "Environment")
    assert set(overrides) <= set(env), "the unit does not document these variables"
    env.update(overrides)
    words = shlex.split(one(service, "ExecStart").replace("%i", instance))
    command = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], w).replace(INSTALL, str(PROJECT_ROOT)) for w in words]
    return command, one(service, "WorkingDirectory").replace(INSTALL, str(PROJECT_ROOT)), env


def test_systemd_service_and_timer(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    unit = DEPLOY / "systemd" / "newscrawl-crawl@.service"
    timer = read_unit(DEPLOY / "systemd" / "newscrawl-crawl@.timer")
    assert one(timer["Timer"], "OnCalendar") and one(timer["Timer"], "Persistent") == "true"
    assert one(timer["Install"], "WantedBy") == "timers.target"
    service = read_unit(unit)["Service"]
    assert one(service, "Type") == "oneshot" and "75" in one(service, "SuccessExitStatus").split()

    data = tmp_path / "var-lib-newscrawl"
    command, cwd, env = systemd_command(unit, "asia", {"NEWSCRAWL_DATA_DIR": str(data), "NEWSCRAWL_BASE_URL": mirror.base_url})
    assert command[:3] == [str(PROJECT_ROOT / ".venv/bin/scrapy"), "crawl", "asia"]
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert stored_ids(data / "news.sqlite") == expected_ids(manifest)
    assert [r[1] for r in crawl_rows(data / "news.sqlite")] == ["finished"]
    assert sorted(p.name for p in (data / "jobs" / "asia").iterdir()) == ["newscrawl.lock"]  # ready for the next hour


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_units_verify(tmp_path: Path) -> None:
    """systemd's own check of the units, with the paths of this checkout."""
    for unit in sorted((DEPLOY / "systemd").iterdir()) + [DEPLOY / "scrapyd" / "scrapyd.service"]:
        text = unit.read_text().replace(INSTALL, str(PROJECT_ROOT))
        text = re.sub(r"^(User|Group)=.*$", "", text, flags=re.MULTILINE)  # no such user on a test machine
        (tmp_path / unit.name).write_text(text)
    for kind in ("service", "timer"):  # an instance of each template, as `systemctl enable ...@asia.timer` makes
        (tmp_path / f"newscrawl-crawl@asia.{kind}").symlink_to(tmp_path / f"newscrawl-crawl@.{kind}")
    names = [str(tmp_path / n) for n in ("newscrawl-crawl@asia.service", "newscrawl-crawl@asia.timer", "scrapyd.service")]
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True, timeout=60)
    # systemd only warns about a bad line (naming the file): any mention of our files is one
    assert done.returncode == 0 and str(tmp_path) not in done.stdout + done.stderr, done.stdout + done.stderr


def read_cron(path: Path) -> tuple[dict[str, str], list[tuple[list[str], str, str]]]:
    """An /etc/cron.d file: its variables, and its jobs as (time fields, user, command)."""
    env: dict[str, str] = {}
    jobs: list[tuple[list[str], str, str]] = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        variable = re.match(r"^([A-Z_]+)=(.*)$", line)
        if variable:
            env[variable.group(1)] = variable.group(2)
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7 and all(CRON_FIELD.match(f) for f in fields[:5]), line
        jobs.append((fields[:5], fields[5], fields[6]))
    return env, jobs


def test_cron_lines(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    env, jobs = read_cron(DEPLOY / "cron" / "newscrawl")
    assert {"NEWSCRAWL_DATA_DIR", "NEWSCRAWL_BASE_URL"} <= set(env) and env["SHELL"] == "/bin/sh"
    assert env.get("MAILTO"), "no MAILTO: the health check's report would go to the cron user's local mailbox unread"
    crawl = next(command for _, _, command in jobs if " crawl asia " in command)
    check = next(command for _, _, command in jobs if " health " in command)
    assert {user for _, user, _ in jobs} == {"newscrawl"}

    data = tmp_path / "var-lib-newscrawl"
    run_env = {**env, "PATH": os.environ["PATH"], "NEWSCRAWL_DATA_DIR": str(data), "NEWSCRAWL_BASE_URL": mirror.base_url}

    def cron(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([env["SHELL"], "-c", command.replace(INSTALL, str(PROJECT_ROOT))], env=run_env,
                              capture_output=True, text=True, timeout=300)

    done = cron(crawl)
    assert done.returncode == 0 and done.stdout == done.stderr == "", done.stderr[-3000:]
    assert stored_ids(data / "news.sqlite") == expected_ids(manifest)
    assert list((data / "logs").glob("asia-*.log")), "the crawl's log is its only output"
    healthy = cron(check)
    assert healthy.returncode == 0 and healthy.stdout == "", healthy.stdout + healthy.stderr
    # what cron mails to MAILTO: the check's output once something needs a look (here: the crawl got too old)
    stale = cron(check.replace("NEWSCRAWL_HEALTH_MAX_AGE_HOURS=3", "NEWSCRAWL_HEALTH_MAX_AGE_HOURS=0.0001"))
    assert stale.returncode == 1 and "Needs a look:" in stale.stdout and "no crawl started in the last" in stale.stdout
