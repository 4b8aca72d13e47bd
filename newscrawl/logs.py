"""Logging: one clear line per failure, and a crawl log file that fails quietly.

Scrapy logs a failed download at ERROR with a traceback (retry, robots.txt and the
scraper each once); our errbacks then log the same failure with its URL and cause. The
filter below turns Scrapy's lines into one-line warnings so that each failure has one
ERROR line: ours.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Optional

logger = logging.getLogger(__name__)

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


class CrawlLogHandler(logging.Handler):
    """Writes each record to one file as it comes, unbuffered (nothing left to flush at exit).

    The first write that fails (a full or read-only disk) is reported once, to the other
    handlers (stderr), and the file gets nothing more: logging.FileHandler would print a
    traceback for every record after it, burying the crawl's own errors in thousands of lines.
    """

    def __init__(self, path: Path, encoding: str = "utf-8", on_failure: Optional[Callable[[OSError], None]] = None) -> None:
        super().__init__()
        self.path = path
        self.encoding = encoding
        self.on_failure = on_failure
        self.failed = False
        self._fd: Optional[int] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def emit(self, record: logging.LogRecord) -> None:
        if self._fd is None:
            return
        try:
            data = (self.format(record) + "\n").encode(self.encoding, "backslashreplace")
        except Exception:
            self.handleError(record)  # a record that cannot be formatted: logging's own report, as ever
            return
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError as exc:
            self._give_up(exc)

    def _give_up(self, error: OSError) -> None:
        self.close()
        self.failed = True
        log_file_failed(self.path, error)
        if self.on_failure is not None:
            self.on_failure(error)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass  # a file that could not be written may fail to close too; nothing more to lose
        super().close()


def log_file_failed(path: Path, error: OSError) -> None:
    """The one line that says a crawl's log file is not (or no longer) written."""
    logger.error("Cannot write the crawl's log file %s (%s): the crawl goes on, logging to stderr only", path, error.strerror or error)
