"""The retry record: every article page that did not give a good article, until one does.

A failed page (5xx, 408, 429, a timeout, a connection error, a transfer cut short, an empty
body, a page judged damaged by newscrawl.integrity, a 404 or 410) is kept in the archive's
`page_failures` table with what went wrong each time. Every later crawl requests the due
ones first, whatever its walk of the index does; a good article clears the record.

Back-off (RetryPolicy): the first retry is due at the next crawl; after that the interval
doubles from NEWSCRAWL_RETRY_BACKOFF_HOURS up to NEWSCRAWL_RETRY_MAX_INTERVAL_HOURS. After
NEWSCRAWL_RETRY_MAX_ATTEMPTS attempts the page is `given_up`; after
NEWSCRAWL_RETRY_GONE_AFTER answers of 404/410 in a row it is `gone`. Both stay listed
(`scrapy health`, `scrapy export --gaps`), and `-a refresh=failed` tries them all again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

# A Scrapy signal (signals are plain objects). Sent by the spider for every article page that gave no good article (kwarg `failure`,
# a PageFailure); the archive pipeline records it in the batch it is filling.
page_failed = object()

PENDING = "pending"
GONE = "gone"
GIVEN_UP = "given_up"
# answers that say the page is not there (as opposed to a server that failed)
GONE_STATUSES = frozenset({404, 410})
ISO = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class PageFailure:
    """One failed try of an article page."""

    article_id: str
    url: str  # the article's URL on the site (not the mirror's)
    hops: int  # READ MORE hops from the index it was reached at
    problem: str  # "http_503", "timeout", "connection", "cut_transfer", "empty", "misdecoded_text", ...
    error: str  # one line: what went wrong
    status: Optional[int] = None  # the HTTP status, when there was an answer

    @property
    def says_gone(self) -> bool:
        return self.status in GONE_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff_hours: float = 1.0
    max_interval_hours: float = 168.0
    gone_after: int = 3

    def interval(self, attempts: int) -> timedelta:
        """How long after its attempts-th failed try a page is due again."""
        if attempts <= 1:
            return timedelta(0)  # the next crawl
        hours = min(self.backoff_hours * 2 ** (attempts - 2), self.max_interval_hours)
        return timedelta(hours=hours)

    def after(self, failure: PageFailure, attempts: int, gone_answers: int, now: str) -> dict[str, Any]:
        """The record's state, gone_answers and next_try_at after this failed try (attempts
        counts it)."""
        gone_answers = gone_answers + 1 if failure.says_gone else 0
        if failure.says_gone and gone_answers >= self.gone_after:
            return {"state": GONE, "gone_answers": gone_answers, "next_try_at": None}
        if attempts >= self.max_attempts:
            return {"state": GIVEN_UP, "gone_answers": gone_answers, "next_try_at": None}
        due = datetime.strptime(now, ISO).replace(tzinfo=timezone.utc) + self.interval(attempts)
        return {"state": PENDING, "gone_answers": gone_answers, "next_try_at": due.strftime(ISO)}
