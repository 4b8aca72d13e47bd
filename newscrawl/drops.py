"""Every reason an item is dropped, one class each, so Scrapy's stats count each reason
(`item_dropped_reasons_count/<class name>`)."""

from __future__ import annotations

from scrapy.exceptions import DropItem


class MissingTitle(DropItem):
    """The page gave no title: not stored as an article."""


class EmptyBody(DropItem):
    """The page gave no body text: not stored as an article."""


class DuplicateArticle(DropItem):
    """An article id or canonical URL already stored in this crawl."""


class OutsideSection(DropItem):
    """A backfill article whose own section data names another section."""


class ArticleUnchanged(DropItem):
    """Archived already with the same content: only its last_seen_at was touched."""

    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="DEBUG")


class ArticleNotStored(DropItem):
    """The archive refused the article's batch (its transaction rolled back): not in any feed;
    the next crawl fetches it again. The batch's failure is logged once, as an ERROR."""

    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="DEBUG")
