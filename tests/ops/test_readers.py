"""`scrapy export` and `scrapy health` only read the archive: they work where they may not write
(a file and directory without write permission, a read-only mount), and an archive they cannot
read (missing, unreadable, not SQLite, an older schema) is one line naming the file, exit status 2."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from newscrawl.db import Archive, make_engine
from newscrawl.migrations import upgrade_to_head
from newscrawl.mirror.stored import feed_lines
from tests.archive.conftest import FETCHED_AT, as_set, expected_articles
from tests.conftest import PROJECT_ROOT
from tests.ops.conftest import crawl_env

pytestmark = pytest.mark.e2e

DROP_PRIVILEGES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


def unprivileged(probe_dir: Path) -> list[str]:
    """The command prefix under which file permissions bind: none for a user; for root,
    setpriv without capabilities (root's uid stays, its power to override permissions goes)."""
    if os.geteuid() != 0:
        return []
    probe = probe_dir / "probe"
    probe.write_text("")
    probe.chmod(0o444)
    try:
        done = subprocess.run([*DROP_PRIVILEGES, sys.executable, "-c", f"open({str(probe)!r}, 'a')"], capture_output=True)
    except FileNotFoundError:
        pytest.skip("running as root without setpriv: permissions cannot be made to bind")
    finally:
        probe.unlink()
    if done.returncode == 0:
        pytest.skip("running as root and setpriv could not drop the capabilities that override permissions")
    return DROP_PRIVILEGES


def scrapy(command: str, database: Path, *args: str, prefix: tuple[str, ...] | list[str] = ()) -> subprocess.CompletedProcess[str]:
    full = [*prefix, sys.executable, "-m", "scrapy", command, "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}", *args]
    return subprocess.run(full, cwd=PROJECT_ROOT, env=crawl_env(database.parent), capture_output=True, text=True, timeout=120)


@pytest.fixture
def archive_dir(tmp_path: Path, manifest: dict[str, Any]) -> Iterator[Path]:
    """tmp_path/ro/news.sqlite: every mirror article and one finished crawl, closed cleanly
    (no -wal, no -shm); the directory is made writable again after the test."""
    directory = tmp_path / "ro"
    directory.mkdir()
    archive = Archive(f"sqlite:///{directory / 'news.sqlite'}")
    crawl = archive.start_crawl("asia", {})
    archive.write_batch(list(expected_articles(manifest).values()), crawl_id=crawl)
    archive.finish_crawl(crawl, "finished", {"new": len(manifest["articles"])}, {"newscrawl/index/pages": 3})
    archive.close()
    yield directory
    directory.chmod(0o755)


def error_lines(stderr: str) -> list[str]:
    """The one-line errors: argparse's ("scrapy: error: ...", or "__main__.py: error: ..." under
    python -m), or the crawl command's own, logged before Scrapy's logging starts ("... ERROR: ...")."""
    return [line for line in stderr.splitlines() if ": error: " in line or "] ERROR: " in line]


def expected_lines(manifest: dict[str, Any]) -> set[str]:
    return as_set(list(feed_lines(manifest, FETCHED_AT).values()))


def assert_reads(database: Path, manifest: dict[str, Any], prefix: list[str], crawls: int = 1) -> None:
    export = scrapy("export", database, prefix=prefix)
    assert export.returncode == 0, export.stderr[-3000:]
    lines = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(lines) == len(manifest["articles"])
    assert as_set(lines) == expected_lines(manifest)
    report = scrapy("health", database, prefix=prefix)
    assert "Traceback" not in report.stderr, report.stderr[-3000:]
    assert f"Recent crawls, newest first ({crawls}):" in report.stdout, report.stdout + report.stderr[-2000:]
    assert "finished" in report.stdout


def make_read_only(directory: Path) -> None:
    for path in directory.iterdir():
        path.chmod(0o444)
    directory.chmod(0o555)


def test_export_and_health_read_an_archive_they_may_not_write(archive_dir: Path, manifest: dict[str, Any]) -> None:
    prefix = unprivileged(archive_dir.parent)
    make_read_only(archive_dir)
    assert_reads(archive_dir / "news.sqlite", manifest, prefix)
    assert sorted(p.name for p in archive_dir.iterdir()) == ["news.sqlite"]  # nothing made beside it


def test_a_reader_that_may_not_write_sees_what_a_running_crawl_committed(archive_dir: Path, manifest: dict[str, Any]) -> None:
    """A crawl holds the archive open (its -wal and -shm beside it, the last rows in the -wal
    only); a reader without write permission reads them through the -shm it may not write."""
    prefix = unprivileged(archive_dir.parent)
    database = archive_dir / "news.sqlite"
    writer = sqlite3.connect(database)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # the new row stays in the -wal
        writer.execute(
            "INSERT INTO crawls (spider, arguments, started_at, articles_new, articles_changed, articles_unchanged, "
            "pages_failed) VALUES ('asia', '{}', '2030-01-01T00:00:00Z', 0, 0, 0, 0)"
        )
        writer.commit()
        assert (archive_dir / "news.sqlite-wal").stat().st_size > 0
        make_read_only(archive_dir)  # -wal and -shm included: the writer keeps its open files
        assert_reads(database, manifest, prefix, crawls=2)
        report = scrapy("health", database, prefix=prefix)
        assert "2030-01-01T00:00:00Z" in report.stdout and "running" not in report.stdout  # no lock held: killed
    finally:
        writer.close()


@contextlib.contextmanager
def read_only_mount(source: Path, target: Path) -> Iterator[Path]:
    target.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    done = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount --bind is not permitted here: {done.stderr.strip()}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"a bind mount cannot be made read-only here: {remount.stderr.strip()}")
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_export_and_health_on_a_read_only_mount(archive_dir: Path, manifest: dict[str, Any], tmp_path: Path) -> None:
    with read_only_mount(archive_dir, tmp_path / "mnt") as mounted:
        with pytest.raises(OSError):
            (mounted / "probe").write_text("")
        # as root: the mount alone keeps it from writing
        assert_reads(mounted / "news.sqlite", manifest, prefix=[])


def bad_archive(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A database path that is no readable archive, and what the one line must say about it."""
    path = tmp_path / "news.sqlite"
    if kind == "missing":
        return path, "no archive at"
    if kind == "random bytes":
        path.write_bytes(bytes(range(256)) * 40)
        return path, "is not an SQLite database"
    if kind == "text":
        path.write_text("NEWSCRAWL_DATABASE_URL=sqlite:///news.sqlite\n")
        return path, "is not an SQLite database"
    if kind == "directory":
        path.mkdir()
        return path, "cannot read the archive"
    if kind == "empty database":  # an empty file is an empty database to SQLite
        path.write_bytes(b"")
        return path, "holds no newscrawl archive"
    assert kind == "unreadable"
    shutil.copy(Path(__file__).parent / "__init__.py", path)  # any content: it is the permission that fails
    path.chmod(0o000)
    return path, "cannot read the archive"


@pytest.mark.parametrize("kind", ["missing", "random bytes", "text", "directory", "empty database", "unreadable"])
def test_an_archive_it_cannot_read_is_one_line_naming_the_file(kind: str, tmp_path: Path) -> None:
    database, message = bad_archive(kind, tmp_path)
    prefix = unprivileged(tmp_path) if kind == "unreadable" else []
    export = scrapy("export", database, prefix=prefix)
    assert export.returncode == 2, export.stderr[-3000:]
    errors = error_lines(export.stderr)
    assert len(errors) == 1 and str(database) in errors[0] and message in errors[0], export.stderr[-3000:]
    assert "Traceback" not in export.stderr and export.stdout == ""

    report = scrapy("health", database, prefix=prefix)
    assert report.returncode == 2, report.stdout + report.stderr[-3000:]
    assert "Traceback" not in report.stderr
    lines = report.stdout.splitlines()
    assert lines[0] == f"Archive: sqlite:///{database}" and lines[1] == "Needs a look:", report.stdout
    assert len(lines) == 3 and str(database) in lines[2] and message in lines[2], report.stdout
    quiet = scrapy("health", database, "--quiet", prefix=prefix)
    assert quiet.returncode == 2 and quiet.stdout == report.stdout


def test_readers_leave_an_older_archive_as_it_is_and_say_how_to_upgrade_it(tmp_path: Path) -> None:
    database = tmp_path / "news.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_to_head(engine, "0001")  # the first schema, as an older newscrawl made it
    engine.dispose()
    before = database.read_bytes()

    export = scrapy("export", database)
    assert export.returncode == 2 and "Traceback" not in export.stderr, export.stderr[-3000:]
    assert f"the archive {database} is at schema revision 0001" in export.stderr and "run a crawl to upgrade it" in export.stderr
    report = scrapy("health", database)
    assert report.returncode == 2 and "run a crawl to upgrade it" in report.stdout, report.stdout + report.stderr[-3000:]
    assert database.read_bytes() == before
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["random bytes", "text"])
def test_a_crawl_on_a_file_that_is_no_database_says_so_in_one_line(kind: str, tmp_path: Path) -> None:
    database, message = bad_archive(kind, tmp_path)
    before = database.read_bytes()
    command = [sys.executable, "-m", "scrapy", "crawl", "asia", "-a", "base_url=http://127.0.0.1:9",
               "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=crawl_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-3000:]
    errors = error_lines(done.stderr)
    assert len(errors) == 1 and str(database) in errors[0] and message in errors[0], done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert database.read_bytes() == before
