"""The Datasette of `scrapy browse`: the archive, read-only, with newscrawl's own metadata,
templates, static files and plugin."""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Optional

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm
from datasette.utils import parse_metadata
from datasette.utils.sqlite import sqlite3  # the module Datasette reads its connections with (pysqlite3 when installed)

from newscrawl.browse import ARCHIVE_DATABASE, plugin
from newscrawl.eggs import package_dir
from newscrawl.readers import sqlite_read_uri, sqlite_reader

PLUGIN_NAME = "newscrawl-browse"
DATASETTE_FACETS = "datasette.facets"  # Datasette's own facet classes, replaced by newscrawl.browse.facets'
# datasette-auth-passwords (README: Browsing the archive) serves only when --metadata configures
# it: otherwise its "Log in" link would lead everybody to a form with no account behind it
PASSWORDS_PLUGIN, PASSWORDS_MODULE, PASSWORDS_ENTRY_POINT = "datasette-auth-passwords", "datasette_auth_passwords", "auth_passwords"
# Datasette's settings (its defaults otherwise): no file download (an archive runs to
# gigabytes), no facet suggestions (they would run a query per column on every list), a page
# of 50 articles, long texts cut in lists (the article page shows them whole), and time for
# facets over a large archive.
SETTINGS: dict[str, Any] = {
    "allow_download": False,
    "suggest_facets": False,
    "default_page_size": 50,
    "truncate_cells_html": 300,
    "facet_time_limit_ms": 1000,
    "sql_time_limit_ms": 3000,
}


class _Cursor(sqlite3.Cursor):
    """Several statements in one query are a ProgrammingError in Python's own sqlite3 module
    (a DatabaseError, which Datasette answers with 400 and its message) but a Warning in
    pysqlite3's (a 500 with a traceback): given as the former."""

    def execute(self, sql: str, parameters: Any = ()) -> "_Cursor":
        try:
            return super().execute(sql, parameters)
        except sqlite3.Warning as exc:
            raise sqlite3.ProgrammingError(str(exc)) from None


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class ReadOnlyArchive(Database):
    """The archive for Datasette: opened as newscrawl's readers open it (`mode=ro`, or
    `immutable=1` where this process may not write beside it), every connection with `PRAGMA
    query_only`, and no write connection at all: no plugin or request can change it."""

    def __init__(self, datasette: Datasette, path: Path) -> None:
        super().__init__(datasette, str(path), is_mutable=True)
        self.uri = sqlite_read_uri(path)
        self.engine = sqlite_reader(path)  # for newscrawl's own reads (article page, charts)

    def connect(self, write: bool = False) -> sqlite3.Connection:
        if write:
            raise sqlite3.OperationalError("scrapy browse opened the archive read-only: nothing writes to it")
        conn = sqlite3.connect(self.uri, uri=True, check_same_thread=False, factory=_Connection)
        conn.execute("PRAGMA query_only = 1")
        self._all_file_connections.append(conn)
        return conn


def load_metadata(extra: Optional[Path] = None) -> dict[str, Any]:
    """newscrawl's metadata.yaml, with the file `extra` (JSON or YAML) merged over it."""
    metadata: dict[str, Any] = parse_metadata(resources.files("newscrawl.browse").joinpath("metadata.yaml").read_text("utf-8"))
    if extra is not None:
        metadata = merged(metadata, parse_metadata(extra.read_text("utf-8")))
    return metadata


def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` merged into `base`: mappings key by key, anything else replaced."""
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def make_datasette(path: Path, *, sql: bool = True, metadata: Optional[dict[str, Any]] = None,
                   secret: Optional[str] = None) -> Datasette:
    """Datasette over the archive at `path` (an SQLite file newscrawl.readers accepted).
    `sql`: whether visitors may run their own SQL (canned queries run either way)."""
    metadata = metadata if metadata is not None else load_metadata()
    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN_NAME)
    if pm.get_plugin(DATASETTE_FACETS) is not None:  # the plugin gives them, remembered
        pm.unregister(name=DATASETTE_FACETS)
    _use_passwords_plugin(bool((metadata.get("plugins") or {}).get(PASSWORDS_PLUGIN)))
    folder = package_dir("newscrawl.browse")  # a real folder, also from a scrapyd egg
    datasette = Datasette(
        metadata=metadata,
        template_dir=str(folder / "templates"),
        static_mounts=[(plugin.STATIC_MOUNT, str(folder / "static"))],
        settings={**SETTINGS, "default_allow_sql": sql},
        secret=secret,
    )
    datasette.remove_database("_memory")  # Datasette adds it when given no file
    datasette.add_database(ReadOnlyArchive(datasette, path), name=ARCHIVE_DATABASE, route=ARCHIVE_DATABASE)
    return datasette


def _use_passwords_plugin(configured: bool) -> None:
    try:
        passwords = importlib.import_module(PASSWORDS_MODULE)
    except ImportError:
        return
    if configured and not pm.is_registered(passwords):
        pm.register(passwords, name=PASSWORDS_ENTRY_POINT)
    elif not configured and pm.is_registered(passwords):
        pm.unregister(passwords)
