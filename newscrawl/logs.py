"""Logging: one clear line per failure.

Scrapy logs a failed download at ERROR with a traceback (retry, robots.txt and the
scraper each once); our errbacks then log the same failure with its URL and cause. The
filter below turns Scrapy's lines into one-line warnings so that each failure has one
ERROR line: ours.
"""

from __future__ import annotations

import logging

DOWNLOAD_ERROR_LOGGERS = (
    "scrapy.core.scraper",
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
)
DOWNLOAD_ERROR_PREFIXES = ("Error downloading", "Gave up retrying")


class DemoteDownloadErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith(DOWNLOAD_ERROR_PREFIXES):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def install_download_error_filter() -> None:
    for name in DOWNLOAD_ERROR_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, DemoteDownloadErrors) for f in target.filters):
            target.addFilter(DemoteDownloadErrors())
