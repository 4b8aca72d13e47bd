"""`scrapy browse` as a user starts it: one line and exit status 2 for what cannot work, a help
line for every option, arbitrary SQL switched off by NEWSCRAWL_BROWSE_SQL or --no-sql, the
README's password (datasette-auth-passwords), quiet when stdout is closed, exit 0 on SIGTERM,
and no write path, even for a plugin inside the process."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import pytest
from datasette.utils.sqlite import sqlite3 as datasette_sqlite3

from newscrawl.browse import ARCHIVE_DATABASE
from newscrawl.browse.app import load_metadata, make_datasette
from newscrawl.db import Archive
from tests.browse.conftest import browse_command, start_browse
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture()
def empty_archive(tmp_path: Path) -> Path:
    """An archive at this newscrawl's schema, as a first crawl leaves it before it stores anything."""
    path = tmp_path / "news.sqlite"
    Archive(f"sqlite:///{path}").close()
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, auth: Optional[tuple[str, str]] = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def run_browse(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(browse_command(database_url, *args), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)


REFUSED = [
    (("--port", "70000"), "--port takes a port number from 1 to 65535 (0: any free port), not '70000'"),
    (("--port", "http"), "--port takes a port number from 1 to 65535 (0: any free port), not 'http'"),
    (("--port", "-1"), "--port takes a port number from 1 to 65535 (0: any free port), not '-1'"),
    (("-s", "NEWSCRAWL_BROWSE_SQL=maybe"), "NEWSCRAWL_BROWSE_SQL takes True or False, not 'maybe'"),
    (("-s", "NEWSCRAWL_BROWSE_SQl=False"), "unknown setting NEWSCRAWL_BROWSE_SQl (did you mean NEWSCRAWL_BROWSE_SQL?)"),
    (("extra",), "browse takes no positional argument, got 'extra'"),
    (("--metadata", "/nonexistent/browse.json"), "--metadata /nonexistent/browse.json: cannot read it (No such file or directory)"),
]


@pytest.mark.parametrize("args,message", REFUSED, ids=[" ".join(case[0]) for case in REFUSED])
def test_what_cannot_work_is_one_line_and_exit_2(empty_archive: Path, args: tuple[str, ...], message: str) -> None:
    done = run_browse(f"sqlite:///{empty_archive}", *args)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-3000:]
    assert len(lines) == 1 and message in lines[0], done.stderr[-3000:]
    assert "Traceback" not in done.stderr and not done.stdout


def test_a_missing_archive_a_postgresql_one_a_bad_metadata_file_and_a_busy_port_are_one_line_and_exit_2(
    tmp_path: Path, empty_archive: Path,
) -> None:
    bad_metadata = tmp_path / "browse.yaml"
    bad_metadata.write_text("plugins: [unclosed\n", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        cases = [
            ((f"sqlite:///{tmp_path / 'none.sqlite'}",), f"no archive at {tmp_path / 'none.sqlite'}"),
            (("postgresql+psycopg://newscrawl@127.0.0.1:9/news",),
             "scrapy browse serves SQLite archives (Datasette reads SQLite) and this one is PostgreSQL: read it with "
             "scrapy search, scrapy diff and scrapy changes, or take it out with scrapy export"),
            ((f"sqlite:///{empty_archive}", "--metadata", str(bad_metadata)), f"--metadata {bad_metadata} is not JSON or YAML metadata"),
            ((f"sqlite:///{empty_archive}", "--port", str(busy)), f"cannot serve on 127.0.0.1:{busy}: another program listens there; choose another --port"),
        ]
        for (url, *args), message in cases:
            done = run_browse(url, *args)
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            assert done.returncode == 2, done.stderr[-3000:]
            assert len(lines) == 1 and message in lines[0], (message, done.stderr[-3000:])
            assert "Traceback" not in done.stderr
    assert not (tmp_path / "none.sqlite").exists()  # a missing archive is not made


def test_help_names_every_option() -> None:
    done = subprocess.run(browse_command("sqlite:///unused.sqlite", "--help"), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # argparse wraps the lines
    for option, words in (("--port PORT", "port on 127.0.0.1"), ("--no-sql", "no arbitrary SQL"), ("--metadata FILE", "merged over newscrawl's")):
        assert option in text and words in text, option
    assert "NEWSCRAWL_BROWSE_SQL" in text


def test_arbitrary_sql_is_on_by_default_and_one_setting_or_option_switches_it_off(empty_archive: Path) -> None:
    url = f"sqlite:///{empty_archive}"
    server = start_browse(url)
    try:
        status, body = get(server.url + "/archive.json?sql=select+count(*)+as+n+from+articles")
        assert status == 200 and json.loads(body)["rows"] == [[0]]
        assert "View and edit SQL" in get(server.url + "/archive/articles")[1]
    finally:
        assert server.stop()[0] == 0
    for switch in (("-s", "NEWSCRAWL_BROWSE_SQL=False"), ("--no-sql",)):
        server = start_browse(url, *switch)
        try:
            assert "no arbitrary SQL" in server.first_line
            assert get(server.url + "/archive?sql=select+1")[0] == 403
            assert get(server.url + "/archive/articles?_where=1%3D1")[0] == 403
            status, body = get(server.url + "/archive/articles")
            assert status == 200 and "View and edit SQL" not in body
            for canned in ("latest_articles", "most_edited", "near_duplicate_pairs", "pages_missing", "crawl_history"):
                assert get(f"{server.url}/archive/{canned}")[0] == 200, canned
            assert get(server.url + "/charts")[0] == 200
        finally:
            code, stderr = server.stop()
            assert code == 0 and "Traceback" not in stderr, stderr


def test_the_readme_password_keeps_out_whoever_does_not_give_it(tmp_path: Path, empty_archive: Path) -> None:
    from datasette_auth_passwords.utils import hash_password

    # deploy/browse/password.json as it is, the hash in the environment, as README: Browsing the archive says
    metadata = PROJECT_ROOT / "deploy" / "browse" / "password.json"
    shipped = json.loads(metadata.read_text(encoding="utf-8"))
    assert shipped["plugins"]["datasette-auth-passwords"]["team_password_hash"] == {"$env": "TEAM_PASSWORD_HASH"}
    password_hash = hash_password("correct horse")
    server = start_browse(f"sqlite:///{empty_archive}", "--metadata", str(metadata), env={"TEAM_PASSWORD_HASH": password_hash})
    try:
        for path in ("/", "/archive/articles", "/charts", "/archive/crawl_history", "/newscrawl-static/browse.css"):
            assert get(server.url + path)[0] == 401, path
            assert get(server.url + path, ("team", "wrong"))[0] == 401, path
            assert get(server.url + path, ("team", "correct horse"))[0] == 200, path
        assert password_hash not in get(server.url + "/-/metadata.json", ("team", "correct horse"))[1]
    finally:
        code, stderr = server.stop()
        assert code == 0 and "Traceback" not in stderr, stderr


def test_without_a_password_configured_there_is_no_login_link(empty_archive: Path) -> None:
    server = start_browse(f"sqlite:///{empty_archive}")
    try:
        status, body = get(server.url + "/")
        assert status == 200 and "/-/login" not in body and "Log in" not in body
    finally:
        assert server.stop()[0] == 0


def test_a_closed_stdout_is_no_error_and_sigterm_ends_it_with_exit_0(empty_archive: Path) -> None:
    port = free_port()
    process = subprocess.Popen(browse_command(f"sqlite:///{empty_archive}", "--port", str(port)), cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `scrapy browse | head -0`: nobody reads the line it prints
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"http://127.0.0.1:{port}/")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode == 0
    assert process.stderr.read() == ""


def test_no_write_reaches_the_archive_even_from_inside_the_process(empty_archive: Path) -> None:
    before = empty_archive.read_bytes()
    metadata = load_metadata()
    # a writable canned query, as a plugin or a --metadata file could declare one
    metadata["databases"][ARCHIVE_DATABASE]["queries"]["wipe"] = {"sql": "DELETE FROM articles", "write": True}
    datasette = make_datasette(empty_archive, metadata=metadata)

    async def attempts() -> list[str]:
        await datasette.invoke_startup()
        database = datasette.get_database(ARCHIVE_DATABASE)
        refused = []
        for attempt in (lambda: database.execute_write("DELETE FROM articles"),
                        lambda: database.execute("DELETE FROM articles"),
                        lambda: database.execute_write_script("CREATE TABLE x (y); DROP TABLE articles")):
            try:
                await attempt()
            except datasette_sqlite3.OperationalError as error:  # the module Datasette reads with
                refused.append(str(error))
        response = await datasette.client.post("/archive/wipe", data={})
        refused.append(str(response.status_code))
        return refused

    refused = asyncio.run(attempts())
    assert refused[:3] == ["scrapy browse opened the archive read-only: nothing writes to it",
                           "attempt to write a readonly database",
                           "scrapy browse opened the archive read-only: nothing writes to it"]
    assert refused[3] == "405"
    assert empty_archive.read_bytes() == before
