"""Downloader middleware and dupefilter that make the site's URLs behave as one site."""

from __future__ import annotations

import hashlib
import logging
from typing import Optional
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter
from scrapy.exceptions import IgnoreRequest

from newscrawl.urls import identity_key, is_public_host, is_site_host, to_fetch_url

logger = logging.getLogger(__name__)


class SiteMirrorMiddleware:
    """Fetch every site URL from the spider's base_url (a local mirror) when one is given.

    Requests and links keep the real URLs everywhere else, so saved pages with absolute
    links work unchanged and the stored URLs stay on the real host. It also refuses any
    request to a host that is neither the site nor the mirror, private addresses included,
    whatever a page links to.
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


class ArticleRequestFingerprinter:
    """Requests are the same when they name the same page: one article id is one request,
    whatever the host, scheme, tracking parameters or AMP/print copy. The dupefilter (and
    a JOBDIR's saved state) uses it, so an equivalent URL is never fetched twice."""

    def __init__(self, crawler: Optional[Crawler] = None) -> None:
        self._default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArticleRequestFingerprinter":
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        if request.method != "GET" or request.body:
            return self._default.fingerprint(request)
        key = identity_key(request.url)
        # a redirect is the same visit going on, not a second request for the page
        hops = request.meta.get("redirect_times")
        if hops:
            key += f"#redirect{hops}:{request.url}"
        # rendering through the browser is another fetch of the same page
        if request.meta.get("playwright"):
            key += "#rendered"
        return hashlib.sha1(key.encode("utf-8")).digest()
