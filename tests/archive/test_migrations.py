"""Schema migrations (newscrawl/migrations): an archive made by revision 0001, or before
migrations existed, opens with the newest code; models and migrations agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from newscrawl.db import Archive, Base, ExportFilter, make_engine
from newscrawl.migrations import HEAD_REVISION, MIGRATIONS_DIR, current_revision, head_revision, include_object, upgrade_to_head
from tests.conftest import PROJECT_ROOT

OLD_ARTICLE = {
    "article_id": "1066021398", "url": "https://sputniknews.com/asia/201806301066021398-us-south-korea-pressure/",
    "title": "Old title", "lead": None, "body": "SEOUL (Sputnik) - An old body.", "dateline": "SEOUL", "authors": "[]",
    "section": "asia", "tags": "[]", "published_at": "2018-06-30T10:00:00Z", "modified_at": None, "image": None,
    "read_more": "[]", "language": "en", "layout": "legacy", "word_count": 6, "content_hash": "h1",
    "fetched_url": "http://127.0.0.1/x/", "fetched_at": "2019-01-01T00:00:00Z", "first_seen_at": "2019-01-01T00:00:00Z",
    "last_seen_at": "2019-01-01T00:00:00Z", "changed_at": "2019-01-01T00:00:00Z", "duplicate_of": None,
}


def archive_at_0001(database_url: str) -> None:
    """An archive as revision 0001 made it, with one article and its revision, by plain SQL."""
    engine = make_engine(database_url)
    upgrade_to_head(engine, "0001")
    columns = ", ".join(OLD_ARTICLE)
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO articles ({columns}) VALUES ({', '.join(':' + c for c in OLD_ARTICLE)})"), OLD_ARTICLE)
        connection.execute(text(
            "INSERT INTO article_revisions (article_id, content_hash, title, lead, body, modified_at, seen_at, crawl_id) "
            "VALUES ('1066021398', 'h1', 'Old title', NULL, 'SEOUL (Sputnik) - An old body.', NULL, '2019-01-01T00:00:00Z', 1)"
        ))
    engine.dispose()


def test_an_archive_made_by_0001_opens_with_head(database_url: str) -> None:
    archive_at_0001(database_url)
    archive = Archive(database_url)
    with archive.engine.connect() as connection:
        assert current_revision(connection) == head_revision() != "0001"
        assert {"article_bands", "near_duplicates"} <= set(inspect(connection).get_table_names())
    lines = list(archive.export_lines(ExportFilter(changed_since="2000-01-01")))
    archive.close()
    # the old revision has no stored item: its line is the article with that revision's text
    assert len(lines) == 1 and lines[0]["title"] == "Old title" and lines[0]["authors"] == []
    assert lines[0]["url"] == OLD_ARTICLE["url"]


def test_an_archive_made_before_migrations_is_stamped_then_upgraded(database_url: str) -> None:
    archive_at_0001(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as create_all left it
    engine.dispose()
    archive = Archive(database_url)
    assert archive.counts()["articles"] == 1
    with archive.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    archive.close()


def test_the_head_revision_constant_is_alembics_head() -> None:
    # upgrade_to_head trusts HEAD_REVISION to skip Alembic: stale, it would leave archives behind
    assert HEAD_REVISION == head_revision()


# what a fresh process has imported once it has opened the archive
_OPEN_IN_A_NEW_PROCESS = (
    "import sys\n"
    "from newscrawl.db import Archive\n"
    "Archive(sys.argv[1]).close()\n"
    "print(sorted({name.split('.')[0] for name in sys.modules} & {'alembic', 'mako'}))\n"
)


@pytest.mark.parametrize("made_by,imported", [("head", "[]"), ("0001", "['alembic', 'mako']")])
def test_alembic_is_imported_only_for_an_archive_to_upgrade(database_url: str, made_by: str, imported: str) -> None:
    # an up-to-date archive opens without Alembic (a good part of `scrapy export`'s start-up)
    if made_by == "head":
        Archive(database_url).close()
    else:
        archive_at_0001(database_url)
    done = subprocess.run([sys.executable, "-c", _OPEN_IN_A_NEW_PROCESS, database_url], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == imported
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
    engine.dispose()


# SQLAlchemy cannot reflect SQLite's expression indexes, so Alembic does not compare them
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_models_and_migrations_agree(database_url: str) -> None:
    archive = Archive(database_url)
    with archive.engine.connect() as connection:
        differences: list[Any] = compare_metadata(MigrationContext.configure(connection, opts={"include_object": include_object}), Base.metadata)
        folded = [name for name, in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%lower(section)%'" if connection.dialect.name == "sqlite"
            else "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%lower((section)%'"))]
    archive.close()
    assert differences == []
    assert folded == ["ix_articles_section_folded"]  # what SQLite's reflection leaves out, checked by hand


def test_the_head_is_the_newest_file_and_the_package_ships_them(tmp_path: Path) -> None:
    numbers = sorted(re.match(r"(\d{4})_", p.name).group(1) for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))  # type: ignore[union-attr]
    assert numbers[-1] == head_revision()[:4]  # a branch's revision may carry a name after its number
    # what scrapyd-deploy's egg gets: setup.py's build of the packages and their data
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "-d", str(tmp_path)], cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    shipped = tmp_path / "newscrawl" / "migrations"
    assert (shipped / "env.py").exists() and (shipped / "script.py.mako").exists()
    assert sorted(p.name[:4] for p in (shipped / "versions").glob("*.py")) == numbers


def test_a_schema_change_cut_short_leaves_nothing_on_sqlite(tmp_path: Path) -> None:
    # what a migration killed midway relies on: DDL inside the transaction goes with it
    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with pytest.raises(RuntimeError):
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE half_made (x INTEGER)")
            raise RuntimeError("killed")
    assert not inspect(engine).has_table("half_made")
    engine.dispose()
