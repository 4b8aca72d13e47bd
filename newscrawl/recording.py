"""Every response the crawl receives, written as WARC (newscrawl.warc) by a downloader middleware.

`WarcRecorder` sits next to the downloader (DOWNLOADER_MIDDLEWARES 950), so it sees each
answer as it came off the wire: before redirects are followed (a 301 is recorded as such),
before retries (a 500 too), before the body is decompressed (the payload is the bytes the
server sent, its digest theirs). Article pages, index pages and fragments, sitemaps,
robots.txt and redirects alike: a `request` record and a `response` record, concurrent.

- A payload the same URI gave before, byte for byte (an earlier crawl's, or this one's), is
  written as a `revisit` record (profile identical-payload-digest) naming the original's
  record, date and URI: a re-crawl of an unchanged site costs its headers only.
- A page the browser rendered (newscrawl.rendering) is also kept as the browser left it: a
  `conversion` record referring to the static page's response record. What the browser
  fetched itself meanwhile (the page again, its scripts' JSON, scripts, fragments;
  newscrawl.browser_traffic) is kept as request and response (or revisit) records too, at
  most NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES answers and NEWSCRAWL_WARC_BROWSER_MAX_BYTES of
  payload per rendering; the rendering's records share a `WARC-Page-ID` and name their
  `WARC-Resource-Type` (Browsertrix's fields), so `scrapy reparse` tells them from pages.
- An article page's records say how the crawl found it (Newscrawl-Hops, Newscrawl-Backfill),
  and the warcinfo record a backfill's window, so that `scrapy reparse` keeps what the crawl kept.
- A page cut by the page-size bound (Scrapy's download stopped) keeps the bytes received,
  marked `WARC-Truncated: length`; one that lost its connection (Scrapy's `dataloss`),
  `WARC-Truncated: disconnect`. A damaged page is kept as it came: it is what the site sent;
  `scrapy reparse` runs the crawl's integrity checks on it again.

The middleware tells the spider when a page was fetched (request.meta FETCHED_AT, the
record's WARC-Date to the second), so an article's fetched_at is its page's capture time and
`scrapy reparse` gives it back exactly.

On only for `scrapy crawl` (the debug commands record nothing) and NEWSCRAWL_WARC_ENABLED.
At the crawl's start (under the archive's lock) it makes whole the `.open` files a killed crawl
left, applies NEWSCRAWL_WARC_KEEP, and reads the kept files' indexes for the revisit check.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy_playwright.page import PageMethod

from newscrawl import __version__
from newscrawl.browser_traffic import BrowserTraffic
from newscrawl.config import ARCHIVE_CRAWL, NewscrawlConfig, number_setting
from newscrawl.middlewares import DamagedPage
from newscrawl.warc import (
    TRUNCATED_DISCONNECT, TRUNCATED_LENGTH, WARC_VERSION, Entry, Originals, Pending, Record, WarcFileSet, delete_file, http_head, index_of,
    payload_digest, revisit_key, seal, status_phrase, utc_now, warc_date, warc_files,
)

logger = logging.getLogger(__name__)

# request.meta keys: when the page was fetched (UTC, to the second), and its response record
FETCHED_AT = "newscrawl_fetched_at"
WARC_RECORD = "newscrawl_warc_record"
# request.meta key of a rendering's BrowserTraffic (with the meta it replaced)
BROWSER_TRAFFIC = "newscrawl_warc_browser_traffic"
# WARC fields of an article page's records: the READ MORE hops it was found at, and "sitemap"
# when a backfill found it in the site's sitemaps (newscrawl.reparse keeps what the crawl kept)
HOPS_FIELD = "Newscrawl-Hops"
BACKFILL_FIELD = "Newscrawl-Backfill"
# the scrapy-playwright meta keys a rendering's BrowserTraffic sets (and gives back)
_BROWSER_HOOKS = ("playwright_page_event_handlers", "playwright_page_methods", "playwright_page_init_callback")
# the response record's fields its request record repeats
_REQUEST_FIELDS = frozenset({"WARC-Page-ID", "WARC-Resource-Type"})
# the body arrived de-chunked: a replay tool must not de-chunk it again
_DROPPED_RESPONSE_HEADERS = frozenset({b"transfer-encoding"})
HTTP_RESPONSE = "application/http; msgtype=response"
HTTP_REQUEST = "application/http; msgtype=request"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
DEFAULT_MAX_BYTES = 1_000_000_000  # IIPC's usual 1 GB
# what the browser fetches itself during one rendering, kept at most (newscrawl.browser_traffic)
DEFAULT_BROWSER_MAX_RESPONSES = 100
DEFAULT_BROWSER_MAX_BYTES = 16 * 1024 * 1024
# A page that came while the WARC file could not be written: not parsed, so that no article is
# stored without its page; an article page goes on the retry record, the next crawl fetches it again
def not_kept() -> DamagedPage:
    return DamagedPage("not_kept", "not kept: the WARC file cannot be written")


@dataclass(frozen=True)
class WarcConfig:
    enabled: bool  # NEWSCRAWL_WARC_ENABLED
    directory: Path  # <data dir>/warc
    max_bytes: int  # NEWSCRAWL_WARC_MAX_BYTES: a file is closed before it would pass this
    keep: int  # NEWSCRAWL_WARC_KEEP: files kept (0: all)
    # NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES / _BYTES: the browser's own answers kept per rendering
    browser_max_responses: int = DEFAULT_BROWSER_MAX_RESPONSES
    browser_max_bytes: int = DEFAULT_BROWSER_MAX_BYTES

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "WarcConfig":
        return cls(
            enabled=settings.getbool("NEWSCRAWL_WARC_ENABLED", True),
            directory=NewscrawlConfig.from_settings(settings).data_dir / "warc",
            max_bytes=max(1, int(number_setting(settings, "NEWSCRAWL_WARC_MAX_BYTES", DEFAULT_MAX_BYTES, whole=True))),
            keep=int(number_setting(settings, "NEWSCRAWL_WARC_KEEP", 0, whole=True)),
            browser_max_responses=int(number_setting(settings, "NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES", DEFAULT_BROWSER_MAX_RESPONSES, whole=True)),
            browser_max_bytes=int(number_setting(settings, "NEWSCRAWL_WARC_BROWSER_MAX_BYTES", DEFAULT_BROWSER_MAX_BYTES, whole=True)),
        )


def open_files(config: WarcConfig) -> Originals:
    """What a crawl does before it writes: the `.open` files of a killed crawl made whole,
    NEWSCRAWL_WARC_KEEP applied; returns the revisit check's originals from the files kept for it."""
    for path in warc_files(config.directory):
        if path.name.endswith(".open"):
            cut = seal(path)
            if cut:
                logger.warning("WARC file %s was left open by a crawl that was killed: %s cut off, the rest kept", path.name, cut)
            else:
                logger.info("WARC file %s was left open by a crawl that was killed: every record whole, kept", path.name)
    files = warc_files(config.directory, with_open=False)
    newest = set(files[-config.keep:]) if config.keep else set(files)
    originals = Originals()
    referred: set[str] = set()  # record ids that revisits in kept files refer to
    retired = 0
    for path in reversed(files):  # newest first: a revisit refers to an older record
        entries = index_of(path, rebuild_index=True).entries
        if path not in newest:
            if not any(e.id in referred for e in entries if e.type == "response"):
                delete_file(path)
                logger.info("WARC file %s removed (NEWSCRAWL_WARC_KEEP=%d)", path.name, config.keep)
                continue
            retired += 1
        referred.update(e.refers_to for e in entries if e.type == "revisit" and e.refers_to)
        if path in newest:
            originals.add_file(path, entries)
    if retired:
        logger.info("%d WARC files past NEWSCRAWL_WARC_KEEP=%d are kept: revisit records of kept files refer to them "
                    "(no new one will; they go once nothing refers to them)", retired, config.keep)
    return originals


class WarcRecorder:
    def __init__(self, crawler: Crawler, config: WarcConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.stats = crawler.stats
        self.files: Optional[WarcFileSet] = None
        self.originals = Originals()
        self.failed = False
        self._cap_warned = False  # the browser cap's warning: once a crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcRecorder":
        config = WarcConfig.from_settings(crawler.settings)
        if not crawler.settings.getbool(ARCHIVE_CRAWL):
            raise NotConfigured()  # a debug command: nothing recorded, nothing said
        if not config.enabled:
            raise NotConfigured("NEWSCRAWL_WARC_ENABLED is off")
        recorder = cls(crawler, config)
        recorder.originals = open_files(config)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def _file_set(self) -> WarcFileSet:
        if self.files is None:
            spider = self.crawler.spider
            name = getattr(spider, "name", "crawl")
            prefix = f"newscrawl-{name}-{utc_now().strftime('%Y%m%d%H%M%S')}"
            self.files = WarcFileSet(self.config.directory, prefix, self.config.max_bytes, self._warcinfo(name))
        return self.files

    def _warcinfo(self, spider_name: str) -> dict[str, str]:
        import scrapy
        import warcio

        settings = self.crawler.settings
        spider = self.crawler.spider
        return {
            "software": f"newscrawl/{__version__} (Scrapy/{scrapy.__version__}, warcio/{getattr(warcio, '__version__', '1.8.1')})",
            "format": f"WARC File Format {WARC_VERSION.removeprefix('WARC/')}",
            "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "isPartOf": f"newscrawl-{spider_name}",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "newscrawl-spider": spider_name,
            # the mirror a crawl read instead of the site: reparse maps its URLs back to the site's
            "newscrawl-base-url": getattr(spider, "base_url", None) or "",
            "newscrawl-crawl-id": str(self.stats.get_value("newscrawl/crawl_id") or ""),
            **self._backfill_info(spider),
        }

    @staticmethod
    def _backfill_info(spider: Any) -> dict[str, str]:
        """A backfill's window and READ MORE depth: what decided which of its pages it kept."""
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        if not (since and until):
            return {}
        return {"newscrawl-since": since.isoformat(), "newscrawl-until": until.isoformat(),
                "newscrawl-read-more-depth": str(getattr(spider, "max_hops", ""))}

    # requests -----------------------------------------------------------------------------
    def process_request(self, request: Request) -> None:
        """A rendering: the browser's own exchanges are collected while the page is open."""
        if request.meta.get("playwright") and self.config.browser_max_responses and not self.failed:
            traffic = BrowserTraffic(self.config.browser_max_responses, self.config.browser_max_bytes)
            # kept as they were, so that a rendering tried again (and rescheduled) carries no collector
            request.meta[BROWSER_TRAFFIC] = (traffic, {key: request.meta.get(key) for key in _BROWSER_HOOKS})
            request.meta["playwright_page_event_handlers"] = {**(request.meta.get("playwright_page_event_handlers") or {}),
                                                              **traffic.event_handlers()}
            request.meta["playwright_page_methods"] = [*(request.meta.get("playwright_page_methods") or ()), PageMethod(traffic.settle)]
            request.meta["playwright_page_init_callback"] = traffic.wire.watch

    def _browser_traffic(self, request: Request) -> Optional[BrowserTraffic]:
        kept = request.meta.pop(BROWSER_TRAFFIC, None)
        if kept is None:
            return None
        traffic, replaced = kept
        for key, value in replaced.items():
            if value is None:
                request.meta.pop(key, None)
            else:
                request.meta[key] = value
        return traffic

    # responses ------------------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Response:
        traffic = self._browser_traffic(request)
        if urlsplit(response.url).scheme not in ("http", "https"):
            return response
        if self.failed:
            raise not_kept()
        now = utc_now()
        try:
            if request.meta.get("playwright"):
                self._write_browser_traffic(request, traffic)
                entries = self._write_rendering(request, response, warc_date(now), traffic)
            else:
                entries = self._write_exchange(request, response, warc_date(now))
        except OSError as exc:
            self._write_failed(exc)
            raise not_kept() from None
        request.meta[FETCHED_AT] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        request.meta[WARC_RECORD] = entries[0].id
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """A rendering that failed: what the browser received meanwhile is kept all the same."""
        traffic = self._browser_traffic(request)
        if traffic is not None and not self.failed:
            try:
                self._write_browser_traffic(request, traffic)
            except OSError as exc:
                self._write_failed(exc)

    def _write_exchange(self, request: Request, response: Response, date: str) -> list[Entry]:
        truncated = TRUNCATED_LENGTH if "download_stopped" in response.flags else TRUNCATED_DISCONNECT if "dataloss" in response.flags else None
        status_line = b"%s %d %s" % ((response.protocol or "HTTP/1.1").encode("ascii"), response.status,
                                     status_phrase(response.status).encode("ascii"))
        head = http_head(status_line.rstrip(), [(name, value) for name, values in response.headers.items()
                                                 if name.lower() not in _DROPPED_RESPONSE_HEADERS for value in values])
        fields = [("WARC-IP-Address", str(response.ip_address))] if response.ip_address is not None else []
        fields += self._found_by(request)
        encoded = response.headers.get(b"Content-Encoding", b"identity").strip().lower() not in (b"", b"identity")
        request_headers = [(name, value) for name, values in request.headers.items() for value in values]
        return self._write_pair(Exchange(response.url, response.status, head, response.body, fields, encoded, truncated,
                                         request.method, request_headers, request.body or b""), date)

    @staticmethod
    def _found_by(request: Request) -> list[tuple[str, str]]:
        """How the crawl came to an article page: READ MORE hops, and a backfill's sitemap
        (`scrapy reparse` keeps what the crawl would keep: newscrawl.reparse)."""
        hops = request.meta.get("newscrawl_hops")
        if hops is None:
            return []
        fields = [(HOPS_FIELD, str(hops))]
        if request.meta.get("newscrawl_backfill"):
            fields.append((BACKFILL_FIELD, "sitemap"))
        return fields

    def _write_pair(self, exchange: "Exchange", date: str, counted: str = "") -> list[Entry]:
        """A response (a revisit when the URI gave this payload before) and its request, concurrent."""
        files = self._file_set()
        digest = payload_digest(exchange.payload)
        fields = list(exchange.fields)
        key = revisit_key(exchange.url, digest)
        original = None if exchange.truncated else self.originals.get(key)
        if original is not None:
            fields += [("WARC-Profile", REVISIT_PROFILE), ("WARC-Refers-To-Target-URI", exchange.url),
                       ("WARC-Refers-To-Date", original[1]), ("WARC-Refers-To", original[0])]
            record = Record("revisit", exchange.url, date, fields, exchange.head, b"", HTTP_RESPONSE, digest, exchange.status,
                            original[0])
            self.stats.inc_value("newscrawl/warc/revisits")
        else:
            if exchange.truncated:
                fields.append(("WARC-Truncated", exchange.truncated))
                self.stats.inc_value("newscrawl/warc/truncated")
            record = Record("response", exchange.url, date, fields, exchange.head, exchange.payload, HTTP_RESPONSE, digest,
                            exchange.status, truncated=exchange.truncated)
            self.stats.inc_value("newscrawl/warc/responses")
        request_record = self._request_record(exchange, date, record.id)
        entries = files.write([Pending(record, exchange.encoded or original is not None), Pending(request_record, encoded=True)])
        if original is None and not exchange.truncated:
            self.originals.add(key, record.id, date)
        self._count(entries)
        return entries

    @staticmethod
    def _request_record(exchange: "Exchange", date: str, response_id: str) -> Record:
        """The request as sent: Scrapy's HTTP/1.1 handler adds the Host header to these (and
        HTTP/2 has none: its :authority is the host)."""
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = list(exchange.request_headers)
        if not any(name.lower() == b"host" for name, _ in headers):
            headers.insert(0, (b"Host", parts.netloc.encode("ascii")))
        head = http_head(f"{exchange.method} {target} HTTP/1.1".encode("ascii"), headers)
        body = exchange.request_body
        fields = [("WARC-Concurrent-To", response_id), *((n, v) for n, v in exchange.fields if n in _REQUEST_FIELDS)]
        return Record("request", exchange.url, date, fields, head, body, HTTP_REQUEST, payload_digest(body))

    def _write_browser_traffic(self, request: Request, traffic: Optional[BrowserTraffic]) -> None:
        """What the browser fetched itself while rendering the page (newscrawl.browser_traffic),
        each as a response or revisit with its request, named with the rendering's WARC-Page-ID."""
        if traffic is None:
            return
        for exchange in traffic.take():
            fields = [("WARC-Page-ID", traffic.page_id), ("WARC-Resource-Type", exchange.resource_type)]
            if exchange.ip_address:
                fields.insert(0, ("WARC-IP-Address", exchange.ip_address))
            if exchange.protocol:
                fields.append(("WARC-Protocol", exchange.protocol))
            head = http_head(exchange.status_line, exchange.response_headers)
            self._write_pair(Exchange(exchange.url, exchange.status, head, exchange.payload, fields, False, None,
                                      exchange.method, exchange.request_headers, exchange.request_body), exchange.date)
            self.stats.inc_value("newscrawl/warc/browser_responses")
        if traffic.unreadable or traffic.unfinished:  # the page closed first: nothing whole to keep
            self.stats.inc_value("newscrawl/warc/browser_unfinished", traffic.unreadable + traffic.unfinished)
        if traffic.over_cap:
            self.stats.inc_value("newscrawl/warc/browser_not_kept", traffic.over_cap)
            if not self._cap_warned:
                self._cap_warned = True
                logger.warning(
                    "Rendering of %s: the browser fetched more than NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES=%d answers or "
                    "NEWSCRAWL_WARC_BROWSER_MAX_BYTES=%d bytes; %d answers past that are not kept in WARC (counted in "
                    "newscrawl/warc/browser_not_kept, warned once)", request.url, self.config.browser_max_responses,
                    self.config.browser_max_bytes, traffic.over_cap)

    def _write_rendering(self, request: Request, response: Response, date: str, traffic: Optional[BrowserTraffic]) -> list[Entry]:
        """The HTML the browser produced, as a conversion of the static page's response record."""
        files = self._file_set()
        static = request.meta.get(WARC_RECORD)
        encoding = getattr(response, "encoding", None) or "utf-8"
        fields = [("WARC-Refers-To", static)] if static else []
        if traffic is not None:
            fields.append(("WARC-Page-ID", traffic.page_id))
        record = Record("conversion", response.url, date, fields, b"", response.body,
                        f"text/html; charset={encoding}", payload_digest(response.body), refers_to=static)
        entries = files.write([Pending(record)])
        self.stats.inc_value("newscrawl/warc/conversions")
        self._count(entries)
        return entries

    def _count(self, entries: list[Entry]) -> None:
        self.stats.inc_value("newscrawl/warc/records", len(entries))
        self.stats.inc_value("newscrawl/warc/bytes", sum(e.length for e in entries))

    def _write_failed(self, error: OSError) -> None:
        """A full or failing disk: the crawl stops (an archive that cannot keep its pages is not
        crawling), as it does when the database cannot be written; the pages still coming are
        not parsed (not_kept)."""
        self.failed = True
        self.stats.set_value("newscrawl/warc/write_failed", 1)
        where = self.files.path if self.files is not None else self.config.directory
        logger.error("Cannot write the WARC file %s (%s): the crawl stops", where, error.strerror or error)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="archive_error"))

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.files is None:
            return
        try:
            self.files.close()
        except OSError as exc:
            self.failed = True
            logger.error("Cannot close the WARC file %s (%s)", self.files.path, exc.strerror or exc)
            return
        self.stats.set_value("newscrawl/warc/files", len(self.files.written))
        logger.info("WARC: %d files in %s (%s)", len(self.files.written), self.config.directory,
                    ", ".join(p.name for p in self.files.written[-3:]))


@dataclass
class Exchange:
    """A request and its answer, as the records keep them."""

    url: str
    status: int
    head: bytes  # the HTTP response's head
    payload: bytes
    fields: list[tuple[str, str]]  # WARC fields of the response record (some go on the request's too)
    encoded: bool  # the payload is compressed already (Content-Encoding)
    truncated: Optional[str]
    method: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
