"""Feed files that are whole or absent: a feed is written to `<name>.part` and renamed to its
name only once complete (flushed and fsynced), so a crawl killed mid-way leaves no feed with
a line cut in half; the articles it committed go to the next crawl's feed instead
(pipelines/store.py). A `.part` file left by a killed crawl is removed by the next one.

Used for every local feed (FEED_STORAGES "file" and ""); a feed appended to an existing file
(`-o`) is written in place, as Scrapy does it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Any, Optional

from scrapy.extensions.feedexport import FileFeedStorage

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
