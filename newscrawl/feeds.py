"""Feed files that are whole or absent: a feed is written to `<name>.part` and renamed to its
name only once complete (flushed and fsynced), so a crawl killed mid-way leaves no feed with
a line cut in half; the articles it committed go to the next crawl's feed instead
(pipelines/store.py). A `.part` file left by a killed crawl is removed by the next one.

Used for every local feed (FEED_STORAGES "file" and ""); a feed appended to an existing file
(`-o`) is written in place, as Scrapy does it.

A feed that cannot be written (a full disk, an I/O error; for a feed to stdout, its reader gone:
`scrapy crawl asia -o -:jsonlines | head`) costs one ERROR line and the stat
`newscrawl/feed/write_failed`, never a traceback per article: the feed is dropped (its `.part`
removed; a file appended to is cut back to what it held before the crawl; stdout goes to
/dev/null from then on), the crawl goes on and the other feeds get every article, and unless
another feed of the crawl is stored whole the crawl is left undelivered in the archive
(`crawls.feed_delivered_at`), so the next crawl's feed carries its articles;
`scrapy export --changed-since` writes them at once. A feed to stdout whose every line was
written (flushed) delivers the crawl as a file feed stored whole does.

Retention (NEWSCRAWL_FEED_KEEP): a crawl that has stored its feed whole removes its spider's
oldest feeds in the feed folder beyond the newest N (prune_feeds), but never a feed that a crawl
whose articles have not all reached a feed may have written: those lines are in no other feed.
"""

from __future__ import annotations

import glob
import io
import logging
import os
import re
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Collection, Optional

from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.extensions.feedexport import StdoutFeedStorage as ScrapyStdoutFeedStorage

from newscrawl.cli import stdout_gone

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from newscrawl.db import Archive

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"


# a feed that could not be written (counted once per feed)
FEED_WRITE_FAILED = "newscrawl/feed/write_failed"
# the start of the oldest crawl whose articles this crawl's feed carries (its own, or an
# earlier one's never delivered): `scrapy export --changed-since` from there writes them all
FEED_SINCE = "newscrawl/feed/since"


class FeedNotStored(Exception):
    """store() of a feed whose failure is said already (one ERROR line): Scrapy's own "Error
    storing" line and its traceback are left out (QuietFeedStoreErrors)."""


class QuietFeedStoreErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], FeedNotStored))


def install_feed_error_filter() -> None:
    target = logging.getLogger("scrapy.extensions.feedexport")
    if not any(isinstance(f, QuietFeedStoreErrors) for f in target.filters):
        target.addFilter(QuietFeedStoreErrors())


class GuardedFeedFile(io.RawIOBase):
    """The feed's file as Scrapy's exporters write it, failing once: the first OSError goes
    to on_error, and every write after it is dropped (the feed is given up). Scrapy's
    FeedExporter would raise each one from its item_scraped handler: a traceback per article."""

    def __init__(self, file: Optional[IO[bytes]], on_error: Callable[[OSError], None], *, owned: bool = True) -> None:
        super().__init__()
        self.file = file  # None once given up (or never opened: on_error was told)
        self.on_error = on_error
        self.owned = owned  # closed with this one (not stdout: it is the process's, only flushed)

    def fail(self, error: OSError) -> None:
        file, self.file = self.file, None
        if file is not None and self.owned:
            try:
                file.close()  # what it still buffers fails again: nothing more to lose
            except OSError:
                pass
        self.on_error(error)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        if self.file is not None:
            try:
                self.file.write(data)
            except OSError as exc:
                self.fail(exc)
        return size

    def flush(self) -> None:
        if self.file is not None:
            try:
                self.file.flush()
            except OSError as exc:
                self.fail(exc)

    def sync(self) -> None:
        """Flushed and on disk; a failure is the feed's failure."""
        self.flush()
        if self.file is not None:
            try:
                os.fsync(self.file.fileno())
            except OSError as exc:
                self.fail(exc)

    def close(self) -> None:
        file, self.file = self.file, None
        if file is not None:
            try:
                file.close() if self.owned else file.flush()
            except OSError as exc:
                self.on_error(exc)
        super().close()


class GuardedFeed:
    """What newscrawl's feed storages share: a feed that fails once (GuardedFeedFile), says so in
    one ERROR line, and tells whether it was stored whole (the archive's feed delivery)."""

    def __init__(self, crawler: Optional[Crawler]) -> None:
        self.crawler = crawler
        self.stored = False  # set once every line of the feed is written where it goes
        self.failure: Optional[str] = None  # why it could not be written (said in one ERROR line)
        self.file: Optional[GuardedFeedFile] = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *, feed_options: Optional[dict[str, Any]] = None) -> Any:
        install_feed_error_filter()
        return cls(uri, feed_options=feed_options, crawler=crawler)

    @property
    def where(self) -> str:
        """The feed as the log and the summary name it."""
        raise NotImplementedError

    def writes_into(self, directory: Path) -> bool:
        """Whether the feed is a file of directory."""
        return False

    def complete(self, guarded: GuardedFeedFile) -> None:
        """The feed's last lines written out, where it goes; a failure goes to write_failed."""
        raise NotImplementedError

    def discard_written(self) -> str:
        """What the feed had written, taken back as far as it can be: what is left of it."""
        raise NotImplementedError

    def store(self, file: IO[bytes]) -> None:
        guarded = self.file if self.file is not None else GuardedFeedFile(file, self.write_failed)
        self.complete(guarded)
        if self.failure is not None:
            raise FeedNotStored(self.failure)
        self.stored = True

    def write_failed(self, error: OSError) -> None:
        """The feed is given up: what it wrote goes as far as it can (discard_written), and one
        ERROR line says where its articles are."""
        if self.failure is not None:
            return
        self.failure = error.strerror or str(error)
        left = self.discard_written()
        stats = self.crawler.stats if self.crawler is not None else None
        since = stats.get_value(FEED_SINCE) if stats is not None else None
        if stats is not None:
            stats.inc_value(FEED_WRITE_FAILED)
        where = (f"every article stays in the archive: `scrapy export --changed-since {since} -o FILE` writes them again, "
                 "and if no feed of this crawl is stored, the next crawl's feed carries them" if since else
                 "the articles it was to hold are in no archive (NEWSCRAWL_STORE_ENABLED is off)")
        logger.error("Cannot write the feed %s (%s): this feed is dropped, %s, and the crawl goes on; %s",
                     self.where, self.failure, left, where)


class StdoutFeedStorage(GuardedFeed, ScrapyStdoutFeedStorage):
    """`-o -:jsonlines`: Scrapy's, but a reader that goes away (`| head`: EPIPE) or a full disk
    under a redirection fails the feed once, as for a file. Scrapy's raised for every article
    after that: a traceback each, and each article kept from the feeds after stdout in FEEDS (the
    default feed, which the crawl then counted as delivered with one article in it)."""

    def __init__(self, uri: str, _stdout: Optional[IO[bytes]] = None, *, feed_options: Optional[dict[str, Any]] = None,
                 crawler: Optional[Crawler] = None) -> None:
        ScrapyStdoutFeedStorage.__init__(self, uri, _stdout, feed_options=feed_options)
        GuardedFeed.__init__(self, crawler)

    @property
    def where(self) -> str:
        return "stdout"

    def open(self, spider: Any) -> IO[bytes]:
        self.file = GuardedFeedFile(self._stdout, self.write_failed, owned=False)
        return self.file

    def complete(self, guarded: GuardedFeedFile) -> None:
        guarded.close()  # flushed; stdout stays open (a pipe has nothing to fsync)

    def discard_written(self) -> str:
        # what stdout still buffers would fail again at exit ("Exception ignored ..."): /dev/null takes it
        if self._stdout is sys.stdout.buffer:
            stdout_gone()
        return "what it wrote before stays with its reader (its last line may be cut)"


class AtomicFileFeedStorage(GuardedFeed, FileFeedStorage):
    def __init__(self, uri: str, *, feed_options: Optional[dict[str, Any]] = None, crawler: Optional[Crawler] = None) -> None:
        FileFeedStorage.__init__(self, uri, feed_options=feed_options)
        GuardedFeed.__init__(self, crawler)
        self.target = Path(self.path)
        # appending to a file that exists: in place (a copy of it would cost its size)
        self.atomic = self.write_mode == "wb" or not self.target.exists()
        self.appended_from = 0  # an appended file's size before this crawl: cut back to it on failure

    @property
    def where(self) -> str:
        return str(self.target)

    def writes_into(self, directory: Path) -> bool:
        return self.target.parent.resolve() == directory.resolve()

    @property
    def part(self) -> Path:
        return Path(self.path + PART_SUFFIX)

    def open(self, spider: Any) -> IO[bytes]:
        self.file = GuardedFeedFile(None, self.write_failed)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            if self.atomic:
                self.file.file = self.part.open("wb")
            else:
                self.appended_from = self.target.stat().st_size
                self.file.file = self.target.open(self.write_mode)
        except OSError as exc:
            self.file.fail(exc)
        return self.file

    def complete(self, guarded: GuardedFeedFile) -> None:
        """Flushed, on disk, and under its name."""
        guarded.sync()
        guarded.close()
        if self.atomic and self.failure is None:
            try:
                os.replace(self.part, self.target)
            except OSError as exc:
                self.write_failed(exc)

    def discard_written(self) -> str:
        """Nothing half written stays: its `.part` removed, an appended file cut back."""
        try:
            if self.atomic:
                self.part.unlink(missing_ok=True)
                return "its partial file removed"
            os.truncate(self.target, self.appended_from)
            return f"{self.target} cut back to what it held before this crawl"
        except OSError as exc:
            return f"what it wrote could not be removed ({exc.strerror or exc})"


def is_delivering_storage(storage: Any) -> bool:
    """A storage that says whether its feed was stored whole."""
    return isinstance(storage, GuardedFeed)


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
