"""`scrapy crawl` with a typo or a bad value, as a user types it: exit status 2 and one line on
stderr that says what is wrong, never a traceback, nothing crawled or written; a refused start
is recorded in an archive that exists, and `scrapy health` shows it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.db import Archive
from tests.conftest import PROJECT_ROOT
from tests.ops.conftest import health

pytestmark = pytest.mark.e2e

# never contacted: every case stops before the crawl starts
UNREACHABLE = "http://127.0.0.1:9"


def crawl(workdir: Path, *args: str, spider: str = "asia", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "scrapy", "crawl", spider,
        "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{workdir / 'news.sqlite'}", *args,
    ]
    environment = {**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data"), **(env or {})}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120)


TYPOS = [
    (("-a", f"base_url={UNREACHABLE}", "-a", "bogus=1"), {}, "-a bogus= is not an argument of this spider; it takes base_url, since, until, refresh"),
    (("-a", f"baseurl={UNREACHABLE}"), {}, "-a baseurl= is not an argument of this spider (did you mean base_url?)"),
    (("-a", f"base_url={UNREACHABLE}", "-a", "until=2018-06-30"), {}, "-a until=2018-06-30 needs -a since="),
    (("-a", f"base_url={UNREACHABLE}", "-a", "since=2018-13-45"), {}, "-a since= takes a date as YYYY-MM-DD, not '2018-13-45'"),
    (("-a", "base_url=http://127.0.0.1:99999"), {}, "-a base_url=http://127.0.0.1:99999 is not a usable URL: Port out of range 0-65535"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "NEWSCRAWL_REFRES_DAYS=5"), {}, "unknown setting NEWSCRAWL_REFRES_DAYS (did you mean NEWSCRAWL_REFRESH_DAYS?)"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "NEWSCRAWL_BASE_URL=http://127.0.0.1:8000"), {}, "give -a base_url=URL"),
    (("-a", f"base_url={UNREACHABLE}"), {"NEWSCRAWL_DATADIR": "/srv/newscrawl"}, "NEWSCRAWL_DATADIR in the environment is not an environment variable newscrawl reads (did you mean NEWSCRAWL_DATA_DIR?)"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "NEWSCRAWL_LOCK_WAIT=abc"), {}, "NEWSCRAWL_LOCK_WAIT must be a number, not 'abc'"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "NEWSCRAWL_LOG_KEEP=-1"), {}, "NEWSCRAWL_LOG_KEEP must be 0 or more, not -1"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "NEWSCRAWL_RENDERING_ENABLED=maybe"), {}, "NEWSCRAWL_RENDERING_ENABLED takes True or False, not 'maybe'"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "NEWSCRAWL_RENDER_WAIT=0"), {}, "NEWSCRAWL_RENDER_WAIT must be more than 0 seconds"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "LOGSTATS_INTERVAL=abc"), {}, "LOGSTATS_INTERVAL must be a number, not 'abc'"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "CONCURRENT_REQUESTS=0"), {}, "CONCURRENT_REQUESTS must be at least 1, not 0"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "ROBOTSTXT_OBEY=sometimes"), {}, "ROBOTSTXT_OBEY takes True or False, not 'sometimes'"),
    (("-a", f"base_url={UNREACHABLE}", "-s", "LOG_LEVEL=VERBOSE"), {}, "LOG_LEVEL takes one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'VERBOSE'"),
]


@pytest.mark.parametrize("args,env,message", TYPOS, ids=[" ".join(case[0][2:] or case[0]) or next(iter(case[1])) for case in TYPOS])
def test_a_typo_or_bad_value_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str) -> None:
    done = crawl(tmp_path, *args, env=env)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-3000:]
    assert len(lines) == 1 and message in lines[0], done.stderr[-3000:]
    assert "ERROR: " in lines[0] and "Traceback" not in done.stderr + done.stdout and not done.stdout
    assert not (tmp_path / "news.sqlite").exists() and not (tmp_path / "data").exists()  # nothing crawled, nothing made


def test_a_misspelt_spider_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = crawl(tmp_path, spider="asai")
    assert done.returncode == 2
    assert [line for line in done.stderr.splitlines() if line.strip()][0].endswith(
        "ERROR: no spider named 'asai' (did you mean asia?); the project's spiders: asia"
    ) and len(done.stderr.splitlines()) == 1


def test_a_refused_start_goes_to_log_file_and_the_archive_and_health_shows_it(tmp_path: Path) -> None:
    Archive(f"sqlite:///{tmp_path / 'news.sqlite'}").close()  # an archive earlier crawls made
    log_file = tmp_path / "job.log"
    done = crawl(tmp_path, "-a", f"base_url={UNREACHABLE}", "-a", "since=2018-13-45", "-a", "_job=4711", "-s", f"LOG_FILE={log_file}")
    assert done.returncode == 2
    line = "-a since= takes a date as YYYY-MM-DD, not '2018-13-45'"
    assert [x for x in log_file.read_text().splitlines() if x.strip()] == done.stderr.splitlines()
    assert len(done.stderr.splitlines()) == 1 and line in done.stderr
    connection = sqlite3.connect(tmp_path / "news.sqlite")
    try:
        rows = connection.execute("SELECT spider, finish_reason, finished_at IS NOT NULL, arguments FROM crawls").fetchall()
    finally:
        connection.close()
    assert len(rows) == 1 and rows[0][:3] == ("asia", "bad_argument", 1) and '"_job": "4711"' in rows[0][3]
    report = health(tmp_path)
    assert report.returncode == 1
    assert "failed: bad_argument (-a since= takes a date as YYYY-MM-DD, not '2018-13-45')" in report.stdout
    # a bad setting is recorded as such
    assert crawl(tmp_path, "-a", f"base_url={UNREACHABLE}", "-s", "RETRY_TIMES=-1").returncode == 2
    assert "failed: bad_setting (RETRY_TIMES must be 0 or more, not -1)" in health(tmp_path).stdout


# every command of the project (COMMANDS_MODULE), with arguments it would otherwise run with on
# an empty archive; a new command without a line here fails the test below
COMMAND_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "crawl": ("asia", "-a", f"base_url={UNREACHABLE}"),
    "export": ("-o", "{workdir}/out.jsonl"),
    "health": (),
    "search": ("korea",),
    "diff": ("1106158153",),
    "changes": (),
    "browse": ("--port", "0"),
    "reparse": ("--dry-run",),
    # Scrapy's own, replaced by the project's (newscrawl.command.SettingsChecked); none of them
    # gets as far as a request here, and none may reach anything but 127.0.0.1
    "bench": ("-s", "CLOSESPIDER_TIMEOUT=1"),
    "check": ("asia",),
    "edit": ("asia",),  # EDITOR=true
    "fetch": (f"{UNREACHABLE}/",),
    "genspider": ("--list",),
    "list": (),
    "parse": ("--spider", "asia", f"{UNREACHABLE}/"),
    "runspider": ("{workdir}/one_spider.py",),
    "settings": ("--get", "BOT_NAME"),
    "shell": (f"{UNREACHABLE}/",),
    "view": (f"{UNREACHABLE}/",),
}
# Scrapy's commands that need no project, and so read none of its settings
WITHOUT_PROJECT = {"version", "startproject"}
SETTING_MISTAKES = [
    ("NEWSCRAWL_REFRES_DAYS=5", "unknown setting NEWSCRAWL_REFRES_DAYS (did you mean NEWSCRAWL_REFRESH_DAYS?); README lists every setting"),
    # a setting another command reads: a mistake all the same
    ("NEWSCRAWL_HEALTH_ERROR_RATE=x", "NEWSCRAWL_HEALTH_ERROR_RATE must be a number, not 'x'"),
]


def scrapy(workdir: Path, name: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`scrapy <name>` in the project, on the archive in workdir; no terminal, no editor."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", name, *arguments, "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{workdir / 'news.sqlite'}"],
        cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data"), "EDITOR": "true"},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def test_the_table_names_every_command_of_the_project() -> None:
    """Every command `scrapy` offers in the project but those that need none is the project's
    own (a built-in is replaced by COMMANDS_MODULE's module of its name), and has a line above."""
    from scrapy.cmdline import _get_commands_dict, _get_commands_from_module
    from scrapy.utils.project import get_project_settings

    from newscrawl import settings as project_settings

    offered = set(_get_commands_dict(get_project_settings(), inproject=True))
    own = _get_commands_from_module(project_settings.COMMANDS_MODULE, inproject=True)
    assert set(own) == set(COMMAND_ARGUMENTS) == offered - WITHOUT_PROJECT
    assert all(type(command).__module__.startswith(project_settings.COMMANDS_MODULE + ".") for command in own.values())


@pytest.mark.parametrize("setting,message", SETTING_MISTAKES, ids=[case[0].split("=")[0] for case in SETTING_MISTAKES])
@pytest.mark.parametrize("name", sorted(COMMAND_ARGUMENTS))
def test_every_command_refuses_a_bad_or_unknown_setting_in_one_line(tmp_path: Path, name: str, setting: str, message: str) -> None:
    Archive(f"sqlite:///{tmp_path / 'news.sqlite'}").close()  # an archive (empty): the command would run
    arguments = [arg.format(workdir=tmp_path) for arg in COMMAND_ARGUMENTS[name]]
    done = scrapy(tmp_path, name, *arguments, "-s", setting)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and not done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].endswith(message), done.stderr[-3000:]
    assert lines[0].startswith(f"scrapy {name}: error: ") or (name == "crawl" and " ERROR: " in lines[0])
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "data").exists()  # nothing written


def test_scrapy_s_own_commands_still_take_good_settings(tmp_path: Path) -> None:
    """The check refuses mistakes only: a known setting with a good value goes through."""
    listed = scrapy(tmp_path, "list", "-s", "NEWSCRAWL_REFRESH_DAYS=5")
    assert listed.returncode == 0 and listed.stdout.split() == ["asia"], listed.stderr[-2000:]
    got = scrapy(tmp_path, "settings", "--get", "NEWSCRAWL_REFRESH_DAYS", "-s", "NEWSCRAWL_REFRESH_DAYS=5")
    assert got.returncode == 0 and got.stdout.strip() == "5", got.stderr[-2000:]
    # and the value is checked as the crawl reads it: a bad one is refused by name
    bad = scrapy(tmp_path, "settings", "--get", "NEWSCRAWL_REFRESH_DAYS", "-s", "NEWSCRAWL_REFRESH_DAYS=soon")
    assert bad.returncode == 2 and not bad.stdout
    assert bad.stderr.splitlines() == ["scrapy settings: error: NEWSCRAWL_REFRESH_DAYS must be a whole number, not 'soon'"]
    assert "Traceback" not in listed.stderr + got.stderr + bad.stderr
