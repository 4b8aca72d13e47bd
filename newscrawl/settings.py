"""Scrapy settings for newscrawl. Our own settings carry the NEWSCRAWL_ prefix."""

from __future__ import annotations

from newscrawl import __version__
from newscrawl.config import default_data_dir

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
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2

DOWNLOADER_MIDDLEWARES = {
    # before RobotsTxtMiddleware (100), so robots.txt is read from where pages come from
    "newscrawl.middlewares.SiteMirrorMiddleware": 40,
}
REQUEST_FINGERPRINTER_CLASS = "newscrawl.middlewares.ArticleRequestFingerprinter"

ITEM_PIPELINES = {
    "pipelines.clean.CleaningPipeline": 100,
    "pipelines.dedup.DedupPipeline": 200,
    "pipelines.store.ArchivePipeline": 300,
}

# Each crawl writes the articles it stored (new or changed) as JSON Lines.
FEEDS = {
    str(default_data_dir() / "feeds" / "%(name)s-%(time)s.jsonl"): {
        "format": "jsonlines",
        "encoding": "utf8",
        "store_empty": False,
    },
}
FEED_EXPORT_ENCODING = "utf-8"

NEWSCRAWL_READ_MORE_DEPTH = 2
NEWSCRAWL_BATCH_SIZE = 100
# articles younger than this many days are fetched again on every crawl (they get edited)
NEWSCRAWL_REFRESH_DAYS = 2
# NEWSCRAWL_DATABASE_URL: default sqlite:///<data dir>/news.sqlite
# NEWSCRAWL_DATA_DIR: default data/ beside scrapy.cfg (or $NEWSCRAWL_DATA_DIR)

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
