"""WARC files through crashes. A crawl killed with SIGKILL in the middle of its WARC file: every
whole record stays readable, `scrapy reparse` skips a torn last record with one warning, and
the next crawl makes the file whole. A disk that fills under the WARC files: the crawl stops
with one error line, leaving no half record, and the next crawl with room goes on. Expected
articles come from the mirror's manifest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select
from warcio.archiveiterator import ArchiveIterator

from newscrawl.db import ARTICLES
from newscrawl.mirror.server import MirrorServer
from newscrawl.warc import OPEN_SUFFIX, warc_files
from tests.archive.conftest import run_export
from tests.archive.test_kill import kill_when_stored, start_crawl
from tests.conftest import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.e2e


def whole_records(path: Path) -> list[tuple[str, str, int | None]]:
    """(type, target path, HTTP status) of each record warcio reads, every digest checked."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            status = record.http_headers.get_statuscode() if record.rec_type == "response" else None
            found.append((record.rec_type, urlsplit(record.rec_headers.get_header("WARC-Target-URI") or "").path,
                          int(status) if status else None))
    return found


def member_starts(path: Path) -> list[int]:
    """Where each gzip member (one record each) starts, found by decompressing the file."""
    import zlib

    data, starts, offset = path.read_bytes(), [], 0
    while offset < len(data):
        starts.append(offset)
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflater.decompress(data[offset:])
        if not inflater.eof:
            break
        offset = len(data) - len(inflater.unused_data)
    return starts


def test_a_crawl_killed_mid_write_leaves_every_whole_record_readable(
    mirror_root: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    path_of = {path: i for i, a in manifest["articles"].items() for path in a["paths"]}
    with MirrorServer(mirror_root) as server:
        kill_when_stored(start_crawl(server.base_url, database_url, tmp_path), database_url, 12)
        [left_open] = [p for p in warc_files(tmp_path / "data" / "warc") if p.name.endswith(OPEN_SUFFIX)]
        starts = member_starts(left_open)
        assert len(starts) > 24
        # every record before the last is whole, read by warcio; so is the last, unless the kill tore it
        whole = tmp_path / "whole" / left_open.name.removesuffix(OPEN_SUFFIX)
        whole.parent.mkdir()
        shutil.copy(left_open, whole)
        with whole.open("r+b") as file:
            file.truncate(starts[-1])
        records = whole_records(whole)
        assert len(records) == len(starts) - 1 and records[0][0] == "warcinfo"
        # every article the killed crawl stored has its page in the file: the record is written before the page is parsed
        engine = create_engine(database_url)
        with engine.connect() as connection:
            archived = set(connection.execute(select(ARTICLES.c.article_id)).scalars())
        engine.dispose()
        expected = {path_of[p] for kind, p, status in records if kind == "response" and status == 200 and p in path_of}
        assert archived and archived <= expected

        # a torn last record, as a kill during its write leaves it: reparse skips it with one warning
        torn = tmp_path / "torn" / left_open.name
        torn.parent.mkdir()
        shutil.copy(whole, torn)
        with torn.open("ab") as file, left_open.open("rb") as source:
            source.seek(starts[-1])
            file.write(source.read()[: max(1, (left_open.stat().st_size - starts[-1]) // 2)])
        rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "reparse", str(torn), "-s", f"NEWSCRAWL_DATABASE_URL={rebuilt_url}"],
            cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path / "rebuild-data")},
            capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr
        warnings = [line for line in done.stderr.splitlines() if "WARNING" in line and "torn record" in line]
        assert len(warnings) == 1 and "Traceback" not in done.stderr, done.stderr
        lines = run_export(rebuilt_url).lines()
        assert {line["article_id"] for line in lines} == expected
        for line in lines:
            assert line["body"] == manifest["articles"][line["article_id"]]["expected"]["body"]

        # the next crawl (the same data dir) makes the file whole: no .open left, every record of every file readable
        again = run_crawl(server.base_url, tmp_path, database_url=database_url)
        assert again.returncode == 0, again.log[-3000:]
    files = warc_files(tmp_path / "data" / "warc")
    assert len(files) == 2 and not [p for p in files if p.name.endswith(OPEN_SUFFIX)]
    sealed = [record for record in whole_records(files[0])]
    assert sealed[: len(records)] == records and len(sealed) in (len(records), len(records) + 1)
    assert whole_records(files[1])


def test_a_full_disk_under_the_warc_files_stops_the_crawl_and_leaves_no_half_record(
    small_disk: Path, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    # the archive has room; the data dir, with the WARC files, does not (no log file nor feed there)
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    subprocess.run(["mount", "-o", "remount,size=160k", str(small_disk)], check=True)
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(small_disk / "data")}
    command = [sys.executable, "-m", "scrapy", "crawl", "asia", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSCRAWL_LOG_KEEP=0", "-s", "FEEDS={}"]
    with MirrorServer(mirror_root) as server:
        full = subprocess.run([*command, "-a", f"base_url={server.base_url}"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert full.returncode == 1, full.stderr[-3000:]
        errors = [line for line in full.stderr.splitlines() if "ERROR" in line and "Cannot write the WARC file" in line]
        assert len(errors) == 1 and "No space left on device" in errors[0] and "Traceback" not in full.stderr, full.stderr[-3000:]
        # no half record left behind: the file is closed whole, every record readable, the last one too
        [first] = warc_files(small_disk / "data" / "warc")
        assert not first.name.endswith(OPEN_SUFFIX) and len(member_starts(first)) > 1
        assert len(whole_records(first)) == len(member_starts(first))
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        again = subprocess.run([*command, "-a", f"base_url={server.base_url}"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                               text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "torn" not in again.stderr and "cut off" not in again.stderr
    files = warc_files(small_disk / "data" / "warc")
    assert len(files) == 2 and not [p for p in files if p.name.endswith(OPEN_SUFFIX)]
    assert all(whole_records(p) for p in files)
    # the two crawls' pages hold every article the archive has: rebuilt, the same archive
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    done = subprocess.run([sys.executable, "-m", "scrapy", "reparse", "-s", f"NEWSCRAWL_DATABASE_URL={rebuilt_url}"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    archived = run_export(database_url).lines()
    assert len(archived) == sum(1 for a in manifest["articles"].values() if a["hops"] is not None and a["hops"] <= 2)
    rebuilt = {line["article_id"]: line for line in run_export(rebuilt_url).lines()}
    assert set(rebuilt) == {line["article_id"] for line in archived}
    assert all(rebuilt[line["article_id"]]["body"] == line["body"] for line in archived)
