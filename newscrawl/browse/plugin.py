"""The Datasette plugin of `scrapy browse` (registered by newscrawl.browse.app).

- the home page's figures (index.html), the article list's column names (articles table);
- the article page: the `articles` row page with its versions and word diffs (article_page.py);
- the charts page, /charts (charts.py);
- cells: an article's title links to its page, tags and authors read as lists that narrow the
  article list, article ids in the canned queries link to their pages.

Archived text is the web's: every value goes into the page escaped (Jinja's autoescape, and
markupsafe here), never as markup.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from typing import Any, Callable, Hashable, Optional, TypeVar
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils import tilde_encode, urlsafe_components
from datasette.utils.asgi import Request, Response
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from newscrawl.browse import ARCHIVE_DATABASE
from newscrawl.browse.article_page import read_article_page, side_by_side
from newscrawl.browse.charts import ChartRequestError, crawl_charts, day_charts, month_chart, newest_day, parse_window
from newscrawl.browse.facets import FACET_CLASSES, file_version

STATIC_MOUNT = "newscrawl-static"
CHARTS_PATH = "/charts"
# the article list's columns, in this order, with the names it shows (the rest: ?_col=...)
ARTICLE_LIST_COLUMNS = {
    "published_at": "Published (UTC)",
    "title": "Title",
    "section": "Section",
    "authors": "Authors",
    "tags": "Tags",
    "word_count": "Words",
    "changed_at": "Last changed",
}
LIST_COLUMNS = ("tags", "authors")  # JSON arrays, shown as lists
# times the archive writes as 2026-07-29T13:05:00Z, shown as 2026-07-29 13:05 (whole in the tooltip)
TIME_COLUMNS = ("published_at", "modified_at", "fetched_at", "first_seen_at", "last_seen_at", "changed_at", "archived_at",
                "last_edited", "first_stored", "started_at", "finished_at", "first_failed_at", "last_tried_at", "next_try_at")
ARTICLE_ID_COLUMNS = ("article_id", "similar_id")  # in canned queries: linked to the article's page

T = TypeVar("T")


def _engine(datasette: Datasette) -> Engine:
    engine: Engine = datasette.get_database(ARCHIVE_DATABASE).engine
    return engine


async def _read(datasette: Datasette, reader: Callable[[Connection], T]) -> T:
    """`reader` run on a read-only connection to the archive, in a thread."""
    def run() -> T:
        with _engine(datasette).connect() as conn:
            return reader(conn)
    return await asyncio.to_thread(run)


_figures: OrderedDict[Hashable, Any] = OrderedDict()
FIGURES_KEPT = 64


async def _read_remembered(datasette: Datasette, key: Hashable, reader: Callable[[Connection], T]) -> T:
    """`_read`, the result kept until the archive's files change (any commit): the home page's and
    the charts' counts, seconds of SQL over a large archive."""
    path = datasette.get_database(ARCHIVE_DATABASE).path
    full_key = (key, path, file_version(path))
    if full_key not in _figures:
        _figures[full_key] = await _read(datasette, reader)
        while len(_figures) > FIGURES_KEPT:
            _figures.popitem(last=False)
    _figures.move_to_end(full_key)
    return _figures[full_key]  # type: ignore[no-any-return]


def article_path(datasette: Datasette, article_id: str) -> str:
    return datasette.urls.row(ARCHIVE_DATABASE, "articles", tilde_encode(str(article_id)))


# -- cells ---------------------------------------------------------------------------------
def _as_list(value: Any) -> Optional[list[Any]]:
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    return items if isinstance(items, list) else None


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: Optional[str], database: str, datasette: Datasette) -> Optional[Markup]:
    if database != ARCHIVE_DATABASE:
        return None
    if table == "articles" and column == "title" and value:
        return Markup('<a class="article-title" href="{}">{}</a>').format(article_path(datasette, row["article_id"]), value)
    if table in ("articles", None) and column in LIST_COLUMNS:
        items = _as_list(value)
        if items is None:
            return None
        articles = datasette.urls.table(ARCHIVE_DATABASE, "articles")
        links = [Markup('<a class="list-item" href="{}">{}</a>').format(f"{articles}?{urlencode({f'{column}__arraycontains': item})}", item)
                 for item in items if isinstance(item, str)]
        return Markup(", ").join(links) or Markup('<span class="none"></span>')  # Datasette shows a falsy value raw
    if column in TIME_COLUMNS and isinstance(value, str) and len(value) == 20 and value[10] == "T":
        return Markup('<time datetime="{}" title="{}">{} {}</time>').format(value, value, value[:10], value[11:16])
    if table is None and column in ARTICLE_ID_COLUMNS and value:
        return Markup('<a href="{}">{}</a>').format(article_path(datasette, value), value)
    if table is None and column == "crawl" and value:
        return Markup('<a href="{}">{}</a>').format(datasette.urls.row(ARCHIVE_DATABASE, "crawls", str(value)), value)
    return None


# -- pages ---------------------------------------------------------------------------------
def _home_figures(conn: Connection) -> dict[str, Any]:
    def one(sql: str) -> Any:
        return conn.execute(text(sql)).one()

    articles, first, last = one("SELECT count(*), min(published_at), max(published_at) FROM articles")
    edited = one("SELECT count(*) FROM (SELECT article_id FROM article_revisions WHERE damaged IS NULL "
                 "GROUP BY article_id HAVING count(*) > 1)")[0]
    crawls = one("SELECT count(*) FROM crawls")[0]
    latest = conn.execute(text("SELECT id, started_at, finished_at, finish_reason, articles_new, articles_changed "
                               "FROM crawls ORDER BY id DESC LIMIT 1")).mappings().first()
    missing = dict(conn.execute(text("SELECT state, count(*) FROM page_failures GROUP BY state")).all())
    sections = conn.execute(text("SELECT section, count(*) AS n FROM articles WHERE section IS NOT NULL "
                                 "GROUP BY section ORDER BY n DESC, section LIMIT 12")).all()
    return {"articles": articles, "first_published": first, "last_published": last, "edited": edited, "crawls": crawls,
            "latest_crawl": dict(latest) if latest else None, "missing": missing, "sections": sections}


@hookimpl
def extra_template_vars(template: str, database: Optional[str], table: Optional[str], view_name: str,
                        request: Optional[Request], datasette: Datasette) -> Any:
    if view_name == "index":
        async def home() -> dict[str, Any]:
            return {"archive": await _read_remembered(datasette, "home", _home_figures), "charts_url": datasette.urls.path(CHARTS_PATH)}
        return home
    if template == f"query-{ARCHIVE_DATABASE}-near_duplicate_pairs.html":
        return {"side_by_side": side_by_side}
    if database != ARCHIVE_DATABASE or table != "articles":
        return None
    if view_name == "table":
        return {"article_list_columns": ARTICLE_LIST_COLUMNS}
    if view_name == "row" and request is not None:
        article_id = urlsafe_components(request.url_vars["pks"])[0]

        async def article() -> dict[str, Any]:
            page = await _read(datasette, lambda conn: read_article_page(conn, article_id))
            return {"page": page, "article_path": lambda target: article_path(datasette, target)}
        return article
    return None


async def charts_view(datasette: Datasette, request: Request) -> Response:
    await datasette.ensure_permissions(request.actor, [("view-database", ARCHIVE_DATABASE), "view-instance"])
    charts_url = datasette.urls.path(CHARTS_PATH)
    articles_url = datasette.urls.table(ARCHIVE_DATABASE, "articles")
    crawls_url = datasette.urls.table(ARCHIVE_DATABASE, "crawls")

    def read(conn: Connection) -> dict[str, Any]:
        window = parse_window(request.args.get("until"), request.args.get("days"), newest_day(conn))
        return {
            "window": window,
            "day_charts": day_charts(conn, window, articles_url),
            "month_chart": month_chart(conn, charts_url),
            "crawl_charts": crawl_charts(conn, crawls_url),
        }

    try:
        context = await _read_remembered(datasette, ("charts", request.args.get("until"), request.args.get("days")), read)
        status = 200
    except ChartRequestError as exc:
        context, status = {"error": str(exc)}, 400
    context.update({"charts_url": charts_url, "window_url": lambda w: f"{charts_url}?{urlencode({'until': w.until.isoformat(), 'days': w.days})}"})
    page = await datasette.render_template("newscrawl-charts.html", context, request=request, view_name="charts")
    return Response.html(page, status=status)


@hookimpl
def register_facet_classes() -> list[Any]:
    """Datasette's facets, remembered while the archive has not changed (facets.py); Datasette's
    own registration of them is taken out (app.py)."""
    return FACET_CLASSES


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(rf"^{CHARTS_PATH}$", charts_view)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[Any], Any]:
    """A request that would change something (POST, PUT, DELETE...) to the archive's pages is
    refused before Datasette sees it; Datasette's own forms (/-/login, /-/logout) go through."""
    def wrap(app: Any) -> Any:
        async def read_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
            path = scope.get("path", "")
            if scope["type"] == "http" and scope.get("method", "GET") not in READ_METHODS and not path.startswith("/-/"):
                response = Response.text("scrapy browse is read-only: nothing here changes the archive\n", status=405,
                                         headers={"Allow": ", ".join(sorted(READ_METHODS))})
                await response.asgi_send(send)
                return
            await app(scope, receive, send)
        return read_only
    return wrap


@hookimpl
def extra_css_urls(datasette: Datasette) -> list[str]:
    return [datasette.urls.path(f"/{STATIC_MOUNT}/browse.css")]


@hookimpl
def menu_links(datasette: Datasette) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.table(ARCHIVE_DATABASE, "articles"), "label": "Articles"},
        {"href": datasette.urls.path(CHARTS_PATH), "label": "Charts"},
        {"href": datasette.urls.database(ARCHIVE_DATABASE), "label": "Tables and canned queries"},
    ]
