"""Progress a person can follow: a line every NEWSCRAWL_PROGRESS_INTERVAL seconds (10) with
the pages fetched, the articles the archive has committed, the article pages queued, the
index pages walked, the pages failed, pages and articles per minute, and an ETA once the
queue is all the work left that a crawl knows of.

- `ArticleQueueScheduler`: Scrapy's scheduler, counting the article pages waiting in it.
- `ProgressLog`: the extension that writes the line (it replaces Scrapy's LogStats).
- `StatusLine`: on a terminal, the line is kept in place under the log instead of scrolling;
  log files (and a stderr that is no terminal) get plain lines.

Settings (read once in from_crawler):
- NEWSCRAWL_PROGRESS_INTERVAL: seconds between two progress lines (0: none; default 10)
- LOGSTATS_INTERVAL: Scrapy's own name for it, honoured when given over ours (`-s
  LOGSTATS_INTERVAL=60` on the command line, where settings.py sets ours): the line takes the
  place of LogStats' line, so a user who asks for that gets this, and is told so once
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Optional

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from newscrawl.config import ARCHIVE_CRAWL, archive_enabled, number_setting

logger = logging.getLogger(__name__)

# article pages in the scheduler's queue, kept up to date by ArticleQueueScheduler
QUEUED_ARTICLES = "newscrawl/queued_articles"
# set by the spider once no index page (nor sitemap) is left to request: from then on the
# queue holds all the work the crawl knows of, and an ETA means something
LISTING_DONE = "newscrawl/index/listing_done"
# what an article request carries (spiders/section.py); index pages and sitemaps do not
ARTICLE_META = "newscrawl_hops"
# the extra field a progress record carries, for StatusLine to find it
PROGRESS_RECORD = "newscrawl_progress"
# rates are taken over the last minute (or the crawl so far, when shorter)
RATE_WINDOW_SECONDS = 60.0
# the committed articles (pipelines/store.py counts each outcome once its batch is committed)
COMMITTED = ("newscrawl/stored/new", "newscrawl/stored/changed", "newscrawl/stored/unchanged")


def is_article_request(request: Request) -> bool:
    return ARTICLE_META in request.meta


class ArticleQueueScheduler(Scheduler):
    """Scrapy's scheduler (SCHEDULER), which also keeps the number of article pages in its
    queue as the stat newscrawl/queued_articles: index pages, sitemaps and robots.txt are
    not counted. A crawl resumed from a JOBDIR counts its saved queue as article pages (all
    but one index page at most are)."""

    articles = 0

    def open(self, spider: Spider) -> Any:
        opened = super().open(spider)
        self.articles = len(self)
        self._publish()
        return opened

    def enqueue_request(self, request: Request) -> bool:
        added = super().enqueue_request(request)
        if added and is_article_request(request):
            self.articles += 1
            self._publish()
        return added

    def next_request(self) -> Optional[Request]:
        request = super().next_request()
        if request is not None and is_article_request(request):
            self.articles = max(0, self.articles - 1)
            self._publish()
        return request

    def _publish(self) -> None:
        if self.stats is not None:
            self.stats.set_value(QUEUED_ARTICLES, self.articles)


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    pages: int
    articles: int


@dataclass(frozen=True)
class Progress:
    """The figures of one progress line."""

    pages: int
    pages_per_minute: float
    articles: int  # committed to the archive (or, with the archive off, handed to the feeds)
    articles_per_minute: float
    committed: bool  # False: the archive is off
    queued: int
    index_pages: int
    sitemaps: int
    failed: int
    eta_seconds: Optional[float]

    def line(self) -> str:
        articles = "committed" if self.committed else "to the feed"
        walked = plural(self.sitemaps, "sitemap") + " read" if self.sitemaps else plural(self.index_pages, "index page") + " walked"
        parts = [
            f"{plural(self.pages, 'page')} fetched ({self.pages_per_minute:,.0f}/min)",
            f"{plural(self.articles, 'article')} {articles} ({self.articles_per_minute:,.0f}/min)",
            f"{plural(self.queued, 'article')} queued",
            walked,
            f"{plural(self.failed, 'page')} failed",
        ]
        if self.eta_seconds is not None:
            parts.append(f"ETA {duration(self.eta_seconds)}")
        return "Progress: " + ", ".join(parts)


def plural(count: int, one: str) -> str:
    return f"{count:,} {one}{'' if count == 1 else 's'}"


def duration(seconds: float) -> str:
    """A duration as a person reads it: 45s, 3m05s, 2h07m (rounded up to the unit shown)."""
    seconds = max(0, int(-(-seconds // 1)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    minutes = -(-seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _stat(stats: dict[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def measure(stats: dict[str, Any], samples: deque[Sample], now: float, committed: bool) -> Progress:
    """The figures from the crawl's stats, the rates from the oldest sample of the last minute
    (samples: oldest first, the crawl's start at least). Appends this sample."""
    pages = _stat(stats, "response_received_count")
    articles = sum(_stat(stats, key) for key in COMMITTED) if committed else _stat(stats, "item_scraped_count")
    while len(samples) > 1 and now - samples[1].at >= RATE_WINDOW_SECONDS:
        samples.popleft()
    first = samples[0]
    minutes = max(now - first.at, 1e-6) / 60
    pages_rate = (pages - first.pages) / minutes
    articles_rate = (articles - first.articles) / minutes
    samples.append(Sample(now, pages, articles))
    queued = _stat(stats, QUEUED_ARTICLES)
    # honest only once no index page or sitemap can add to the queue, and pages are coming
    eta = queued / pages_rate * 60 if stats.get(LISTING_DONE) and pages_rate > 0 else None
    return Progress(
        pages=pages, pages_per_minute=pages_rate, articles=articles, articles_per_minute=articles_rate,
        committed=committed, queued=queued, index_pages=_stat(stats, "newscrawl/index/pages"),
        sitemaps=_stat(stats, "newscrawl/backfill/sitemaps"), failed=_stat(stats, "newscrawl/pages_failed"), eta_seconds=eta,
    )


LOGSTATS_INTERVAL = "LOGSTATS_INTERVAL"


def progress_interval(settings: BaseSettings) -> tuple[float, str]:
    """Seconds between two progress lines, and the setting they come from: Scrapy's
    LOGSTATS_INTERVAL when it was given with a higher priority than NEWSCRAWL_PROGRESS_INTERVAL
    (on the command line, or in a spider's custom_settings), else NEWSCRAWL_PROGRESS_INTERVAL."""
    ours = settings.getpriority("NEWSCRAWL_PROGRESS_INTERVAL") or 0
    theirs = settings.getpriority(LOGSTATS_INTERVAL) or 0
    if theirs > max(ours, SETTINGS_PRIORITIES["default"]):
        return number_setting(settings, LOGSTATS_INTERVAL, 60), LOGSTATS_INTERVAL
    return number_setting(settings, "NEWSCRAWL_PROGRESS_INTERVAL", 10), "NEWSCRAWL_PROGRESS_INTERVAL"


class ProgressLog:
    """The progress line, every NEWSCRAWL_PROGRESS_INTERVAL seconds, logged at INFO (so the
    crawl's log file has every one); on a terminal it is kept in place (StatusLine)."""

    def __init__(self, stats: StatsCollector, interval: float, committed: bool) -> None:
        self.stats = stats
        self.interval = interval
        self.committed = committed
        self.samples: deque[Sample] = deque()
        self.task: Optional[task.LoopingCall] = None
        self.status: Optional[StatusLine] = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProgressLog":
        if not crawler.settings.getbool(ARCHIVE_CRAWL):
            raise NotConfigured  # a debug command (scrapy shell, parse...): no progress line
        interval, name = progress_interval(crawler.settings)
        if name == LOGSTATS_INTERVAL:
            logger.info("%s, as LOGSTATS_INTERVAL=%s asks: the progress line takes the place of Scrapy's LogStats line "
                        "(newscrawl's own setting for it is NEWSCRAWL_PROGRESS_INTERVAL)",
                        f"A progress line every {interval:g}s" if interval else "No progress line",
                        crawler.settings.get(LOGSTATS_INTERVAL))
        if not interval:
            raise NotConfigured  # off on purpose: nothing to warn about
        assert crawler.stats is not None
        extension = cls(crawler.stats, interval, archive_enabled(crawler.settings))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.samples.append(Sample(time.monotonic(), 0, 0))
        self.status = StatusLine.attach()
        self.task = task.LoopingCall(self.log)
        self.task.start(self.interval, now=False)

    def log(self) -> None:
        line = measure(self.stats.get_stats(), self.samples, time.monotonic(), self.committed).line()
        logger.info("%s", line, extra={PROGRESS_RECORD: True})
        if self.status is not None and self.status.handler is None:
            self.status.show(line)  # the log goes to a file: the terminal has this line alone

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.status is not None:
            self.status.detach()
            self.status = None


class StatusLine(logging.Filter):
    """The progress line kept in place at the foot of a terminal.

    Where the crawl logs to a terminal (Scrapy's stderr handler, stderr a tty), the handler's
    stream is wrapped: each log line first clears the progress line, which is drawn again under
    it; progress records are drawn in place of the last one, without the log prefix. Where the
    log goes to a file (LOG_FILE) but stderr is a terminal, the progress line is drawn on
    stderr alone. Anywhere else (a pipe, the journal, a file) nothing changes: plain lines.
    """

    def __init__(self, stream: IO[str], handler: Optional[logging.StreamHandler[Any]]) -> None:
        super().__init__()
        self.stream = stream
        self.handler = handler
        self.text = ""

    @classmethod
    def attach(cls) -> Optional["StatusLine"]:
        streams = [h for h in logging.getLogger().handlers
                   if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]
        for handler in streams:
            if _is_terminal(handler.stream):
                if type(handler) is not logging.StreamHandler:
                    return None  # someone else's way of writing to the terminal: plain lines
                status = cls(handler.stream, handler)
                handler.setStream(_ClearingStream(handler.stream, status))  # type: ignore[arg-type]
                handler.addFilter(status)
                return status
        if streams:
            return None  # the log goes to a pipe or the journal: plain lines
        return cls(sys.stderr, None) if _is_terminal(sys.stderr) else None

    def filter(self, record: logging.LogRecord) -> bool:
        """The handler's filter: a progress record is drawn in place, not written as a line."""
        if not getattr(record, PROGRESS_RECORD, False):
            return True
        self.show(record.getMessage())
        return False

    def show(self, text: str) -> None:
        with self.lock():
            self.text = text
            self.draw()

    def lock(self) -> contextlib.AbstractContextManager[Any]:
        """The handler's own lock: a log line and the progress line never interleave."""
        return self.handler.lock if self.handler is not None and self.handler.lock else contextlib.nullcontext()

    def draw(self) -> None:
        # a line wider than the terminal would wrap, and \r would go back to its last row only
        width = _columns(self.stream)
        text = self.text if width <= 0 or len(self.text) < width else self.text[: max(width - 2, 1)] + "…"
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()

    def clear(self) -> None:
        if self.text:
            self.stream.write("\r\x1b[K")

    def detach(self) -> None:
        """The crawl is over: the line goes (the summary says where it ended)."""
        with self.lock():
            self.clear()
            self.text = ""
            if self.handler is not None:
                self.handler.removeFilter(self)
                self.handler.setStream(self.stream)
            self.stream.flush()


class _ClearingStream:
    """A terminal stream whose every log line clears the progress line and draws it again below."""

    def __init__(self, stream: IO[str], status: StatusLine) -> None:
        self.stream = stream
        self.status = status

    def write(self, text: str) -> int:
        self.status.clear()
        written = self.stream.write(text)
        if self.status.text and text.endswith("\n"):
            self.status.draw()
        return written

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _columns(stream: IO[str]) -> int:
    """The terminal's width (COLUMNS first, as shutil reads it); 0 when it says none."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80
