"""Rendering through a browser, for the few pages whose article a script builds.

Static HTML is the rule. The spider asks for a rendering only when the static parse of an
article found no body *and* the page shows the signs of a script-built article (a live blog
that loads its entries, a multimedia page whose text a script writes). That request carries
meta["playwright"] and goes through scrapy-playwright; every other request goes through
Scrapy's own HTTP handler. Playwright (its driver, then Chromium) starts at the first
rendering, so a crawl that renders nothing never starts a browser.

- `RenderingConfig`: the NEWSCRAWL_* rendering settings and the Chromium found.
- `script_built_sign`: the "needs rendering" check that reads a page.
- `PageRenderer`: what the spider asks (which request to send, what to count).
- `RenderingDownloadHandler`: the http/https download handler (DOWNLOAD_HANDLERS).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from newscrawl.config import ConfigError
from newscrawl.parsers import ParseResult
from newscrawl.urls import SITE_HOSTS, is_site_host

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Request as BrowserRequest
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)

HANDLER_PATH = "newscrawl.rendering.RenderingDownloadHandler"
# Where a Chrome or Chromium is looked for when NEWSCRAWL_CHROMIUM_PATH is not set: PATH, then
# the usual places (Debian's `chromium` package installs /usr/bin/chromium).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_PATHS = tuple(f"/usr/bin/{name}" for name in CHROMIUM_NAMES) + ("/snap/bin/chromium",)
# Chromium talks to nothing but the pages we open: no updates, sync, metrics or QUIC probes.
# (Playwright's launch() also gives every browser a fresh temporary profile, deleted on close.)
CHROMIUM_ARGS = (
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic", "--disable-default-apps", "--disable-domain-reliability", "--no-default-browser-check",
)
# Never article text: not fetched by the browser.
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
INSTALL_HINT = ("install Chromium (apt-get install chromium) or name a Chrome/Chromium binary with "
                "-s NEWSCRAWL_CHROMIUM_PATH=/path/to/chromium")

# What a page whose article a script builds shows in place of its text (read only when the
# static parse found no body): a live-blog feed, a script inside the article, a <noscript>.
SCRIPT_BUILT_SIGNS: tuple[tuple[str, str], ...] = (
    ("live_blog", "[data-type=liveblog], [data-feed], [class*=liveblog], [class*=live-blog]"),
    ("script_in_article", "div.article__body script, div.b-article__text script, [itemprop=articleBody] script, "
                          "article script"),
    ("noscript", "body noscript"),
)
# The text blocks the parsers read; the browser waits until a script has filled one.
ARTICLE_TEXT = ("div.article__body .article__text, div.article__body .article__quote-text, div.article__body h2, "
                "div.article__body h3, div.b-article__text p, div.b-article__text blockquote")
_HAS_TEXT_JS = "css => Array.from(document.querySelectorAll(css)).some(n => n.textContent.trim().length > 0)"


def find_chromium(configured: Optional[str] = None) -> Optional[str]:
    """The browser to use: NEWSCRAWL_CHROMIUM_PATH when set (a path or a name on PATH), else the
    first Chrome/Chromium on PATH or in the usual places; None when there is none."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        return shutil.which(configured) if os.sep not in configured else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in CHROMIUM_PATHS if os.path.isfile(p) and os.access(p, os.X_OK)), None)


def _seconds(settings: BaseSettings, name: str, default: float) -> float:
    raw = settings.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} takes seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0 seconds, not {value}")
    return value


def _routes_through_handler(settings: BaseSettings) -> bool:
    """DOWNLOAD_HANDLERS sends http and https through RenderingDownloadHandler (a subclass will do)."""
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    for scheme in ("http", "https"):
        handler = handlers.get(scheme)
        if handler is None:
            return False
        cls = load_object(handler) if isinstance(handler, str) else handler
        if not (isinstance(cls, type) and issubclass(cls, RenderingDownloadHandler)):
            return False
    return True


@dataclass(frozen=True)
class RenderingConfig:
    enabled: bool  # NEWSCRAWL_RENDERING_ENABLED
    configured_path: Optional[str]  # NEWSCRAWL_CHROMIUM_PATH as given
    chromium_path: Optional[str]  # the browser found, or None
    wait_seconds: float  # NEWSCRAWL_RENDER_WAIT: how long a script may take to write the text
    timeout_seconds: float  # NEWSCRAWL_RENDER_TIMEOUT: a whole rendering, past which it counts as failed
    routed: bool  # DOWNLOAD_HANDLERS sends rendering requests to RenderingDownloadHandler

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "RenderingConfig":
        configured = settings.get("NEWSCRAWL_CHROMIUM_PATH") or None
        enabled = settings.getbool("NEWSCRAWL_RENDERING_ENABLED", True)
        return cls(
            enabled=enabled,
            configured_path=configured,
            chromium_path=find_chromium(configured) if enabled else None,
            wait_seconds=_seconds(settings, "NEWSCRAWL_RENDER_WAIT", 10),
            timeout_seconds=_seconds(settings, "NEWSCRAWL_RENDER_TIMEOUT", 60),
            routed=_routes_through_handler(settings),
        )

    @property
    def available(self) -> bool:
        return self.enabled and self.chromium_path is not None and self.routed

    def unavailable_because(self) -> str:
        if not self.enabled:
            return "rendering is off (NEWSCRAWL_RENDERING_ENABLED=False)"
        if not self.routed:
            return f"DOWNLOAD_HANDLERS does not send http/https through {HANDLER_PATH}"
        if self.configured_path:
            return f"NEWSCRAWL_CHROMIUM_PATH={self.configured_path} is not an executable file; {INSTALL_HINT}"
        return (f"no Chrome/Chromium was found ({', '.join(CHROMIUM_NAMES)} on PATH or in /usr/bin); {INSTALL_HINT}")

    def launch_options(self, configured: dict[str, Any]) -> dict[str, Any]:
        """Playwright launch options: ours, then PLAYWRIGHT_LAUNCH_OPTIONS on top (its args added)."""
        args = list(CHROMIUM_ARGS)
        if os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
        options: dict[str, Any] = {"headless": True, "executable_path": self.chromium_path, "timeout": 30_000}
        options.update(configured)
        options["args"] = args + list(configured.get("args", []))
        return options


def script_built_sign(html: str) -> Optional[str]:
    """The sign that a script builds this page's article (see SCRIPT_BUILT_SIGNS), or None."""
    selector = Selector(text=html)
    return next((name for name, css in SCRIPT_BUILT_SIGNS if selector.css(css)), None)


def browser_may_fetch(url: str, resource_type: str, base_url: Optional[str]) -> bool:
    """What a rendered page may load: from the mirror the crawl reads (base_url), else from the
    site and its subdomains; never images, media or fonts. Everything else is aborted."""
    if resource_type in SKIPPED_RESOURCES:
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return True  # data:, blob: never leave the browser
    host = (parts.hostname or "").lower()
    if base_url:
        return host == urlsplit(base_url).hostname
    return is_site_host(host) or host.endswith(tuple(f".{h}" for h in SITE_HOSTS))


async def wait_for_article_text(page: "Page", timeout_ms: float) -> None:
    """A page method: until a script has written some article text, at most timeout_ms.

    Past that the page is parsed as it is: the parse then says what is missing."""
    from playwright.async_api import TimeoutError as BrowserTimeout

    try:
        await page.wait_for_function(_HAS_TEXT_JS, arg=ARTICLE_TEXT, timeout=timeout_ms)
    except BrowserTimeout:
        logger.debug("No article text appeared within %d ms on %s", timeout_ms, page.url)


class PageRenderer:
    """The spider's side: which pages go through the browser, and what happened to them."""

    def __init__(self, config: RenderingConfig, count: Callable[[str], None]) -> None:
        self.config = config
        self.count = count  # the spider's: newscrawl/<key> (stats exist only once the crawl starts)
        self._unavailable_warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, count: Callable[[str], None]) -> "PageRenderer":
        return cls(RenderingConfig.from_settings(crawler.settings), count)

    def follow_up(self, response: Response, result: ParseResult, callback: Callable[..., Any],
                  errback: Callable[[Failure], Any]) -> Optional[Request]:
        """The same page again through the browser when its static parse found no body and it
        shows the signs of a script-built article; None otherwise. A rendered page is counted."""
        if response.meta.get("playwright"):
            self._count_rendered(response, result)
            return None
        if "body" not in result.missing:
            return None
        sign = script_built_sign(response.text)  # type: ignore[attr-defined]
        if sign is None:
            return None
        if not self.config.available:
            self._unavailable(response.url)
            return None
        self.count("render_requested")
        logger.debug("Rendering %s: no body in its HTML, sign of a script-built article: %s", response.url, sign)
        meta = {key: value for key, value in response.meta.items() if key.startswith("newscrawl_")}
        meta.update({
            "newscrawl_static": result,  # what to go on with if the rendering fails
            "playwright": True,
            "playwright_page_methods": [PageMethod(wait_for_article_text, self.config.wait_seconds * 1000)],
        })
        # one rendering per static fetch: a page fetched again on purpose is rendered again too
        return Request(response.url, callback=callback, errback=errback, meta=meta, dont_filter=True)

    def _count_rendered(self, response: Response, result: ParseResult) -> None:
        if "body" in result.missing:
            self.count("render_empty")
            logger.warning("Rendered %s in the browser: still no article text", response.url)
        else:
            self.count("rendered")

    def _unavailable(self, url: str) -> None:
        self.count("render_unavailable")
        if not self._unavailable_warned:
            self._unavailable_warned = True
            logger.warning(
                "A script builds the article of %s, but it cannot be rendered: %s. Such pages keep no body text "
                "and are not stored (counted in newscrawl/render_unavailable).", url, self.config.unavailable_because(),
            )

    def failed(self, failure: Failure) -> Optional[ParseResult]:
        """Counts a failed rendering; returns the page's static parse, to go on with."""
        request: Request = failure.request  # type: ignore[attr-defined]
        self.count("render_failed")
        message = (failure.getErrorMessage() or "").strip().splitlines()  # Playwright adds a call log: first line only
        logger.warning("Rendering failed for %s: %s: %s", request.url, failure.type.__name__, message[0] if message else "")
        static: Optional[ParseResult] = request.meta.get("newscrawl_static")
        return static


class RenderingFailed(Exception):
    """The browser gave no page: it died twice under it, or took longer than NEWSCRAWL_RENDER_TIMEOUT."""


class RenderingDownloadHandler(HTTP11DownloadHandler):
    """The http/https handler: Scrapy's own for every request, except those with
    meta["playwright"], which go to scrapy-playwright's handler, created and started (Playwright,
    then Chromium) at the first of them.

    A rendering never hangs the crawl: when Chromium dies, scrapy-playwright starts a new one
    for the next page, but a page being opened in the dead one may never answer (Playwright
    1.65). So a rendering whose browser dies is left behind and tried once more in the new
    browser, and none takes longer than NEWSCRAWL_RENDER_TIMEOUT. Nothing is cancelled inside
    scrapy-playwright (its page and context counts are not cancellation-safe) until close().
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.config = RenderingConfig.from_settings(crawler.settings)
        self._browser_handler: Optional["ScrapyPlaywrightDownloadHandler"] = None
        self._start_lock = asyncio.Lock()
        self._browser_died = asyncio.Event()  # set when the current browser dies, then replaced
        # renderings wait their turn for a page here, so the timeout counts the rendering only
        settings = crawler.settings
        self._pages = asyncio.Semaphore(
            settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") or settings.getint("CONCURRENT_REQUESTS"))
        self._renderings: set[asyncio.Future[Response]] = set()  # running or left behind

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RenderingDownloadHandler":
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        handler = await self._started_browser_handler()
        async with self._pages:
            return await self._render(handler, request)

    async def _render(self, handler: "ScrapyPlaywrightDownloadHandler", request: Request) -> Response:
        for attempt in (1, 2):
            died = asyncio.ensure_future(self._browser_died.wait())
            rendering = asyncio.ensure_future(handler.download_request(request))
            self._renderings.add(rendering)
            rendering.add_done_callback(self._rendering_done)
            try:
                done, _ = await asyncio.wait({rendering, died}, timeout=self.config.timeout_seconds,
                                             return_when=asyncio.FIRST_COMPLETED)
            finally:
                died.cancel()
            if rendering in done:
                return rendering.result()
            if not died.done():
                raise RenderingFailed(f"no page within NEWSCRAWL_RENDER_TIMEOUT={self.config.timeout_seconds:g}s")
            self._crawler.stats.inc_value("newscrawl/render_browser_died")
            logger.info("The browser died while rendering %s (attempt %d)", request.url, attempt)
        raise RenderingFailed("the browser died twice while rendering the page")

    def _rendering_done(self, rendering: "asyncio.Future[Response]") -> None:
        self._renderings.discard(rendering)
        if not rendering.cancelled():
            rendering.exception()  # read: a rendering left behind fails quietly

    def _on_browser_died(self, *_: object) -> None:
        self._browser_died.set()
        self._browser_died = asyncio.Event()

    async def _started_browser_handler(self) -> "ScrapyPlaywrightDownloadHandler":
        async with self._start_lock:
            if self._browser_handler is None:
                # imported here: most crawls never render
                from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

                handler = ScrapyPlaywrightDownloadHandler.from_crawler(self._crawler)
                handler.config.launch_options = self.config.launch_options(handler.config.launch_options)
                handler.abort_request = self._abort_request
                # its own start waits for engine_started, long past: start Playwright now
                # (private in scrapy-playwright 0.0.48, pinned; tests/rendering covers it)
                await handler._launch()
                self._watch_launches(handler)
                self._browser_handler = handler
        return self._browser_handler

    def _watch_launches(self, handler: "ScrapyPlaywrightDownloadHandler") -> None:
        """Hears of every browser's death (the provider launches each one, restarts included)."""
        launch = handler.browser_provider.launch_browser

        async def launch_watched() -> "Browser":
            browser = await launch()
            browser.on("disconnected", self._on_browser_died)
            return browser

        handler.browser_provider.launch_browser = launch_watched  # type: ignore[method-assign]

    def _abort_request(self, request: "BrowserRequest") -> bool:
        base_url: Optional[str] = getattr(self._crawler.spider, "base_url", None)
        return not browser_may_fetch(request.url, request.resource_type, base_url)

    async def close(self) -> None:
        await super().close()
        for rendering in list(self._renderings):  # left behind by a dead browser
            rendering.cancel()
        if self._browser_handler is not None:
            await self._browser_handler.close()
