"""Downloader middleware and dupefilter that make the site's URLs behave as one site."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Optional
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.request import RequestFingerprinter, RequestFingerprinterProtocol

from newscrawl.compact import KeySet
from newscrawl.config import NewscrawlConfig
from newscrawl.integrity import page_damage, page_encoding
from newscrawl.urls import identity_key, is_public_host, is_site_host, to_fetch_url, to_site_url

logger = logging.getLogger(__name__)


class SiteMirrorMiddleware:
    """Fetch every site URL from the spider's base_url (a local mirror) when one is given.

    Links and items keep the real URLs, so saved pages with absolute links work unchanged
    and the stored URLs stay on the real host. The spider makes its own requests for the
    mirror's URLs (SectionSpider.fetch_url); a site URL that still gets here (a redirect to
    the real host, a request made elsewhere) is mapped, at the cost of a second pass through
    the scheduler. It also refuses any request to a host that is neither the site nor the
    mirror, private addresses included, whatever a page links to.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SiteMirrorMiddleware":
        return cls(crawler)

    @property
    def base_url(self) -> Optional[str]:
        return getattr(self.crawler.spider, "base_url", None)

    def process_request(self, request: Request) -> Optional[Request]:
        host = urlsplit(request.url).hostname
        base = self.base_url
        if is_site_host(host):
            fetch_url = to_fetch_url(request.url, base)
            if fetch_url != request.url:
                return request.replace(url=fetch_url)
            return None
        # the mirror is one host *and port*: another port of 127.0.0.1 is another server
        if base and urlsplit(request.url).netloc.lower() == urlsplit(base).netloc.lower():
            return None
        if not is_public_host(host) or not request.meta.get("allow_offsite"):
            self.crawler.stats.inc_value("newscrawl/offsite_refused")
            raise IgnoreRequest(f"not a site URL: {request.url}")
        return None


# request.meta key: bytes of an HTML answer received so far (PageSizeBound)
_BYTES_RECEIVED = "newscrawl_bytes_received"


class PageSizeBound:
    """No page costs more than NEWSCRAWL_MAX_PAGE_BYTES to parse (lxml takes about 11 times a
    page's size): a bigger HTML page is cut there, before its last tag, and goes on as the
    page, so its article is still kept with the text its first part holds (lxml closes what
    the cut leaves open). It runs after HttpCompressionMiddleware (590): the size cut is the
    decompressed one. A page announcing more than DOWNLOAD_MAXSIZE is not fetched at all:
    Scrapy cancels it and logs one warning; it is counted here and ends as an ignored request,
    not as a failure.

    The download of an HTML page itself stops once it has brought the bound's bytes (Scrapy's
    StopDownload, the response going on with what came): a 30 MB page never sits in memory
    whole, only the part that is parsed. Other answers (a sitemap) are read whole."""

    def __init__(self, crawler: Crawler, max_bytes: int) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PageSizeBound":
        bound = cls(crawler, NewscrawlConfig.from_settings(crawler.settings).max_page_bytes)
        crawler.signals.connect(bound.headers_received, signal=signals.headers_received)
        crawler.signals.connect(bound.bytes_received, signal=signals.bytes_received)
        return bound

    def headers_received(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        """An HTML answer: its bytes are counted as they come (a retry counts afresh)."""
        if b"html" in (headers.get(b"Content-Type") or b"").lower():
            request.meta[_BYTES_RECEIVED] = 0
        else:
            request.meta.pop(_BYTES_RECEIVED, None)

    def bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        if _BYTES_RECEIVED not in request.meta:
            return
        request.meta[_BYTES_RECEIVED] += len(data)
        if request.meta[_BYTES_RECEIVED] > self.max_bytes:
            raise StopDownload(fail=False)  # the response goes on, flagged download_stopped

    def count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newscrawl/bounds/{key}")

    def process_response(self, request: Request, response: Response) -> Response:
        size = len(response.body)
        if size <= self.max_bytes or not isinstance(response, HtmlResponse):
            return response
        # before a tag: no tag or character cut in two (a '<' byte is never inside a UTF-8 character)
        cut = response.body.rfind(b"<", 0, self.max_bytes + 1)
        cut = cut if cut > 0 else self.max_bytes
        self.count("page_cut")
        logger.warning(
            "Page %s is %d bytes: only its first %d are parsed and kept (NEWSCRAWL_MAX_PAGE_BYTES=%d)",
            request.url, size, cut, self.max_bytes,
        )
        return response.replace(body=response.body[:cut], flags=[*response.flags, "newscrawl_cut"])

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DownloadCancelledError) and "max size" in str(exception):
            # Scrapy's warning said it; the errback sees an ignored request, not an error
            self.count("page_over_download_maxsize")
            raise IgnoreRequest(f"larger than DOWNLOAD_MAXSIZE ({self.crawler.settings.getint('DOWNLOAD_MAXSIZE')} bytes)")


class ArticleRequestFingerprinter:
    """Requests are the same when they name the same page: one article id is one request,
    whatever the host, scheme, tracking parameters or AMP/print copy. The dupefilter (and
    a JOBDIR's saved state) uses it, so an equivalent URL is never fetched twice."""

    def __init__(self, crawler: Optional[Crawler] = None) -> None:
        self._default = RequestFingerprinter(crawler)
        self._crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArticleRequestFingerprinter":
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        if request.method != "GET" or request.body:
            return self._default.fingerprint(request)
        # a request to the mirror standing in for the site is the site's page
        base_url = getattr(self._crawler.spider, "base_url", None) if self._crawler is not None else None
        key = identity_key(to_site_url(request.url, base_url))
        # a redirect is the same visit going on, not a second request for the page
        hops = request.meta.get("redirect_times")
        if hops:
            key += f"#redirect{hops}:{request.url}"
        # rendering through the browser is another fetch of the same page
        if request.meta.get("playwright"):
            key += "#rendered"
        return hashlib.sha1(key.encode("utf-8")).digest()


def fingerprint_key(fingerprint: bytes) -> int:
    """A request fingerprint (20 bytes of SHA-1) as a 64-bit key: its first 8 bytes."""
    return int.from_bytes(fingerprint[:8], "big")


class CompactDupeFilter(RFPDupeFilter):
    """Scrapy's RFPDupeFilter, keeping the fingerprints of the requests seen as 64-bit keys
    (newscrawl.compact): 8 bytes a request, where Scrapy's set of 20-byte strings takes
    about 100, and grew with the crawl. A JOBDIR holds the same requests.seen, written and
    read back the same way, so a crawl saved by either resumes with the other."""

    def __init__(
        self, path: Optional[str] = None, debug: bool = False, *,
        fingerprinter: Optional[RequestFingerprinterProtocol] = None,
    ) -> None:
        super().__init__(path, debug, fingerprinter=fingerprinter)
        # what Scrapy read back from a JOBDIR's requests.seen, into the compact set
        self.seen = KeySet(fingerprint_key(fp) for fp in self._fingerprints)
        self._fingerprints = set()

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.fingerprinter.fingerprint(request)
        if not self.seen.add(fingerprint_key(fingerprint)):
            return True
        if self.file:  # RFPDupeFilter's record: the length in 2 bytes, then the fingerprint
            self.file.write(len(fingerprint).to_bytes(2, "big") + fingerprint)
        return False


class DamagedPage(IgnoreRequest):
    """An answer that is not a whole page (newscrawl.integrity.page_damage): the request's
    errback gets it, and the page goes on the retry record as failed, never parsed."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


class PageIntegrityMiddleware:
    """Reads a page that calls itself UTF-8, and is, as UTF-8 whatever the Content-Type header
    says; turns an empty body, or an article page cut short, into a DamagedPage failure after
    Scrapy's usual retries (RETRY_TIMES), so a damaged copy of a page is never parsed as the
    page. Sits below HttpCompressionMiddleware (590), so it sees the decoded body."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PageIntegrityMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200:
            return response  # Scrapy's RetryMiddleware and HttpErrorMiddleware have those
        problem = page_damage(response.body, response.flags, article_page="newscrawl_hops" in request.meta)
        if problem is not None:
            assert self.crawler.stats is not None and self.crawler.spider is not None
            self.crawler.stats.inc_value(f"newscrawl/damaged_pages/{problem}")
            # given up: a WARNING, as Scrapy's own retries are (newscrawl.logs); the errback's line is the ERROR
            retry = get_retry_request(request, spider=self.crawler.spider, reason=f"damaged page: {problem}", logger=logger,
                                      give_up_log_level=logging.WARNING)
            if retry is not None:
                return retry
            raise DamagedPage(problem, f"damaged page ({problem.replace('_', ' ')}, {len(response.body)} bytes)")
        if isinstance(response, TextResponse):
            encoding = page_encoding(response.body, response.encoding)
            if encoding is not None:
                self.crawler.stats.inc_value("newscrawl/charset_header_overruled")
                logger.info("%s says it is UTF-8 and is, whatever its header says (%s): read as UTF-8", response.url, response.encoding)
                return response.replace(encoding=encoding)
        return response
