"""Articles rebuilt from the pages kept in WARC (`scrapy reparse`), without a request to anyone.

Each article's latest whole capture (a `response` record, or a `revisit` whose original is at
hand, with the browser's `conversion` record when the crawl rendered the page) goes through
what a crawl runs on a page, in the crawl's order: the downloader middlewares that change an
answer (decompression, the integrity check, the page-size bound), the spider's own article
callback (its parser choice, its rendering decision, its bounds), and the item pipelines but
the archive's (body bound, cleaning, dedup). No code of extraction lives here.

It reads what the crawl parsed: the browser's own fetches during a rendering (the records of
a rendering's WARC-Page-ID) are not pages. Of a backfill's pages (their warcinfo names its
window) it keeps what the backfill kept, by the spider's rule and the way each page was found
(newscrawl.recording's Newscrawl-* fields): the sitemaps list every section's articles.

What comes out is compared with the archive field by field. An article that differs is
stored with a revision marked `origin = 'reextraction'` (newscrawl.db.REEXTRACTION): today's
parsers read the same page differently, which is not an edit by the site. An article the
archive does not hold is added (a fresh archive rebuilt from WARC files). A capture older
than the archive's own copy of an article is left alone: the archive has a later page than
the WARC files do.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Mapping, Optional

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler, load_object
from sqlalchemy import select
from sqlalchemy.engine import Connection
from warcio.bufferedreaders import ChunkedDataReader

from newscrawl.compact import KeySet
from newscrawl.config import ARCHIVE_CRAWL, NewscrawlConfig
from newscrawl.db import (
    ARTICLES, BAND_KEY_INDEX, BANDS, CREATE_BAND_KEY_INDEX, REEXTRACTION, SIGNATURES, Archive, article_values, hash_prefix, utc_now,
)
from newscrawl.dedup import PrintIndex, TextPrint
from newscrawl.fts import index_added_articles
from newscrawl.healing import page_failed
from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.middlewares import PageIntegrityMiddleware, PageSizeBound
from newscrawl.recording import BACKFILL_FIELD, FETCHED_AT, HOPS_FIELD, WARC_RECORD
from newscrawl.rendering import PageRenderer, RenderingConfig
from newscrawl.urls import article_id_from_url
from newscrawl.warc import TRUNCATED_DISCONNECT, TRUNCATED_LENGTH, Entry, Message, TornRecord, index_of, read_message, warcinfo_fields
from newscrawl.writer import PARENT_CHECK_SECONDS, _end_with_parent, _main_script_left_out
from pipelines.dedup import DedupPipeline
from pipelines.store import ArchivePipeline

logger = logging.getLogger(__name__)

# what a capture is compared on: the item's fields but those of the capture itself
COMPARED_FIELDS = tuple(name for name in ARTICLE_FIELDS if name not in ("fetched_at", "fetched_url"))
BATCH = 500
DEFAULT_SPIDER = "asia"
# SQLite's page cache of the connection that stores (its default is 2 MiB): a rebuild writes
# 32 rows an article into the index on article_bands.key, at random places
STORE_CACHE_KIB = 64 * 1024
# pages of WAL between checkpoints of the connection that stores (SQLite's default: 1,000, 4 MB)
STORE_CHECKPOINT_PAGES = 16_384
# articles whose prints a rebuild keeps in memory (about 1 KB each, newscrawl.dedup.PrintIndex); past
# that many, the archive's band index is asked, as for an archive that held prints
MAX_INDEXED_PRINTS = 100_000
# a run of fewer articles is read in this process; a larger one by worker processes, CHUNK articles a task
POOL_FROM = 200
CHUNK = 50


@dataclass(frozen=True)
class Selection:
    """What `scrapy reparse` rebuilds: a day window (inclusive, YYYY-MM-DD) on the publication
    or the fetch date, article ids, a layout (the one the archive or today's parser gives)."""

    since: Optional[str] = None
    until: Optional[str] = None
    by: str = "published"  # or "fetched"
    ids: frozenset[str] = frozenset()
    layout: Optional[str] = None

    def in_window(self, when: Optional[str]) -> bool:
        if not (self.since or self.until):
            return True
        day = (when or "")[:10]
        if not day:
            return False
        return (not self.since or day >= self.since) and (not self.until or day <= self.until)

    @property
    def until_exclusive(self) -> Optional[str]:
        return (date.fromisoformat(self.until) + timedelta(days=1)).isoformat() if self.until else None


Location = tuple[int, Entry]  # (which file, which record)


@dataclass(frozen=True)
class Backfill:
    """The window and READ MORE depth of the backfill crawl that wrote a WARC file (its warcinfo)."""

    since: date
    until: date
    depth: int

    @classmethod
    def of(cls, info: dict[str, str]) -> Optional["Backfill"]:
        try:
            return cls(date.fromisoformat(info["newscrawl-since"]), date.fromisoformat(info["newscrawl-until"]),
                       int(info["newscrawl-read-more-depth"]))
        except (KeyError, ValueError):
            return None  # not a backfill's file (or not newscrawl's)


@dataclass(frozen=True)
class Capture:
    """One stored page of an article, with what reading it needs: the record, the original a
    revisit refers to, the browser's HTML of a rendered page, the mirror the crawl read, the
    backfill that fetched it."""

    path: Path
    entry: Entry
    original: Optional[tuple[Path, Entry]] = None
    rendering: Optional[tuple[Path, Entry]] = None
    base_url: Optional[str] = None
    backfill: Optional[Backfill] = None


@dataclass(frozen=True)
class FoundBy:
    """What a backfill did with an article page (SectionSpider.article_found), as its records
    say the crawl found it: from a sitemap, or at some READ MORE hops (a READ MORE link or a
    retry); and as the spider reads the article today: in the crawl's section and window, the
    articles it names in READ MORE."""

    backfill: Backfill
    hops: Optional[int]
    from_sitemap: bool
    in_window: bool
    names: tuple[str, ...]


# what reading an article's captures gives: its article, the captures read, why those before gave none, FoundBy
Read = tuple[Optional[Article], int, Counter[str], Optional[FoundBy]]
# an article's print made by a page reader for the store (a rebuild's): the content hash of the text it was made of, and the print
MadePrint = tuple[str, TextPrint]


@dataclass
class Report:
    files: int = 0
    pages: int = 0  # article captures read
    articles: int = 0  # rebuilt (past the pipelines)
    outcomes: Counter[str] = field(default_factory=Counter)  # new, changed, unchanged, archive_newer, filtered
    fields: Counter[str] = field(default_factory=Counter)  # changed fields
    skipped: Counter[str] = field(default_factory=Counter)  # why a capture gave no article
    torn: list[str] = field(default_factory=list)
    # asked for by --id, rebuilt though their backfill's rule alone passes them over (Reparser._backfill_kept)
    asked_beyond_backfill: list[str] = field(default_factory=list)


class StoredPages:
    """The article pages a set of WARC files holds: per article, its captures (status 200)."""

    def __init__(self, files: list[Path], report: Report) -> None:
        self.files = files
        self.base_urls: list[str] = []
        self.spiders: list[str] = []
        self.captures: dict[str, list[Location]] = {}
        self.by_id: dict[str, Location] = {}  # response records, for revisits
        self.renderings: dict[str, Location] = {}  # the static response's record id -> the browser's HTML
        self.backfills: list[Optional[Backfill]] = []
        rendering_pages: set[str] = set()  # WARC-Page-ID of the renderings: their records are the browser's own fetches
        for number, path in enumerate(files):
            found = index_of(path)
            if found.torn is not None:
                report.torn.append(f"{path}: {found.torn}")
                logger.warning("WARC file %s: %s (a crawl killed mid-write, or a damaged file): skipped, every record before it read",
                               path, found.torn)
            info = warcinfo_fields(path, found.entries)
            self.base_urls.append(info.get("newscrawl-base-url", ""))
            self.spiders.append(info.get("newscrawl-spider", ""))
            self.backfills.append(Backfill.of(info))
            self._add(number, found.entries, rendering_pages)
        report.files = len(files)
        if rendering_pages:
            # the browser fetched the page again while rendering it: the crawl parsed the static
            # response and the browser's HTML (the conversion record), not that fetch
            self.captures = {article_id: kept for article_id, locations in self.captures.items()
                             if (kept := [c for c in locations if c[1].page not in rendering_pages])}

    def _add(self, number: int, entries: Iterable[Entry], rendering_pages: set[str]) -> None:
        for entry in entries:
            if entry.type == "conversion":
                if entry.refers_to:
                    self.renderings[entry.refers_to] = (number, entry)
                if entry.page:
                    rendering_pages.add(entry.page)
            if entry.type not in ("response", "revisit") or entry.status != 200:
                continue
            article_id = article_id_from_url(entry.uri)  # a mirror's URL has the site's path
            if article_id is None:
                continue
            self.captures.setdefault(article_id, []).append((number, entry))
            if entry.type == "response":
                self.by_id[entry.id] = (number, entry)

    def chosen(self, selection: Selection) -> list[tuple[str, list[Capture]]]:
        """Per selected article, its captures newest first; articles in the order their pages
        were written (the crawl's order, which dedup's "first with this text" follows)."""
        chosen = []
        for article_id, locations in self.captures.items():
            if selection.ids and article_id not in selection.ids:
                continue
            if selection.by == "fetched":
                locations = [c for c in locations if selection.in_window(c[1].date)]
            if locations:
                newest_first = sorted(locations, key=lambda c: (c[1].date, c[0], c[1].offset), reverse=True)
                chosen.append((self.position(newest_first[0]), article_id, [self.capture(c) for c in newest_first]))
        chosen.sort(key=lambda item: item[0])
        return [(article_id, captures) for _position, article_id, captures in chosen]

    def position(self, location: Location) -> tuple[int, int]:
        rendered = self.renderings.get(location[1].id)
        number, entry = rendered or location
        return number, entry.offset

    def capture(self, location: Location) -> Capture:
        number, entry = location
        original = self.by_id.get(entry.refers_to or "") if entry.type == "revisit" else None
        rendering = self.renderings.get(entry.id)
        return Capture(self.files[number], entry, original and (self.files[original[0]], original[1]),
                       rendering and (self.files[rendering[0]], rendering[1]), self.base_urls[number] or None,
                       self.backfills[number])


class PageReader:
    """From a stored page to an article, through what a crawl runs on a page before dedup: the
    downloader middlewares that change an answer, the spider's article callback, the item
    pipelines before dedup. Runs in this process or in a worker (Reparser's pool)."""

    def __init__(self, settings: Settings, spider_name: str) -> None:
        from scrapy.spiderloader import get_spider_loader

        self.settings = settings
        self.crawler = Crawler(get_spider_loader(settings).load(spider_name), settings)
        self.crawler.stats = load_object(settings["STATS_CLASS"])(self.crawler)
        # refresh=all: the spider reads nothing of the archive (it schedules nothing here)
        self.spider = self.crawler.spidercls.from_crawler(self.crawler, refresh="all")
        self.crawler.spider = self.spider
        # the browser's HTML is in the WARC files: rendering is "available" to the spider's decision
        rendering = RenderingConfig.from_settings(settings)
        stored = RenderingConfig(True, None, "(renderings stored in WARC)", rendering.wait_seconds, rendering.timeout_seconds, True)
        self.spider.renderer = PageRenderer(stored, self.spider.count)
        # the crawl's order of process_response: decompression (590), integrity (585), size bound (580)
        self.middlewares = [HttpCompressionMiddleware.from_crawler(self.crawler), PageIntegrityMiddleware.from_crawler(self.crawler),
                            PageSizeBound.from_crawler(self.crawler)]
        self.pipelines, self.later_pipelines = item_pipelines(settings, self.crawler)
        self.crawler.signals.connect(self._page_failed, signal=page_failed)
        self.skipped: Counter[str] = Counter()
        self._files: dict[Path, IO[bytes]] = {}

    def _page_failed(self, failure: Any) -> None:
        self.skipped[f"damaged ({failure.problem})"] += 1

    def read(self, captures: list[Capture]) -> Read:
        """The article of the newest whole capture (an older one when the newest is damaged),
        the captures read, why those before gave none, and what its backfill did with it."""
        self.skipped = Counter()
        pages = 0
        for capture in captures:
            pages += 1
            article = self._article(capture)
            if article is not None:
                found = self._found_by(capture, article)
                return self._through_pipelines(article), pages, self.skipped, found
        return None, pages, self.skipped, None

    def _found_by(self, capture: Capture, article: Article) -> Optional[FoundBy]:
        """For a backfill's page: how its records say the crawl found it, and the spider's own
        rule (SectionSpider.in_backfill_window) on the article as parsed today."""
        backfill = capture.backfill
        if backfill is None:
            return None
        fields = self._message(capture.path, capture.entry).fields
        hops = fields.get(HOPS_FIELD.lower(), "")
        spider = self.spider
        spider.since, spider.until = backfill.since, backfill.until
        in_window = spider.in_backfill_window(article)
        names = tuple(dict.fromkeys(i for link in article.read_more if (i := article_id_from_url(link["url"]))))
        return FoundBy(backfill, int(hops) if hops.isdigit() else None, fields.get(BACKFILL_FIELD.lower()) == "sitemap",
                       in_window, names)

    def _message(self, path: Path, entry: Entry) -> Message:
        file = self._files.get(path)
        if file is None:
            file = self._files[path] = path.open("rb")
        return read_message(path, entry, file)

    def _response(self, capture: Capture, request: Request) -> Optional[Response]:
        """The page as the crawl's downloader handed it on (de-chunked, as Scrapy's HTTP handler
        does, when another tool kept it with its chunked transfer coding); None when a revisit's
        original is not in these files."""
        entry = capture.entry
        message = self._message(capture.path, entry)
        payload = message.payload
        if entry.type == "revisit":
            if capture.original is None:
                return None
            payload = self._message(*capture.original).payload
        headers = Headers(message.headers)
        if b"chunked" in headers.get(b"Transfer-Encoding", b"").lower():
            payload = ChunkedDataReader(BytesIO(payload)).read()
            del headers[b"Transfer-Encoding"]
        flags = {TRUNCATED_LENGTH: ["download_stopped"], TRUNCATED_DISCONNECT: ["dataloss"]}.get(entry.truncated or "", [])
        response_class = responsetypes.from_args(headers=headers, url=entry.uri, body=payload)
        protocol = message.first_line.split(b" ", 1)[0].decode("ascii", "replace") or None
        response = response_class(url=entry.uri, status=entry.status or 200, body=payload, request=request, flags=flags,
                                  protocol=protocol)
        response.headers = headers  # these (Response(headers=...) would build them all over again)
        return response

    def _rendering(self, capture: Capture, request: Request) -> Optional[HtmlResponse]:
        """The HTML the browser produced for this capture, as scrapy-playwright handed it on."""
        if capture.rendering is None:
            return None
        path, entry = capture.rendering
        message = self._message(path, entry)
        content_type = message.fields.get("content-type") or "text/html; charset=utf-8"
        request.meta[FETCHED_AT] = _second(entry.date)
        return HtmlResponse(url=entry.uri, status=200, headers={"Content-Type": content_type}, body=message.payload, request=request)

    def _article(self, capture: Capture) -> Optional[Article]:
        entry = capture.entry
        self.spider.base_url = capture.base_url
        meta = {"newscrawl_hops": self.spider.max_hops, "newscrawl_backfill": False, FETCHED_AT: _second(entry.date),
                WARC_RECORD: entry.id}
        request = Request(entry.uri, meta=meta)
        try:
            response = self._response(capture, request)
        except TornRecord as exc:  # a record damaged past its index (a copy gone wrong)
            logger.warning("WARC file %s: %s: skipped", capture.path, exc)
            self.skipped["unreadable record"] += 1
            return None
        if response is None:
            self.skipped["revisit of a record not in these files"] += 1
            return None
        return self._parsed(request, response, capture)

    def _parsed(self, request: Request, response: Response, capture: Capture) -> Optional[Article]:
        """The page through the middlewares as the crawl's downloader passed it on (the
        browser's too), then the spider's callback."""
        try:
            for middleware in self.middlewares:
                answer = middleware.process_response(request, response)
                if isinstance(answer, Request):  # the crawl would have fetched it again
                    self.skipped["damaged page"] += 1
                    return None
                response = answer
        except IgnoreRequest as exc:
            self.skipped[f"damaged page ({getattr(exc, 'problem', 'ignored')})"] += 1
            return None
        return self._first_article(self.spider.parse_article(response), capture)

    def _first_article(self, results: Iterable[Any], capture: Capture) -> Optional[Article]:
        for result in results:
            if isinstance(result, Article):
                return result
            if isinstance(result, Request) and result.meta.get("playwright"):
                rendered = self._rendering(capture, result)
                if rendered is not None:
                    return self._parsed(result, rendered, capture)
                # the crawl's rendering failed (or could not be had): it went on with the static parse
                self.skipped["no rendering stored"] += 1
                static = result.meta.get("newscrawl_static")
                if static is None:
                    return None
                return self._first_article(self.spider.article_found(static, result.meta, self.spider.site_url(result.url)), capture)
        return None

    def _through_pipelines(self, article: Article) -> Optional[Article]:
        return run_pipelines(self.pipelines, article, self.skipped)

    def close(self) -> None:
        for file in self._files.values():
            file.close()


def item_pipelines(settings: Settings, crawler: Crawler) -> tuple[list[Any], list[Any]]:
    """ITEM_PIPELINES but the archive's, built, in order: those before dedup (one article at a
    time, a worker's), and dedup with those after it (the whole run's, in the crawl's order)."""
    before: list[Any] = []
    after: list[Any] = []
    for path, order in sorted(settings.getwithbase("ITEM_PIPELINES").items(), key=lambda kv: kv[1]):
        cls = load_object(path)
        if order is None or issubclass(cls, ArchivePipeline):
            continue
        (after if after or issubclass(cls, DedupPipeline) else before).append(cls)
    return [build_from_crawler(c, crawler) for c in before], [build_from_crawler(c, crawler) for c in after]


def run_pipelines(pipelines: list[Any], article: Article, skipped: Counter[str]) -> Optional[Article]:
    item: Any = article
    try:
        for pipeline in pipelines:
            item = pipeline.process_item(item)
    except DropItem as exc:
        skipped[f"dropped ({type(exc).__name__})"] += 1
        return None
    return ItemAdapter(item).item


def worker_context() -> multiprocessing.context.BaseContext:
    """How the page readers and the store process start: forked by a fork server that imported
    this module (Scrapy, SQLAlchemy, the parsers) once, rather than each spawned and importing
    it all again (some 1.3 CPU seconds a process). Like spawn, the children inherit none of this
    process's threads and connections."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # no effect on a fork server already running: its children import it then
    return context


def start_fork_server() -> None:
    """The fork server started now, so that its imports run beside this process's own setup
    rather than before the first page is read."""
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _end_with_run(run_pid: int) -> None:
    """This worker ends when the run's process ends, however that ends: a fork server's child
    (or a page reader, which would wait for its next task forever) has another parent."""
    if not _alive(run_pid):
        os._exit(1)
    threading.Thread(target=_watch_run, args=(run_pid,), name="newscrawl-run-watch", daemon=True).start()


def _watch_run(run_pid: int) -> None:
    while _alive(run_pid):
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # no clean-up: SQLite rolls back the open transaction


def _alive(pid: int) -> bool:
    """Whether this process runs (a process that ended but was not waited for yet has not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


# the page reader of a worker process (Reparser's pool), and whether it prints the articles' texts
_reader: Optional[PageReader] = None
_with_prints = False


def _start_reader(settings: dict[str, Any], spider_name: str, run_pid: int, with_prints: bool) -> None:
    global _reader, _with_prints
    _end_with_run(run_pid)
    _reader = PageReader(Settings(settings), spider_name)
    _with_prints = with_prints


def _read_chunk(chunk: list[list[Capture]]) -> list[tuple[Read, Optional[MadePrint]]]:
    assert _reader is not None
    reads = [_reader.read(captures) for captures in chunk]
    if not _with_prints:
        return [(read, None) for read in reads]
    return [(read, None if read[0] is None else (read[0].content_hash, TextPrint.of(read[0].body))) for read in reads]


def _second(warc_date: str) -> str:
    """A WARC-Date as the archive writes times (to the second)."""
    return warc_date[:19] + "Z"


class ReextractionArchive(Archive):
    """The archive's side of a reparse: what it holds of these articles, and the writes.

    Into an archive that held no article's print when it was opened (a rebuild into a fresh
    archive), every band the near-duplicate search can meet is one this process wrote: it
    keeps them in memory too (PrintIndex, up to MAX_INDEXED_PRINTS articles), and asks them
    there instead of the archive's band index, with the same answers. On SQLite the index on
    article_bands.key, which nothing asks meanwhile, is dropped at the first write and made once
    over all the rows at the end (`finish`), in sorted order: inserting 32 keys an article at
    random places in it was the largest part of a rebuild's writes. A rebuild killed before its
    end leaves the archive without it: the next writer's open makes it (Archive._restore_band_index)."""

    def __init__(self, database_url: str, near_duplicate_threshold: float) -> None:
        super().__init__(database_url, near_duplicate_threshold)
        with self.engine.connect() as conn:
            fresh = conn.execute(select(BANDS.c.article_id).limit(1)).first() is None
        self.written: Optional[PrintIndex] = PrintIndex() if fresh else None
        self.band_index_dropped = False

    def finish(self) -> None:
        """The end of the writes: the band index made again, if this archive dropped it."""
        if self.band_index_dropped:
            with self.engine.begin() as conn:
                self._make_band_index(conn)

    def _make_band_index(self, conn: Connection) -> None:
        conn.exec_driver_sql(CREATE_BAND_KEY_INDEX)
        self.band_index_dropped = False

    def archived(self, conn: Connection, article_ids: list[str]) -> dict[str, dict[str, Any]]:
        columns = [ARTICLES.c[name] for name in ARTICLE_FIELDS]
        rows = self._rows_by_id(conn, ARTICLES.c.article_id, columns[1:], article_ids)
        return {row[0]: dict(zip(ARTICLE_FIELDS, row)) for row in rows}

    def store(self, conn: Connection, new: list[Article], changed: list[Article], same_text: frozenset[str] = frozenset(),
              made: Optional[Mapping[str, MadePrint]] = None) -> None:
        """New articles as of their capture; changed ones now, each with a re-extraction revision.
        `same_text`: changed articles whose text (content hash) the archive holds already;
        `made`: prints the page readers made, used for an article whose text they were made of."""
        now = utc_now()
        if conn.dialect.name == "sqlite" and self.written is not None and not self.band_index_dropped:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {BAND_KEY_INDEX}")
            self.band_index_dropped = True
        if conn.dialect.name == "sqlite":
            # the band index's pages stay in memory from one batch to the next, and the pages a
            # batch writes go to the file at a checkpoint every few batches rather than at each
            conn.exec_driver_sql(f"PRAGMA cache_size=-{STORE_CACHE_KIB}")
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={STORE_CHECKPOINT_PAGES}")
        stored = new + changed
        rows = [{**article_values(a), "first_seen_at": a.fetched_at, "last_seen_at": a.fetched_at, "changed_at": a.fetched_at}
                for a in new]
        rows += [{**article_values(a), "first_seen_at": now, "last_seen_at": now, "changed_at": now} for a in changed]
        insert = self._insert(ARTICLES)
        updated = (*ARTICLE_FIELDS, "changed_at")  # last_seen_at stays: it says when the site last showed the article
        conn.execute(insert.on_conflict_do_update(index_elements=[ARTICLES.c.article_id],
                                                  set_={name: insert.excluded[name] for name in updated}), rows)
        # full-text index: new rows here (changed ones: the update trigger), as Archive.write_batch does
        index_added_articles(conn, [a.article_id for a in new])
        self._add_revisions(conn, stored, now, None, origin=REEXTRACTION)
        self._replace_links(conn, stored)
        # a text the archive holds keeps its print, and its near-duplicates are linked already
        kept = self._with_print(conn, same_text) if same_text else set()
        searched = [a for a in stored if a.article_id not in kept]
        if not searched:
            return
        made = made or {}
        prints = {a.article_id: found[1] if (found := made.get(a.article_id)) and found[0] == a.content_hash else TextPrint.of(a.body)
                  for a in searched}
        self._link_near_duplicates(conn, searched, now, None, prints)
        if self.written is not None:
            if len(self.written) + len(prints) > MAX_INDEXED_PRINTS or any(i in self.written.signatures for i in prints):
                self.written = None  # past the memory bound (or an article written twice): the archive is asked again
                if self.band_index_dropped:
                    self._make_band_index(conn)
            else:
                self.written.add(prints)

    def _with_print(self, conn: Connection, article_ids: Iterable[str]) -> set[str]:
        """Those of these articles whose print (bands and signature) the archive holds."""
        return {row[0] for row in self._rows_by_id(conn, SIGNATURES.c.article_id, [], article_ids)}

    def _archived_prints(self, conn: Connection, keys: set[int]) -> tuple[dict[int, list[str]], Mapping[str, bytes]]:
        if self.written is None:
            return super()._archived_prints(conn, keys)
        return self.written.holders(keys), self.written.signatures


_store: Optional[ReextractionArchive] = None  # a store process's archive


def _open_store(database_url: str, near_duplicate_threshold: float, run_pid: int, from_main_thread: bool) -> None:
    global _store
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent decides
    if os.getppid() == run_pid:  # spawned by the run's process
        _end_with_parent(run_pid, from_main_thread)
    else:
        _end_with_run(run_pid)
    _store = ReextractionArchive(database_url, near_duplicate_threshold)


def _store_batch(new: list[Article], changed: list[Article], same_text: frozenset[str], made: dict[str, MadePrint]) -> None:
    assert _store is not None
    with _store.engine.begin() as conn:
        _store.store(conn, new, changed, same_text, made)


def _finish_store() -> None:
    assert _store is not None
    _store.finish()


def _finish_after_failure(finish: Callable[[], None]) -> None:
    """The band index made after a run that failed, if it can be (else the archive's next open
    makes it); the failure that stopped the run is what is raised."""
    try:
        finish()
    except Exception as exc:
        logger.warning("The band index of near-duplicate search will be made at the archive's next open: %s", exc)


class StoreProcess:
    """ReextractionArchive.store in a child process, a batch a transaction, in order, at most
    two batches ahead of the reads: storing a new article (its near-duplicate search above all)
    costs about what reading its page does, and the two run side by side."""

    def __init__(self, database_url: str, near_duplicate_threshold: float) -> None:
        self.pool = ProcessPoolExecutor(
            max_workers=1, mp_context=worker_context(), initializer=_open_store,
            initargs=(database_url, near_duplicate_threshold, os.getpid(), threading.current_thread() is threading.main_thread()),
        )
        self.pending: deque[Future[None]] = deque()
        self.finished = True  # nothing to finish until a batch is stored (the process starts then)

    def submit(self, new: list[Article], changed: list[Article], same_text: frozenset[str], made: dict[str, MadePrint]) -> None:
        while len(self.pending) >= 2:
            self.pending.popleft().result()
        with _main_script_left_out():
            self.pending.append(self.pool.submit(_store_batch, new, changed, same_text, made))
        self.finished = False

    def close(self) -> None:
        while self.pending:
            self.pending.popleft().result()
        if not self.finished:
            self.pool.submit(_finish_store).result()
            self.finished = True

    def stop(self) -> None:
        """The process ended; after a failure, the band index made first if it can be (else the archive's next open makes it)."""
        if not self.finished:
            _finish_after_failure(lambda: self.pool.submit(_finish_store).result())
        self.pool.shutdown(wait=True, cancel_futures=True)


class TextsOutsideRebuild:
    """The archive as DedupPipeline asks it during a reparse. The texts of the articles being
    rebuilt are being replaced: "the first article with this text" is looked for among the
    others; the rebuilt ones are this run's own, which dedup tracks as it does a crawl's."""

    def __init__(self, archive: Archive, rebuilding: set[str]) -> None:
        self.archive = archive
        self.rebuilding = rebuilding
        query = select(ARTICLES.c.article_id, ARTICLES.c.content_hash).where(ARTICLES.c.duplicate_of.is_(None))
        with archive.engine.connect() as conn:
            # the texts of the others, 8 bytes each: most texts need no query (all of them in a full reparse)
            self.prefixes = KeySet(hash_prefix(digest) for article_id, digest in conn.execution_options(yield_per=5000).execute(query)
                                   if article_id not in rebuilding)

    def keep(self, article_id: str) -> None:
        """An article this reparse leaves as it is (not selected): its archived text stands."""
        self.rebuilding.discard(article_id)
        with self.archive.engine.connect() as conn:
            digest = conn.execute(select(ARTICLES.c.content_hash).where(ARTICLES.c.article_id == article_id)).scalar()
        if digest:
            self.prefixes.add(hash_prefix(digest))

    def first_with_text(self, content_hash: str, other_than: str) -> Optional[str]:
        if hash_prefix(content_hash) not in self.prefixes:
            return None
        query = (
            select(ARTICLES.c.article_id)
            .where(ARTICLES.c.content_hash == content_hash, ARTICLES.c.duplicate_of.is_(None))
            .order_by(ARTICLES.c.first_seen_at, ARTICLES.c.article_id)
        )
        with self.archive.engine.connect() as conn:
            for article_id in conn.execute(query).scalars():
                if article_id != other_than and article_id not in self.rebuilding:
                    return str(article_id)
        return None

    def close(self) -> None:
        self.archive.close()


class Reparser:
    """Runs the crawl's code on stored pages (PageReader: in worker processes, one per core, for
    a large run), then dedup in the crawl's order, then compares with and writes to the archive."""

    def __init__(self, settings: Settings, pages: StoredPages, selection: Selection, report: Report, dry_run: bool = False,
                 spider_name: Optional[str] = None, workers: Optional[int] = None) -> None:
        self.pages = pages
        self.selection = selection
        self.report = report
        self.dry_run = dry_run
        self.settings = settings.copy()
        self.settings.set(ARCHIVE_CRAWL, True, priority="cmdline")  # dedup compares with the archive
        self.spider_name = spider_name or next((s for s in pages.spiders if s), DEFAULT_SPIDER)
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        # a small run is done in this process (the workers' start-up would cost more), unless workers are asked for
        self.pool_from = POOL_FROM if workers is None else 0
        if self.workers > 1 and len(pages.captures) >= self.pool_from and not selection.ids:  # the pool will read
            start_fork_server()
        self.reader = PageReader(self.settings, self.spider_name)
        self.pipelines = self.reader.later_pipelines
        config = NewscrawlConfig.from_settings(self.settings)
        self.archive = ReextractionArchive(config.database_url, config.near_duplicate_threshold)
        self.config = config
        self.store: Optional[StoreProcess] = None
        self.texts: Optional[TextsOutsideRebuild] = None
        # the archived layout and date of each article rebuilt, for the filters
        self.archived_selection: dict[str, tuple[Optional[str], Optional[str]]] = {}
        # backfills' pages: the archived articles among them, the articles kept ones name in READ MORE (fewest hops)
        self.archived_ids: set[str] = set()
        self.named_by_read_more: dict[str, int] = {}
        # prints the page readers made of the articles read but not stored yet (a rebuild's, with a store process)
        self.made: dict[str, MadePrint] = {}

    def run(self) -> Report:
        chosen = self.pages.chosen(self.selection)
        rebuilding = {article_id for article_id, _captures in chosen}
        self.archived_selection = self._archived_selection(list(rebuilding))
        if any(self.pages.backfills):
            with self.archive.engine.connect() as conn:
                self.archived_ids = {row[0] for row in self.archive._rows_by_id(conn, ARTICLES.c.article_id, [], rebuilding)}
        spider = self.reader.spider
        if not self.dry_run and self.workers > 1 and len(chosen) >= self.pool_from:
            # a large run's writes go to a process of their own, as a crawl's do (newscrawl.writer)
            self.store = StoreProcess(self.config.database_url, self.config.near_duplicate_threshold)
        try:
            for pipeline in self.pipelines:
                if hasattr(pipeline, "open_spider"):
                    pipeline.open_spider(spider)
                if isinstance(pipeline, DedupPipeline) and pipeline.archive is not None:
                    self.texts = TextsOutsideRebuild(pipeline.archive, rebuilding)
                    pipeline.archive = self.texts  # type: ignore[assignment]
            batch: list[Article] = []
            for article in self.articles([captures for _article_id, captures in chosen]):
                batch.append(article)
                if len(batch) >= BATCH:
                    self._compare_and_store(batch)
                    batch = []
            if batch:
                self._compare_and_store(batch)
            if self.store is not None:
                self.store.close()  # every batch stored (or its error raised), the band index made
            elif not self.dry_run:
                self.archive.finish()
        finally:
            if self.store is not None:
                self.store.stop()
            elif self.archive.band_index_dropped:  # a failure
                _finish_after_failure(self.archive.finish)
            for pipeline in self.pipelines:
                if hasattr(pipeline, "close_spider"):
                    pipeline.close_spider(spider)
            self.reader.close()
            self.archive.close()
        return self.report

    def articles(self, chosen: list[list[Capture]]) -> Iterator[Article]:
        for (article, pages, skipped, found), made in self._read(chosen):
            self.report.pages += pages
            self.report.skipped.update(skipped)
            if article is None:
                continue
            if found is not None and not self._backfill_kept(article.article_id, found):
                if article.article_id not in self.selection.ids:
                    self.report.skipped["pages a backfill passed over (another section, or outside its window)"] += 1
                    continue
                self.report.asked_beyond_backfill.append(article.article_id)
            if not self._selected(article):
                self.report.outcomes["filtered"] += 1
                if self.texts is not None:
                    self.texts.keep(article.article_id)
                continue
            kept = run_pipelines(self.pipelines, article, self.report.skipped)
            if kept is not None:
                self.report.articles += 1
                if made is not None:
                    self.made[kept.article_id] = made
                yield kept

    def _read(self, chosen: list[list[Capture]]) -> Iterator[tuple[Read, Optional[MadePrint]]]:
        """PageReader.read of each article's captures, in order: here for a small run, else in
        worker processes (parsing is most of a reparse's time), a bounded number of chunks ahead.
        Into a fresh archive with a store process, the workers print the articles' texts too
        (newscrawl.dedup.TextPrint), which the store process, one for the whole run, would do."""
        if self.workers <= 1 or len(chosen) < self.pool_from:
            for captures in chosen:
                yield self.reader.read(captures), None
            return
        with_prints = self.store is not None and self.archive.written is not None
        chunks = [chosen[i : i + CHUNK] for i in range(0, len(chosen), CHUNK)]
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=worker_context(),
                                   initializer=_start_reader, initargs=(self.settings.copy_to_dict(), self.spider_name, os.getpid(), with_prints))
        try:
            with _main_script_left_out():
                pending = deque(pool.submit(_read_chunk, chunk) for chunk in chunks[: 4 * self.workers])
            following = 4 * self.workers
            while pending:
                results = pending.popleft().result()
                if following < len(chunks):
                    pending.append(pool.submit(_read_chunk, chunks[following]))
                    following += 1
                yield from results
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _backfill_kept(self, article_id: str, found: FoundBy) -> bool:
        """Whether the backfill that fetched this page kept its article, as the spider decides
        (SectionSpider.article_found): one it found through a READ MORE link or a retry, one
        of its section and window, or one that an article it kept (within the READ MORE depth,
        earlier in the crawl's order) names. An article the archive holds, it kept (but did not
        follow its READ MORE links from this page).

        What the records cannot tell: a sitemap page outside the window (another section's, or
        of another time) that an article the backfill kept named in READ MORE while the page
        was on its way (the READ MORE request was a duplicate, so the page's one record is the
        sitemap's). It was kept, and a run that reads the naming article knows it; a run that
        does not (`--id X` into a fresh archive) cannot tell it from a page passed over. So an
        article named by --id is rebuilt whatever this rule says (it is asked for explicitly),
        and the summary names it among those "rebuilt as asked though their backfill's rule
        alone passes them over" (Report.asked_beyond_backfill), not as passed over; an article
        only selected by a window or a layout, or by nothing, follows this rule."""
        hops = found.hops
        if found.from_sitemap:
            if found.in_window:
                hops = 0
            elif article_id in self.named_by_read_more:
                hops = self.named_by_read_more[article_id]
            else:
                return article_id in self.archived_ids
        if hops is not None and hops < found.backfill.depth:
            for named in found.names:
                self.named_by_read_more[named] = min(hops + 1, self.named_by_read_more.get(named, hops + 1))
        return True

    def _archived_selection(self, article_ids: list[str]) -> dict[str, tuple[Optional[str], Optional[str]]]:
        """(layout, published_at) of these archived articles, for --layout and --since/--until."""
        selection = self.selection
        if not (selection.layout or (selection.by == "published" and (selection.since or selection.until))):
            return {}
        with self.archive.engine.connect() as conn:
            rows = self.archive._rows_by_id(conn, ARTICLES.c.article_id, [ARTICLES.c.layout, ARTICLES.c.published_at], article_ids)
            return {article_id: (layout, published) for article_id, layout, published in rows}

    def _selected(self, article: Article) -> bool:
        """--layout and --since/--until (by publication): as parsed today, or as archived."""
        selection = self.selection
        layout, published = self.archived_selection.get(article.article_id, (None, None))
        if selection.layout and selection.layout not in (article.layout, layout):
            return False
        if selection.by == "published" and not (selection.in_window(article.published_at) or (published and selection.in_window(published))):
            return False
        return True

    # articles -> archive ----------------------------------------------------------------
    def _compare_and_store(self, articles: list[Article]) -> None:
        new: list[Article] = []
        changed: list[Article] = []
        same_text: set[str] = set()  # changed, but not its text
        engine = self.archive.engine
        with (engine.connect() if self.dry_run else engine.begin()) as conn:
            archived = self.archive.archived(conn, [a.article_id for a in articles])
            for article in articles:
                old = archived.get(article.article_id)
                outcome = self._outcome(article, old)
                self.report.outcomes[outcome] += 1
                if outcome == "new":
                    new.append(article)
                elif outcome == "changed":
                    changed.append(article)
                    if old is not None and old["content_hash"] == article.content_hash:
                        same_text.add(article.article_id)
            if (new or changed) and not self.dry_run and self.store is None:
                self.archive.store(conn, new, changed, frozenset(same_text))
        made = {a.article_id: found for a in articles if (found := self.made.pop(a.article_id, None)) is not None}
        if (new or changed) and self.store is not None:
            self.store.submit(new, changed, frozenset(same_text), made)

    def _outcome(self, article: Article, old: Optional[dict[str, Any]]) -> str:
        if old is None:
            return "new"
        if old["fetched_at"] and old["fetched_at"] > article.fetched_at:
            return "archive_newer"
        values = article_values(article)
        differing = [name for name in COMPARED_FIELDS if values[name] != old[name]]
        if not differing:
            return "unchanged"
        self.report.fields.update(differing)
        return "changed"


def stored_files(paths: Iterable[Path]) -> list[Path]:
    """WARC files named on the command line, directories opened to the WARC files they hold."""
    from newscrawl.warc import warc_files

    found: list[Path] = []
    for path in paths:
        found += warc_files(path) if path.is_dir() else [path] if path.is_file() else []
    return found

