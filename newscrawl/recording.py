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
  `conversion` record referring to the static page's response record.
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
from http import HTTPStatus
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro

from newscrawl import __version__
from newscrawl.config import ARCHIVE_CRAWL, NewscrawlConfig, number_setting
from newscrawl.middlewares import DamagedPage
from newscrawl.warc import (
    TRUNCATED_DISCONNECT, TRUNCATED_LENGTH, WARC_VERSION, Entry, Originals, Pending, Record, WarcFileSet, delete_file, http_head, index_of,
    payload_digest, revisit_key, seal, utc_now, warc_date, warc_files,
)

logger = logging.getLogger(__name__)

# request.meta keys: when the page was fetched (UTC, to the second), and its response record
FETCHED_AT = "newscrawl_fetched_at"
WARC_RECORD = "newscrawl_warc_record"
# the body arrived de-chunked: a replay tool must not de-chunk it again
_DROPPED_RESPONSE_HEADERS = frozenset({b"transfer-encoding"})
HTTP_RESPONSE = "application/http; msgtype=response"
HTTP_REQUEST = "application/http; msgtype=request"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
DEFAULT_MAX_BYTES = 1_000_000_000  # IIPC's usual 1 GB
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

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "WarcConfig":
        return cls(
            enabled=settings.getbool("NEWSCRAWL_WARC_ENABLED", True),
            directory=NewscrawlConfig.from_settings(settings).data_dir / "warc",
            max_bytes=max(1, int(number_setting(settings, "NEWSCRAWL_WARC_MAX_BYTES", DEFAULT_MAX_BYTES, whole=True))),
            keep=int(number_setting(settings, "NEWSCRAWL_WARC_KEEP", 0, whole=True)),
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
        }

    # responses --------------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Response:
        if urlsplit(response.url).scheme not in ("http", "https"):
            return response
        if self.failed:
            raise not_kept()
        now = utc_now()
        try:
            if request.meta.get("playwright"):
                entries = self._write_rendering(request, response, warc_date(now))
            else:
                entries = self._write_exchange(request, response, warc_date(now))
        except OSError as exc:
            self._write_failed(exc)
            raise not_kept() from None
        request.meta[FETCHED_AT] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        request.meta[WARC_RECORD] = entries[0].id
        return response

    def _write_exchange(self, request: Request, response: Response, date: str) -> list[Entry]:
        files = self._file_set()
        body = response.body
        digest = payload_digest(body)
        truncated = TRUNCATED_LENGTH if "download_stopped" in response.flags else TRUNCATED_DISCONNECT if "dataloss" in response.flags else None
        status_line = b"%s %d %s" % ((response.protocol or "HTTP/1.1").encode("ascii"), response.status, _phrase(response.status).encode("ascii"))
        head = http_head(status_line.rstrip(), [(name, value) for name, values in response.headers.items()
                                                 if name.lower() not in _DROPPED_RESPONSE_HEADERS for value in values])
        fields = [("WARC-IP-Address", str(response.ip_address))] if response.ip_address is not None else []
        key = revisit_key(response.url, digest)
        original = None if truncated else self.originals.get(key)
        if original is not None:
            fields += [("WARC-Profile", REVISIT_PROFILE), ("WARC-Refers-To-Target-URI", response.url),
                       ("WARC-Refers-To-Date", original[1]), ("WARC-Refers-To", original[0])]
            record = Record("revisit", response.url, date, fields, head, b"", HTTP_RESPONSE, digest, response.status, original[0])
            self.stats.inc_value("newscrawl/warc/revisits")
        else:
            if truncated:
                fields.append(("WARC-Truncated", truncated))
                self.stats.inc_value("newscrawl/warc/truncated")
            record = Record("response", response.url, date, fields, head, body, HTTP_RESPONSE, digest, response.status, truncated=truncated)
            self.stats.inc_value("newscrawl/warc/responses")
        encoded = response.headers.get(b"Content-Encoding", b"identity").strip().lower() not in (b"", b"identity")
        entries = files.write([Pending(record, encoded or original is not None),
                               Pending(self._request_record(request, response.url, date, record.id), encoded=True)])
        if original is None and not truncated:
            self.originals.add(key, record.id, date)
        self._count(entries)
        return entries

    @staticmethod
    def _request_record(request: Request, url: str, date: str, response_id: str) -> Record:
        """The request as sent: Scrapy's HTTP/1.1 handler adds the Host header to these."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(name, value) for name, values in request.headers.items() for value in values]
        if not any(name.lower() == b"host" for name, _ in headers):
            headers.insert(0, (b"Host", parts.netloc.encode("ascii")))
        head = http_head(f"{request.method} {target} HTTP/1.1".encode("ascii"), headers)
        body = request.body or b""
        return Record("request", url, date, [("WARC-Concurrent-To", response_id)], head, body, HTTP_REQUEST, payload_digest(body))

    def _write_rendering(self, request: Request, response: Response, date: str) -> list[Entry]:
        """The HTML the browser produced, as a conversion of the static page's response record."""
        files = self._file_set()
        static = request.meta.get(WARC_RECORD)
        encoding = getattr(response, "encoding", None) or "utf-8"
        record = Record("conversion", response.url, date, [("WARC-Refers-To", static)] if static else [], b"", response.body,
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


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
