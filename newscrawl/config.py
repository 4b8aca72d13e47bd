"""newscrawl's settings, read once into a typed config (every name has the NEWSCRAWL_ prefix)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from newscrawl.dedup import DEFAULT_THRESHOLD, check_threshold

if TYPE_CHECKING:  # not at run time: the archive's writer process (newscrawl.writer) needs no Scrapy
    from scrapy.settings import BaseSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    """data/ beside scrapy.cfg; NEWSCRAWL_DATA_DIR moves it (scrapyd runs from elsewhere)."""
    env = os.environ.get("NEWSCRAWL_DATA_DIR")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "data"


# Set by `scrapy crawl` alone (newscrawl/commands/crawl.py), in its crawler's settings. The
# debug commands (parse, shell, fetch, check, view, bench) run the same spiders and settings:
# without it they neither read nor write the archive, so they change nothing a crawl does.
ARCHIVE_CRAWL = "NEWSCRAWL_ARCHIVE_CRAWL"


def archive_enabled(settings: BaseSettings) -> bool:
    """Whether this run reads and stores into the archive: a `scrapy crawl` with NEWSCRAWL_STORE_ENABLED on."""
    return settings.getbool(ARCHIVE_CRAWL) and settings.getbool("NEWSCRAWL_STORE_ENABLED", True)


class ConfigError(ValueError):
    """A setting whose value cannot work; the message names the setting."""


def in_checkout() -> bool:
    """Run from the source tree (scrapy.cfg beside the package), not from a scrapyd egg or an
    installed package, whose own folder is no place for an archive."""
    return (PROJECT_ROOT / "scrapy.cfg").is_file()


def resolve_data_dir(setting: object = None) -> Path:
    """The NEWSCRAWL_DATA_DIR setting, else the environment variable, else a checkout's data/.
    Outside a checkout it must be given, as an absolute path: a default there would put the
    archive inside the egg, or wherever scrapyd happens to run."""
    raw = str(setting or os.environ.get("NEWSCRAWL_DATA_DIR") or "")
    if not raw:
        if in_checkout():
            return PROJECT_ROOT / "data"
        raise ConfigError(
            f"NEWSCRAWL_DATA_DIR is not set, and newscrawl runs from {PROJECT_ROOT} (a scrapyd egg or an "
            "installed package), which has no data/ folder: set NEWSCRAWL_DATA_DIR to an absolute directory "
            "for the database, feeds and logs in the environment of scrapyd or of the crawl (README: Running on a server)"
        )
    path = Path(raw).expanduser()
    if not path.is_absolute() and not in_checkout():
        raise ConfigError(f"NEWSCRAWL_DATA_DIR must be an absolute path outside a checkout, not {raw!r} (it would depend on the working directory)")
    path = path.resolve()
    for parent in (path, *path.parents):
        if parent.is_file():  # an egg or zip file on the way
            raise ConfigError(f"NEWSCRAWL_DATA_DIR={path} is inside the file {parent}: set it to a directory")
    return path


def feed_uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS: %(data_dir)s in a FEEDS path is the crawl's data directory."""
    params["data_dir"] = str(resolve_data_dir(spider.crawler.settings.get("NEWSCRAWL_DATA_DIR")))
    return params


@dataclass(frozen=True)
class NewscrawlConfig:
    data_dir: Path
    database_url: str
    batch_size: int
    read_more_depth: int
    feed_dir: Path
    refresh_days: int
    # stop walking the index after this many pages in a row of archived articles (0: never)
    index_stop_after: int = 2
    near_duplicate_threshold: float = DEFAULT_THRESHOLD
    # a batch not full after this many seconds is written all the same (0: only when full)
    batch_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "NewscrawlConfig":
        data_dir = resolve_data_dir(settings.get("NEWSCRAWL_DATA_DIR"))
        database_url = check_database_url(settings.get("NEWSCRAWL_DATABASE_URL") or f"sqlite:///{data_dir / 'news.sqlite'}")
        batch_size = _positive_int(settings, "NEWSCRAWL_BATCH_SIZE", 500)
        depth = _positive_int(settings, "NEWSCRAWL_READ_MORE_DEPTH", 2, allow_zero=True)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            batch_size=batch_size,
            read_more_depth=depth,
            feed_dir=data_dir / "feeds",
            refresh_days=_positive_int(settings, "NEWSCRAWL_REFRESH_DAYS", 2, allow_zero=True),
            index_stop_after=_positive_int(settings, "NEWSCRAWL_INDEX_STOP_AFTER", 2, allow_zero=True),
            near_duplicate_threshold=_threshold(settings, "NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD"),
            batch_seconds=number_setting(settings, "NEWSCRAWL_BATCH_SECONDS", 10.0),
        )


def check_database_url(url: str) -> str:
    """SQLite or PostgreSQL, the two databases the archive's upserts are written for."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ConfigError(f"NEWSCRAWL_DATABASE_URL is not a database URL: {url!r}") from None
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"NEWSCRAWL_DATABASE_URL: the archive runs on SQLite or PostgreSQL, not {backend!r}")
    return url


def _threshold(settings: BaseSettings, name: str) -> float:
    raw = settings.get(name, DEFAULT_THRESHOLD)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    try:
        return check_threshold(value)
    except ValueError as exc:
        raise ConfigError(f"{name} {exc}") from None


def _positive_int(settings: BaseSettings, name: str, default: int, allow_zero: bool = False) -> int:
    raw = settings.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'0 or more' if allow_zero else 'at least 1'}, not {value}")
    return value


def number_setting(settings: BaseSettings, name: str, default: float, whole: bool = False) -> float:
    """A setting that is a number, 0 or more (a whole number with whole=True)."""
    if whole:
        return _positive_int(settings, name, int(default), allow_zero=True)
    raw = settings.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more, not {raw!r}")
    return value
