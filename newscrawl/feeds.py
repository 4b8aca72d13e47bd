"""Feed files that are whole or absent: a feed is written to `<name>.part` and renamed to its
name only once complete (flushed and fsynced), so a crawl killed mid-way leaves no feed with
a line cut in half; the articles it committed go to the next crawl's feed instead
(pipelines/store.py). A `.part` file left by a killed crawl is removed by the next one.

Used for every local feed (FEED_STORAGES "file" and ""); a feed appended to an existing file
(`-o`) is written in place, as Scrapy does it.

Retention (NEWSCRAWL_FEED_KEEP): a crawl that has stored its feed whole removes its spider's
oldest feeds in the feed folder beyond the newest N (prune_feeds), but never a feed that a crawl
whose articles have not all reached a feed may have written: those lines are in no other feed.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Collection, Optional

from scrapy.extensions.feedexport import FileFeedStorage

if TYPE_CHECKING:
    from newscrawl.db import Archive

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"


class AtomicFileFeedStorage(FileFeedStorage):
    def __init__(self, uri: str, *, feed_options: Optional[dict[str, Any]] = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.target = Path(self.path)
        # appending to a file that exists: in place (a copy of it would cost its size)
        self.atomic = self.write_mode == "wb" or not self.target.exists()
        self.stored = False  # set once the feed is complete under its name

    def open(self, spider: Any) -> IO[bytes]:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        if not self.atomic:
            return self.target.open(self.write_mode)
        return Path(self.path + PART_SUFFIX).open("wb")

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        if self.atomic:
            os.replace(self.path + PART_SUFFIX, self.target)
        self.stored = True


def is_delivering_storage(storage: Any) -> bool:
    """A storage that says whether its feed was stored whole."""
    return isinstance(storage, AtomicFileFeedStorage)


def remove_partial_feeds(directory: Path) -> list[Path]:
    """The `.part` feeds that crawls killed mid-way left in directory, removed (only one
    crawl writes an archive at a time, so none of them is being written)."""
    removed = []
    for part in sorted(directory.glob(f"*{PART_SUFFIX}")):
        try:
            part.unlink()
        except OSError as exc:
            logger.warning("Could not remove the partial feed %s: %s", part, exc)
            continue
        removed.append(part)
    return removed


def feed_time(name: str, spider: str) -> Optional[str]:
    """The UTC time in the name of a feed the default FEEDS wrote for spider
    (`<spider>-<Scrapy's %(time)s>.jsonl`, e.g. asia-2026-07-29T13-00-05+00-00.jsonl) as the
    archive writes times (2026-07-29T13:00:05Z); None for any other file."""
    match = re.fullmatch(re.escape(spider) + r"-(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)\+00-00\.jsonl", name)
    return f"{match[1]}T{match[2]}:{match[3]}:{match[4]}Z" if match else None


def prune_feeds(directory: Path, spider: str, keep: int, waiting_since: Optional[str]) -> tuple[list[Path], list[Path]]:
    """Removes spider's feeds in directory beyond the newest `keep`, oldest first, and says
    which it removed and which it spared. Spared: a feed written at or after waiting_since, the
    start of the oldest crawl whose committed articles have not all reached a feed stored whole
    (a crawl writes its feed after it starts, and before the next one starts: such a feed may
    be that crawl's, the one copy of its lines in a feed). Other files are never touched: other
    spiders' feeds, `.part` files, files of another name (`-o`/`-O` into the folder)."""
    feeds = sorted((when, path) for path in directory.glob(f"{glob.escape(spider)}-*.jsonl")
                   if (when := feed_time(path.name, spider)) is not None)
    removed: list[Path] = []
    spared: list[Path] = []
    for when, path in feeds[: max(0, len(feeds) - keep)]:
        if waiting_since is not None and when >= waiting_since:
            spared.append(path)
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.warning("Could not remove the old feed %s: %s", path, exc)
            continue
        removed.append(path)
    return removed, spared


def prune_crawl_feeds(archive: Archive, directory: Path, spider: str, keep: int, delivered: Collection[int]) -> tuple[list[Path], list[Path]]:
    """prune_feeds for a crawl whose feed was stored whole, delivering the crawls `delivered`
    (itself and those it carried): every other crawl without feed_delivered_at is still waiting."""
    waiting = [started for crawl_id, started in archive.undelivered_crawls(other_than=None) if crawl_id not in delivered]
    return prune_feeds(directory, spider, keep, min(waiting, default=None))
