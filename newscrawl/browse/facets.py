"""Datasette's facets (column, date, array), remembered while the archive has not changed.

A facet counts every row of the list it narrows: over the whole `articles` table of a large
archive that is seconds of SQL (a tag facet reads every article's tags), for every visit of
the article list. The counts change only when the archive does, so the rows of each facet
query are kept per query (SQL and parameters) and archive version, and a visit after the first
gets them in no time. The version of `articles` is its newest rowid and newest `changed_at` (new and
changed articles; the crawl's touch of `last_seen_at` leaves the facets as they were); of
another table, the database file's and its write-ahead log's size and time (any commit).

The array facet also reads only the key and the list columns of the rows it counts (Datasette's
own reads every column, bodies included, to tell the rows apart).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, Hashable, Optional

from datasette.facets import ArrayFacet, ColumnFacet, DateFacet
from datasette.utils import escape_sqlite

KEPT = 256  # facet results remembered (each a few KB)
_remembered: OrderedDict[Hashable, Any] = OrderedDict()


# two lookups at either end of an index (one max() per SELECT: SQLite scans for two)
ARTICLES_VERSION = "SELECT (SELECT max(rowid) FROM articles), (SELECT max(changed_at) FROM articles)"


async def _version(facet: Any) -> Hashable:
    database = facet.ds.get_database(facet.database)
    if facet.table == "articles":
        row = (await database.execute(ARTICLES_VERSION)).first()
        return ("articles", tuple(row))
    return file_version(database.path)


def file_version(path: Optional[str]) -> Hashable:
    """The database file's and its write-ahead log's size and time: they change with any commit."""
    files = [path, f"{path}-wal"] if path else []
    return tuple((os.stat(name).st_mtime_ns, os.stat(name).st_size) if os.path.exists(name) else None for name in files)


class _Remembering:
    """Datasette as a facet sees it, but whose queries' rows are kept for this archive version
    (the links a facet makes from them stay the request's own)."""

    def __init__(self, datasette: Any, version: Hashable) -> None:
        self._datasette = datasette
        self._version = version

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datasette, name)

    async def execute(self, database: str, sql: str, params: Any = None, **options: Any) -> Any:
        key = (self._datasette.get_database(database).path, sql, repr(params), repr(sorted(options.items())), self._version)
        if key in _remembered:
            _remembered.move_to_end(key)
            return _remembered[key]
        results = await self._datasette.execute(database, sql, params, **options)  # a query that timed out raises: not kept
        _remembered[key] = results
        while len(_remembered) > KEPT:
            _remembered.popitem(last=False)
        return results


class RememberedFacet:
    """A facet whose queries' rows are kept per archive version."""

    async def facet_results(self) -> Any:
        facet: Any = self
        datasette = facet.ds
        facet.ds = _Remembering(datasette, await _version(facet))
        try:
            return await super().facet_results()  # type: ignore[misc]
        finally:
            facet.ds = datasette


class RememberedColumnFacet(RememberedFacet, ColumnFacet):
    pass


class RememberedDateFacet(RememberedFacet, DateFacet):
    pass


class RememberedArrayFacet(RememberedFacet, ArrayFacet):
    async def facet_results(self) -> Any:
        if self.table:
            database = self.ds.get_database(self.database)
            keys = await database.primary_keys(self.table)
            known = await database.table_columns(self.table)
            lists = [c["config"].get("column") or c["config"].get("simple") for c in self.get_configs()]
            if keys and lists and all(name in known for name in lists):  # the rows told apart by their key: only the key and the lists read
                columns = ", ".join(escape_sqlite(name) for name in dict.fromkeys([*keys, *lists]))
                self.sql = f"select {columns} from ({self.sql})"
        return await super().facet_results()


FACET_CLASSES = [RememberedColumnFacet, RememberedDateFacet, RememberedArrayFacet]
