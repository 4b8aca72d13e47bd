"""newscrawl's settings, read once into a typed config (every name has the NEWSCRAWL_ prefix)."""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from newscrawl.dedup import DEFAULT_THRESHOLD, check_threshold
from newscrawl.healing import RetryPolicy

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


# Every NEWSCRAWL_* setting the project reads, with what it is for (README: Settings). A name
# not listed here stops the crawl, and every other command of the project (newscrawl/command.py),
# with exit status 2: a typo is never taken silently. Add a setting with one line here.
KNOWN_SETTINGS: dict[str, str] = {
    "NEWSCRAWL_DATA_DIR": "folder of the archive, feeds, logs and job directories",
    "NEWSCRAWL_DATABASE_URL": "the archive's database (SQLite or PostgreSQL URL)",
    "NEWSCRAWL_STORE_ENABLED": "False: crawl without writing the archive",
    "NEWSCRAWL_ARCHIVE_CRAWL": "set by scrapy crawl itself: this run reads, stores into and locks the archive",
    "NEWSCRAWL_BATCH_SIZE": "articles per archive transaction",
    "NEWSCRAWL_BATCH_SECONDS": "seconds after which a batch not full is written all the same",
    "NEWSCRAWL_READ_MORE_DEPTH": "READ MORE hops followed from an article on the index",
    "NEWSCRAWL_REFRESH_DAYS": "articles younger than this many days are fetched again",
    "NEWSCRAWL_INDEX_STOP_AFTER": "index pages of archived articles in a row after which a re-crawl stops paging",
    "NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD": "similarity from which bodies are linked as near-duplicates",
    "NEWSCRAWL_LOCK_ENABLED": "False: no crawl lock on the archive",
    "NEWSCRAWL_LOCK_WAIT": "seconds a crawl waits for the one holding the archive",
    "NEWSCRAWL_LOG_KEEP": "crawl log files kept under <data dir>/logs/",
    "NEWSCRAWL_PROGRESS_INTERVAL": "seconds between two progress lines (0: none)",
    "NEWSCRAWL_FEED_KEEP": "crawl feeds kept per spider under <data dir>/feeds/ (0: all)",
    "NEWSCRAWL_WARC_ENABLED": "False: the crawl keeps no WARC copy of the pages it fetches",
    "NEWSCRAWL_WARC_MAX_BYTES": "bytes after which a WARC file is closed and the next begun",
    "NEWSCRAWL_WARC_KEEP": "WARC files kept under <data dir>/warc/ (0: all)",
    "NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES": "answers the browser fetches itself kept in WARC per rendering (0: none)",
    "NEWSCRAWL_WARC_BROWSER_MAX_BYTES": "bytes of payload the browser fetches itself kept in WARC per rendering",
    "NEWSCRAWL_RENDERING_ENABLED": "False: no browser for pages a script builds",
    "NEWSCRAWL_CHROMIUM_PATH": "the Chrome or Chromium to render with",
    "NEWSCRAWL_RENDER_WAIT": "seconds a page's script may take to write the article",
    "NEWSCRAWL_RENDER_TIMEOUT": "seconds a whole rendering may take",
    "NEWSCRAWL_HEALTH_CRAWLS": "crawls `scrapy health` shows and compares",
    "NEWSCRAWL_HEALTH_NO_NEW_CRAWLS": "crawls in a row without a new article that need a look",
    "NEWSCRAWL_HEALTH_ERROR_RATE": "failed-page rate from which a crawl needs a look",
    "NEWSCRAWL_HEALTH_MIN_PAGES": "pages a crawl needs for its error rate to count",
    "NEWSCRAWL_HEALTH_MAX_AGE_HOURS": "hours without a crawl after which health complains",
    "NEWSCRAWL_HEALTH_RETRY_MAX_AGE_HOURS": "hours a page may stay on the retry record before health complains",
    "NEWSCRAWL_RETRY_MAX_ATTEMPTS": "tries of a failed article page before it is given up",
    "NEWSCRAWL_RETRY_BACKOFF_HOURS": "the second retry's delay, doubled with each try after",
    "NEWSCRAWL_RETRY_MAX_INTERVAL_HOURS": "the longest delay between two retries",
    "NEWSCRAWL_RETRY_GONE_AFTER": "404/410 answers in a row after which a page is gone",
    "NEWSCRAWL_MAX_PAGE_BYTES": "bytes of a page kept and parsed",
    "NEWSCRAWL_MAX_BODY_CHARS": "characters of an article's body kept",
    "NEWSCRAWL_MAX_READ_MORE_LINKS": "READ MORE links kept and followed per article",
    "NEWSCRAWL_MAX_INDEX_LINKS": "article links taken per index page",
    "NEWSCRAWL_BROWSE_SQL": "False: `scrapy browse` runs no SQL a visitor writes (canned queries only)",
}
# NEWSCRAWL_* environment variables something reads: newscrawl (the data dir), the migrations'
# alembic (the database) and the deploy/ schedules (the mirror to crawl instead of the site)
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "NEWSCRAWL_DATA_DIR": KNOWN_SETTINGS["NEWSCRAWL_DATA_DIR"],
    "NEWSCRAWL_DATABASE_URL": "the database command-line alembic migrates",
    "NEWSCRAWL_BASE_URL": "the schedules' -a base_url= (empty: the live site)",
}
# spider arguments that a runner adds: scrapyd's job id
RUNNER_ARGUMENTS = ("_job",)


def nearest(name: str, valid: Iterable[str]) -> str:
    """' (did you mean X?)' for the valid name nearest a misspelt one, else ''. Compared without
    the NEWSCRAWL_ prefix, which would make every name look near."""
    by_stem = {v.removeprefix("NEWSCRAWL_"): v for v in valid}
    close = difflib.get_close_matches(name.removeprefix("NEWSCRAWL_"), list(by_stem), n=1, cutoff=0.6)
    return f" (did you mean {by_stem[close[0]]}?)" if close else ""


def check_setting_names(settings: BaseSettings, environ: Mapping[str, str] = os.environ) -> None:
    """Every NEWSCRAWL_* name in the settings (settings.py, -s) and in the environment is one
    the project reads: a misspelt one would be taken silently and change nothing."""
    for name in sorted(settings):
        if name.startswith("NEWSCRAWL_") and name not in KNOWN_SETTINGS:
            hint = " (an environment variable of the schedules: give -a base_url=URL)" if name in ENVIRONMENT_VARIABLES else nearest(name, KNOWN_SETTINGS)
            raise ConfigError(f"unknown setting {name}{hint}; README lists every setting")
    for name in sorted(environ):
        if name.startswith("NEWSCRAWL_") and name not in ENVIRONMENT_VARIABLES:
            where = (" is a setting, not read from the environment: give -s {name}=VALUE".format(name=name)
                     if name in KNOWN_SETTINGS else f" is not an environment variable newscrawl reads{nearest(name, ENVIRONMENT_VARIABLES)}")
            raise ConfigError(f"{name} in the environment{where}")


def unknown_argument(name: str, valid: Iterable[str]) -> ConfigError:
    """The error for an -a name the spider does not take."""
    valid = list(valid)
    return ConfigError(f"-a {name}= is not an argument of this spider{nearest(name, valid)}; it takes {', '.join(valid)}")


@dataclass(frozen=True)
class Rule:
    """What a setting's value must be, read as Scrapy reads it (getbool, getint or getfloat)."""

    kind: str  # "flag", "whole" or "number"
    least: float = 0  # the smallest value that works
    zero_works: bool = True  # with least 0: whether 0 itself does


FLAG = Rule("flag")
COUNT = Rule("whole")  # 0 or more (0 often: no limit, or off)
AT_LEAST_ONE = Rule("whole", 1)
NUMBER = Rule("number")  # 0 or more
SECONDS = NUMBER
MORE_THAN_ZERO = Rule("number", zero_works=False)

# The values of the settings the project relies on, checked before a crawl or any other command
# of the project starts (newscrawl.command) so that a bad one is one line and exit status 2
# rather than a traceback from deep inside Scrapy. The other NEWSCRAWL_ settings are checked as
# their typed configs read them (NewscrawlConfig, ServerConfig, RenderingConfig).
SETTING_RULES: dict[str, Rule] = {
    "NEWSCRAWL_STORE_ENABLED": FLAG, "NEWSCRAWL_LOCK_ENABLED": FLAG, "NEWSCRAWL_RENDERING_ENABLED": FLAG,
    "NEWSCRAWL_BROWSE_SQL": FLAG,
    "LOGSTATS_INTERVAL": SECONDS, "NEWSCRAWL_PROGRESS_INTERVAL": SECONDS, "NEWSCRAWL_FEED_KEEP": COUNT,
    "NEWSCRAWL_WARC_ENABLED": FLAG, "NEWSCRAWL_WARC_MAX_BYTES": AT_LEAST_ONE, "NEWSCRAWL_WARC_KEEP": COUNT,
    "NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES": COUNT, "NEWSCRAWL_WARC_BROWSER_MAX_BYTES": COUNT,
    "DOWNLOAD_TIMEOUT": MORE_THAN_ZERO, "DOWNLOAD_DELAY": SECONDS, "RANDOMIZE_DOWNLOAD_DELAY": FLAG,
    "CONCURRENT_REQUESTS": AT_LEAST_ONE, "CONCURRENT_REQUESTS_PER_DOMAIN": AT_LEAST_ONE,
    "CONCURRENT_REQUESTS_PER_IP": COUNT, "CONCURRENT_ITEMS": AT_LEAST_ONE,
    "RETRY_ENABLED": FLAG, "RETRY_TIMES": COUNT,
    "AUTOTHROTTLE_ENABLED": FLAG, "AUTOTHROTTLE_DEBUG": FLAG, "AUTOTHROTTLE_START_DELAY": SECONDS,
    "AUTOTHROTTLE_MAX_DELAY": SECONDS, "AUTOTHROTTLE_TARGET_CONCURRENCY": MORE_THAN_ZERO,
    "DOWNLOAD_MAXSIZE": COUNT, "DOWNLOAD_WARNSIZE": COUNT,
    "CLOSESPIDER_TIMEOUT": SECONDS, "CLOSESPIDER_TIMEOUT_NO_ITEM": COUNT, "CLOSESPIDER_ITEMCOUNT": COUNT,
    "CLOSESPIDER_PAGECOUNT": COUNT, "CLOSESPIDER_PAGECOUNT_NO_ITEM": COUNT, "CLOSESPIDER_ERRORCOUNT": COUNT,
    "ROBOTSTXT_OBEY": FLAG, "COOKIES_ENABLED": FLAG, "REDIRECT_ENABLED": FLAG, "REDIRECT_MAX_TIMES": COUNT,
    "DEPTH_LIMIT": COUNT, "LOG_ENABLED": FLAG, "LOG_FILE_APPEND": FLAG, "HTTPCACHE_ENABLED": FLAG,
    "MEMUSAGE_ENABLED": FLAG, "MEMUSAGE_LIMIT_MB": COUNT, "MEMUSAGE_WARNING_MB": COUNT,
    "PLAYWRIGHT_MAX_CONTEXTS": AT_LEAST_ONE, "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": AT_LEAST_ONE,
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": SECONDS,
    # read by `scrapy health` alone (HealthConfig), checked for every command all the same
    "NEWSCRAWL_HEALTH_CRAWLS": COUNT, "NEWSCRAWL_HEALTH_NO_NEW_CRAWLS": COUNT, "NEWSCRAWL_HEALTH_MIN_PAGES": COUNT,
    "NEWSCRAWL_HEALTH_ERROR_RATE": NUMBER, "NEWSCRAWL_HEALTH_MAX_AGE_HOURS": NUMBER, "NEWSCRAWL_HEALTH_RETRY_MAX_AGE_HOURS": NUMBER,
}


def check_setting_values(settings: BaseSettings) -> None:
    """The value of every setting in SETTING_RULES, and LOG_LEVEL, is one that works."""
    for name, rule in SETTING_RULES.items():
        if settings.get(name) is None:
            continue
        if rule.kind == "flag":
            try:
                settings.getbool(name)
            except ValueError:
                raise ConfigError(f"{name} takes True or False, not {settings.get(name)!r}") from None
        elif rule.kind == "whole":
            _positive_int(settings, name, 0, allow_zero=rule.least == 0)
        elif number_setting(settings, name, 0) == 0 and not rule.zero_works:
            raise ConfigError(f"{name} must be more than 0, not {settings.get(name)!r}")
    level = settings.get("LOG_LEVEL")
    if not isinstance(level, int) and level not in logging.getLevelNamesMapping():  # as logging reads it: upper case
        raise ConfigError(f"LOG_LEVEL takes one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not {level!r}")


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
    # when failed pages are tried again (newscrawl.healing)
    retry_policy: RetryPolicy = RetryPolicy()
    # bounded cost per page (README: Bounds): a page's first bytes kept, its body's first
    # characters (whole paragraphs), its READ MORE links and an index page's links
    max_page_bytes: int = 4 * 1024 * 1024
    max_body_chars: int = 500_000
    max_read_more_links: int = 20
    max_index_links: int = 200
    # the newest feeds of a spider kept in feed_dir (0: every one; newscrawl.feeds.prune_feeds)
    feed_keep: int = 0

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
            retry_policy=RetryPolicy(
                max_attempts=_positive_int(settings, "NEWSCRAWL_RETRY_MAX_ATTEMPTS", 8),
                backoff_hours=number_setting(settings, "NEWSCRAWL_RETRY_BACKOFF_HOURS", 1.0),
                max_interval_hours=number_setting(settings, "NEWSCRAWL_RETRY_MAX_INTERVAL_HOURS", 168.0),
                gone_after=_positive_int(settings, "NEWSCRAWL_RETRY_GONE_AFTER", 3),
            ),
            max_page_bytes=_positive_int(settings, "NEWSCRAWL_MAX_PAGE_BYTES", cls.max_page_bytes),
            max_body_chars=_positive_int(settings, "NEWSCRAWL_MAX_BODY_CHARS", cls.max_body_chars),
            max_read_more_links=_positive_int(settings, "NEWSCRAWL_MAX_READ_MORE_LINKS", cls.max_read_more_links, allow_zero=True),
            max_index_links=_positive_int(settings, "NEWSCRAWL_MAX_INDEX_LINKS", cls.max_index_links),
            feed_keep=_positive_int(settings, "NEWSCRAWL_FEED_KEEP", cls.feed_keep, allow_zero=True),
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
