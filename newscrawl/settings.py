"""Scrapy settings for newscrawl. Our own settings carry the NEWSCRAWL_ prefix."""

from __future__ import annotations

from newscrawl import __version__

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "newscrawl.commands"

# Polite by default: robots.txt, AutoThrottle, a User-Agent that says who we are.
USER_AGENT = f"newscrawl/{__version__} (news archive crawler; Scrapy)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy starts this many asyncio tasks for the output of every response (default 100); our
# callbacks yield one item and a few requests, and with 16 a page costs a third less CPU
# in Scrapy's own work (measured in bench/RESULTS.md)
CONCURRENT_ITEMS = 16
# An article goes on to the feeds only once the archive has committed it (pipelines/store.py),
# so its response stays in Scraper's slot for one write of the archive; at Scrapy's 5 MB the
# downloads stopped while a batch was written. 20 MB: a few hundred pages, bounded all the same.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 20_000_000
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2

DOWNLOADER_MIDDLEWARES = {
    # before RobotsTxtMiddleware (100), so robots.txt is read from where pages come from
    "newscrawl.middlewares.SiteMirrorMiddleware": 40,
    # below HttpCompressionMiddleware (590): sees the decoded body, and whole, before PageSizeBound
    # cuts it; above RetryMiddleware (550)
    "newscrawl.middlewares.PageIntegrityMiddleware": 585,
    # after HttpCompressionMiddleware (590) on the way back: bounds the decompressed page
    "newscrawl.middlewares.PageSizeBound": 580,
    # next to the downloader: every answer as it came, before redirects, retries and decompression
    "newscrawl.recording.WarcRecorder": 950,
}
REQUEST_FINGERPRINTER_CLASS = "newscrawl.middlewares.ArticleRequestFingerprinter"
# Scrapy's dupefilter, its fingerprints kept in 8 bytes a request (Scrapy's own set takes about 100)
DUPEFILTER_CLASS = "newscrawl.middlewares.CompactDupeFilter"

# Rendering (newscrawl/rendering.py): pages whose article a script builds go through Chromium
# with scrapy-playwright; every other request through Scrapy's own HTTP handler. Playwright
# starts at the first rendering only. scrapy-playwright needs the asyncio reactor.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "newscrawl.rendering.RenderingDownloadHandler",
    "https": "newscrawl.rendering.RenderingDownloadHandler",
}
PLAYWRIGHT_MAX_CONTEXTS = 1  # one browser context...
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4  # ...with at most 4 pages open at once
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000  # ms
# NEWSCRAWL_CHROMIUM_PATH: default the first of chromium, chromium-browser, google-chrome on PATH or in /usr/bin
NEWSCRAWL_RENDERING_ENABLED = True
NEWSCRAWL_RENDER_WAIT = 10  # seconds a page's script may take to write the article text
NEWSCRAWL_RENDER_TIMEOUT = 60  # seconds a whole rendering may take (then it counts as failed)

ITEM_PIPELINES = {
    "pipelines.bounds.BodyBoundPipeline": 50,
    "pipelines.clean.CleaningPipeline": 100,
    "pipelines.dedup.DedupPipeline": 200,
    "pipelines.store.ArchivePipeline": 300,
}

# Each crawl writes the articles it stored (new or changed) as JSON Lines.
# %(data_dir)s: NEWSCRAWL_DATA_DIR (newscrawl.config.feed_uri_params), resolved when the crawl starts
FEEDS = {
    "%(data_dir)s/feeds/%(name)s-%(time)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf8",
        "store_empty": False,
    },
}
FEED_EXPORT_ENCODING = "utf-8"
# a feed is whole or absent: written as <name>.part, renamed when complete (newscrawl/feeds.py);
# a feed that cannot be written (a full disk; stdout's reader gone) fails once, the crawl goes on
FEED_STORAGES = {
    "": "newscrawl.feeds.AtomicFileFeedStorage",
    "file": "newscrawl.feeds.AtomicFileFeedStorage",
    "stdout": "newscrawl.feeds.StdoutFeedStorage",
}
FEED_URI_PARAMS = "newscrawl.config.feed_uri_params"

# Running unattended (newscrawl/extensions.py): JOBDIRs that resume after any interruption, a
# log file per crawl; progress lines in place of LogStats' (newscrawl/progress.py) and a summary
# at the end of every crawl (newscrawl/summary.py: after the JOBDIR's last word, before the log
# file closes). One crawl at a time per archive: `scrapy crawl` takes the archive's lock before
# its crawler exists (extensions.CrawlLock).
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "newscrawl.progress.ProgressLog": 0,
    "newscrawl.extensions.ResumableJobDir": 1,
    "newscrawl.summary.CrawlSummary": 2,
    "newscrawl.extensions.CrawlLogFile": 3,
}
NEWSCRAWL_PROGRESS_INTERVAL = 10  # seconds between two progress lines (0: none)
# Scrapy's scheduler, counting the article pages queued for the progress line
SCHEDULER = "newscrawl.progress.ArticleQueueScheduler"
NEWSCRAWL_LOCK_WAIT = 0  # seconds a crawl waits for another one on the same archive; 0: exit at once (status 75)
NEWSCRAWL_LOG_KEEP = 50  # crawl log files kept in <data dir>/logs/
# a crawl that stores its feed removes the spider's oldest feeds in <data dir>/feeds/ beyond the newest
# NEWSCRAWL_FEED_KEEP (0: keeps every feed; the archive holds every line: `scrapy export --changed-since`)
NEWSCRAWL_FEED_KEEP = 0
# every response kept as WARC in <data dir>/warc/ (newscrawl/recording.py; README: The pages, as WARC)
NEWSCRAWL_WARC_ENABLED = True
NEWSCRAWL_WARC_MAX_BYTES = 1_000_000_000  # a file is closed before it would pass this
NEWSCRAWL_WARC_KEEP = 0  # WARC files kept (0: every one; an archive deletes nothing unless told)
# what the browser fetches itself while rendering a page (its scripts' JSON, scripts...), kept at
# most, per rendering: a page that fetches without end costs no more than this
NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES = 100
NEWSCRAWL_WARC_BROWSER_MAX_BYTES = 16 * 1024 * 1024

NEWSCRAWL_READ_MORE_DEPTH = 2
# articles per archive transaction: big batches keep the writer ahead of the crawl as the
# archive grows (bench/RESULTS.md); a batch not full after NEWSCRAWL_BATCH_SECONDS is written anyway
NEWSCRAWL_BATCH_SIZE = 500
NEWSCRAWL_BATCH_SECONDS = 10
# articles younger than this many days are fetched again on every crawl (they get edited)
NEWSCRAWL_REFRESH_DAYS = 2
# re-crawls stop walking the index after this many pages of archived articles in a row (0: never)
NEWSCRAWL_INDEX_STOP_AFTER = 2
# failed article pages (the retry record, newscrawl/healing.py): the first retry at the next
# crawl, then after 1, 2, 4... hours up to a week; given up after 8 tries, gone after 3 answers of 404/410
NEWSCRAWL_RETRY_MAX_ATTEMPTS = 8
NEWSCRAWL_RETRY_BACKOFF_HOURS = 1
NEWSCRAWL_RETRY_MAX_INTERVAL_HOURS = 168
NEWSCRAWL_RETRY_GONE_AFTER = 3
# bodies at least this similar (4-word shingles, Jaccard; 0.6 to 1.0) are linked as near-duplicates
NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD = 0.7
# Bounded cost per page (README: Bounds). A page is cut after NEWSCRAWL_MAX_PAGE_BYTES (its
# first part parsed and kept); one announcing more than DOWNLOAD_MAXSIZE is not fetched at all.
# Parsing costs about 11 times a page's size in memory: 4 MiB keeps it near 45 MB.
NEWSCRAWL_MAX_PAGE_BYTES = 4 * 1024 * 1024
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0  # off: a page over NEWSCRAWL_MAX_PAGE_BYTES has its own warning
# an article's body: its first whole paragraphs up to this many characters (the rest counted, logged)
NEWSCRAWL_MAX_BODY_CHARS = 500_000
# READ MORE links kept and followed per article (0: none), links taken per index page
NEWSCRAWL_MAX_READ_MORE_LINKS = 20
NEWSCRAWL_MAX_INDEX_LINKS = 200
# NEWSCRAWL_DATABASE_URL: default sqlite:///<data dir>/news.sqlite
# NEWSCRAWL_DATA_DIR: default data/ beside scrapy.cfg (or $NEWSCRAWL_DATA_DIR)

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's code-execution HTTP endpoint: not on a server
