"""Is the archive healthy? Reads the crawls table (one row per crawl, with its stats and
finish reason) and says what needs a look: a failed, killed or empty crawl, several crawls
in a row without a new article, an error rate at or over the threshold, layout-change
warnings. `scrapy health` prints it; its exit status is 1 when something needs a look.

Not spidermon: its monitors run inside one crawl and see that crawl's stats, while most of
these checks compare crawls with each other and must also run when no crawl does (a timer
that stopped firing, a crawl that was killed). Reading the crawls table does both.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Sequence

from scrapy.settings import BaseSettings
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from newscrawl.commands.crawl import FAILED_REASONS, START_ERROR
from newscrawl.config import NewscrawlConfig, nearest, number_setting
from newscrawl.db import CrawlRow, FailureRow
from newscrawl.feeds import FEED_SINCE, FEED_WRITE_FAILED
from newscrawl.healing import GIVEN_UP, GONE, PENDING
from newscrawl.integrity import DAMAGE_PROBLEMS
from newscrawl.locks import archive_lock
from newscrawl.readers import ArchiveUnreadable, open_reader
from newscrawl.summary import INDEX_GAP_SINCE

INDEX_WITHOUT_ARTICLES = "newscrawl/layout/index_without_articles"
LAYOUT_STATS = ("newscrawl/layout/fallback", INDEX_WITHOUT_ARTICLES)
LAYOUT_PREFIXES = ("newscrawl/field_missing/", "newscrawl/field_error/", "newscrawl/body/unknown_block/")


@dataclass(frozen=True)
class HealthConfig:
    database_url: str
    window: int  # crawls shown and compared
    no_new_crawls: int  # this many finished crawls in a row without a new article need a look
    error_rate: float  # failed pages / pages, from which a crawl needs a look...
    min_pages: int  # ...when it fetched at least this many pages (a quiet crawl's few pages say little)
    max_age_hours: float  # the newest crawl older than this needs a look (0: not checked)
    retry_max_age_hours: float = 72.0  # a page on the retry record failing for longer needs a look (0: not checked)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "HealthConfig":
        return cls(
            database_url=NewscrawlConfig.from_settings(settings).database_url,
            window=max(1, int(number_setting(settings, "NEWSCRAWL_HEALTH_CRAWLS", 10, whole=True))),
            no_new_crawls=max(1, int(number_setting(settings, "NEWSCRAWL_HEALTH_NO_NEW_CRAWLS", 6, whole=True))),
            error_rate=number_setting(settings, "NEWSCRAWL_HEALTH_ERROR_RATE", 0.10),
            min_pages=int(number_setting(settings, "NEWSCRAWL_HEALTH_MIN_PAGES", 20, whole=True)),
            max_age_hours=number_setting(settings, "NEWSCRAWL_HEALTH_MAX_AGE_HOURS", 0),
            retry_max_age_hours=number_setting(settings, "NEWSCRAWL_HEALTH_RETRY_MAX_AGE_HOURS", 72),
        )


@dataclass
class CrawlView:
    """One crawls row, with what the checks need worked out from its stats."""

    id: int
    spider: str
    started_at: str
    finished_at: Optional[str]
    reason: Optional[str]
    new: int
    changed: int
    unchanged: int
    failed: int
    stats: dict[str, Any]
    running: bool = False
    # a feed holding its articles was stored (its own, or a later crawl's that carried them)
    feed_delivered: bool = True
    # the archive's crawl lock is held: a crawl may be storing its feed right now
    locked: bool = False

    @property
    def status(self) -> str:
        if self.finished_at is None:
            return "running" if self.running else "killed"
        if self.reason == "finished":
            return "finished"
        if self.reason in FAILED_REASONS:
            return "failed"
        if self.reason == "shutdown":
            return "interrupted"
        return "stopped"

    def stat(self, key: str) -> int:
        value = self.stats.get(key, 0)
        return int(value) if isinstance(value, (int, float)) else 0

    @property
    def pages(self) -> int:
        """Pages parsed (index pages and articles) plus pages failed."""
        parsed = sum(self.stat(k) for k in self.stats if k.startswith("newscrawl/layout/") and k != INDEX_WITHOUT_ARTICLES)
        return parsed + self.stat("newscrawl/index/pages") + self.failed

    @property
    def error_rate(self) -> float:
        return self.failed / self.pages if self.pages else 0.0

    @property
    def articles_seen(self) -> int:
        """Articles the crawl met: stored, unchanged, or archived and not fetched again."""
        return self.new + self.changed + self.unchanged + self.stat("newscrawl/incremental/archived_not_fetched")

    @property
    def layout_warnings(self) -> dict[str, int]:
        found = {k: self.stat(k) for k in LAYOUT_STATS if self.stat(k)}
        found.update({k: self.stat(k) for k in self.stats if k.startswith(LAYOUT_PREFIXES) and self.stat(k)})
        return {k.removeprefix("newscrawl/"): v for k, v in sorted(found.items())}

    @property
    def took(self) -> str:
        if not self.finished_at:
            return ""
        seconds = int((_when(self.finished_at) - _when(self.started_at)).total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Gaps:
    """The retry record (newscrawl.healing) in numbers: the archive's known gaps."""

    pending: int = 0
    oldest_pending: Optional[str] = None  # first failure of the oldest pending page
    gone: int = 0
    given_up: int = 0
    damaged: int = 0  # whose last try gave a damaged page (any state)

    def line(self) -> str:
        since = f" (failing since {self.oldest_pending})" if self.oldest_pending else ""
        return (f"Retry record: {self.pending} pages pending a retry{since}, {self.gone} gone (404/410), "
                f"{self.given_up} given up; {self.damaged} of these were damaged copies (`scrapy export --gaps` lists them)")


@dataclass
class HealthReport:
    database: str
    crawls: list[CrawlView]
    findings: list[str] = field(default_factory=list)
    gaps: Gaps = field(default_factory=Gaps)
    unreadable: bool = False  # no archive could be read: the finding says why

    def text(self) -> str:
        lines = [f"Archive: {self.database}", *([] if self.unreadable else [self.gaps.line()])]
        if self.crawls:
            lines.append(f"Recent crawls, newest first ({len(self.crawls)}):")
            lines.append(f"  {'id':>5}  {'spider':<8} {'started (UTC)':<20} {'took':>8}  {'status':<11} "
                         f"{'new':>5} {'chg':>5} {'unch':>5} {'failed':>6} {'errors':>6}  reason")
            for c in self.crawls:
                lines.append(
                    f"  {c.id:>5}  {c.spider:<8} {c.started_at:<20} {c.took:>8}  {c.status:<11} {c.new:>5} "
                    f"{c.changed:>5} {c.unchanged:>5} {c.failed:>6} {c.error_rate:>6.1%}  {c.reason or ''}"
                )
        if self.findings:
            lines.append("Needs a look:")
            lines.extend(f"  - {finding}" for finding in self.findings)
        else:
            lines.append("Healthy: nothing needs a look.")
        return "\n".join(lines)


def _when(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def shown_url(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


class UnknownSpider(ValueError):
    """--spider names no spider of the archive's crawls, nor of the project."""


def match_spider(wanted: str, recorded: Sequence[str], project: Sequence[str]) -> str:
    """--spider NAME as the archive's crawls (else the project) spell it, matched without regard to case."""
    for name in (*recorded, *project):
        if name.lower() == wanted.lower():
            return name
    raise UnknownSpider(
        f"--spider {wanted}: no crawl of that spider in the archive, and no such spider in the project"
        f"{nearest(wanted.lower(), [*recorded, *project])}; the archive's crawls are of: {', '.join(recorded) or 'none yet'}"
        + (f"; the project's spiders: {', '.join(project)}" if project else "")
    )


def load_crawls(config: HealthConfig, spider: Optional[str] = None, project_spiders: Sequence[str] = ()) -> tuple[str, list[CrawlView], Gaps]:
    """The newest crawls (of `spider`, in any case, when given), newest first; the newest
    unfinished one is "running" while the archive's crawl lock is held."""
    shown = shown_url(config.database_url)
    engine = open_reader(config.database_url, "health")  # read-only: health works on a read-only mount
    try:
        query = select(CrawlRow).order_by(CrawlRow.id.desc()).limit(config.window)
        if spider:
            with engine.connect() as conn:
                recorded = list(conn.execute(select(CrawlRow.spider).distinct().order_by(CrawlRow.spider)).scalars())
            query = query.where(CrawlRow.spider == match_spider(spider, recorded, project_spiders))
        gaps = load_gaps(engine)
        with Session(engine) as session:
            rows = list(session.scalars(query))
            crawls = [
                CrawlView(
                    id=r.id, spider=r.spider, started_at=r.started_at, finished_at=r.finished_at, reason=r.finish_reason,
                    new=r.articles_new or 0, changed=r.articles_changed or 0, unchanged=r.articles_unchanged or 0,
                    failed=r.pages_failed or 0, stats=dict(r.stats or {}), feed_delivered=r.feed_delivered_at is not None,
                )
                for r in rows
            ]
    finally:
        engine.dispose()
    lock = archive_lock(config.database_url)
    if crawls and lock is not None and lock.holder() is not None:
        crawls[0].locked = True
        crawls[0].running = crawls[0].finished_at is None
    return shown, crawls, gaps


def load_gaps(engine: Engine) -> Gaps:
    """The retry record's counts (open_reader checked the archive is at this newscrawl's schema)."""
    with engine.connect() as conn:
        by_state = dict(conn.execute(select(FailureRow.state, func.count()).group_by(FailureRow.state)).all())
        oldest = conn.execute(select(func.min(FailureRow.first_failed_at)).where(FailureRow.state == PENDING)).scalar()
        damaged = conn.execute(select(func.count()).select_from(FailureRow).where(FailureRow.problem.in_(DAMAGE_PROBLEMS))).scalar()
    return Gaps(pending=by_state.get(PENDING, 0), oldest_pending=oldest, gone=by_state.get(GONE, 0),
                given_up=by_state.get(GIVEN_UP, 0), damaged=int(damaged or 0))


def gap_findings(gaps: Gaps, config: HealthConfig, now: datetime) -> list[str]:
    if not (config.retry_max_age_hours and gaps.oldest_pending):
        return []
    if now - _when(gaps.oldest_pending) <= timedelta(hours=config.retry_max_age_hours):
        return []
    return [f"{gaps.pending} failed pages pending a retry, the oldest failing since {gaps.oldest_pending} (over "
            f"{config.retry_max_age_hours:g} hours, NEWSCRAWL_HEALTH_RETRY_MAX_AGE_HOURS): `scrapy export --gaps` lists them"]


def assess(crawls: list[CrawlView], config: HealthConfig, now: Optional[datetime] = None) -> list[str]:
    """What needs a look, judged by each spider's newest crawls (an old failure since put
    right is shown in the table, not flagged)."""
    if not crawls:
        return ["no crawl recorded in this archive yet"]
    findings: list[str] = []
    now = now or datetime.now(timezone.utc)
    for spider in dict.fromkeys(c.spider for c in crawls):
        mine = [c for c in crawls if c.spider == spider and c.status != "running"]
        if not mine:
            continue
        latest = mine[0]
        findings.extend(_latest_findings(latest, mine[1:], config))
        done = [c for c in mine if c.status == "finished"]
        streak = done[: config.no_new_crawls]
        if len(streak) == config.no_new_crawls and all(c.new == 0 for c in streak):
            findings.append(f"{spider}: no new article in the last {len(streak)} crawls (since {streak[-1].started_at})")
    if config.max_age_hours:
        newest = max(crawls, key=lambda c: c.started_at)
        if now - _when(newest.started_at) > timedelta(hours=config.max_age_hours):
            findings.append(f"no crawl started in the last {config.max_age_hours:g} hours (the newest: {newest.started_at}); is the timer running?")
    return findings


def _latest_findings(latest: CrawlView, earlier: list[CrawlView], config: HealthConfig) -> list[str]:
    where = f"{latest.spider}: crawl {latest.id} ({latest.started_at})"
    found: list[str] = []
    if latest.status == "killed":
        found.append(f"{where} did not finish: killed or crashed (run it again; with its JOBDIR it resumes)")
    elif latest.status == "failed":
        said = latest.stats.get(START_ERROR)  # a start refused for a bad argument or setting: its line
        found.append(f"{where} failed: {latest.reason}" + (f" ({said})" if said else ""))
    if latest.finished_at and latest.articles_seen == 0 and latest.status != "failed":
        found.append(f"{where} is empty: no article found ({latest.stat('newscrawl/index/pages')} index pages, "
                     f"{latest.stat('newscrawl/index/links')} article links)")
    if latest.finished_at and latest.status != "failed" and not latest.feed_delivered and not latest.locked:
        since = latest.stats.get(FEED_SINCE) or latest.started_at
        found.append(f"{where}: no feed of it was stored ({'its feed could not be written, ' if latest.stat(FEED_WRITE_FAILED) else ''}"
                     f"see its log): the next crawl's feed carries its articles; `scrapy export --changed-since {since}` "
                     "writes them now")
    gap = latest.stats.get(INDEX_GAP_SINCE)
    if gap:
        found.append(f"{where}: robots.txt stopped its walk of the index before an archived article: articles published "
                     f"since {gap} may be missing (`scrapy crawl {latest.spider} -a since={str(gap)[:10]}` fetches them)")
    if latest.layout_warnings:
        listed = ", ".join(f"{k} {v}" for k, v in latest.layout_warnings.items())
        found.append(f"{where} has layout-change warnings ({listed}): has the site's markup changed?")
    if latest.pages >= max(1, config.min_pages) and config.error_rate > 0 and latest.error_rate >= config.error_rate:
        before = [c.error_rate for c in earlier if c.pages >= max(1, config.min_pages)]
        trend = ""
        if before:
            median = statistics.median(before)
            trend = (f", {'up' if latest.error_rate > median else 'not down'} from a median of {median:.1%} over "
                     f"{len(before)} earlier crawl{'s' if len(before) > 1 else ''}")
        found.append(f"{where}: {latest.failed} of {latest.pages} pages failed ({latest.error_rate:.1%}, "
                     f"threshold {config.error_rate:.0%}{trend})")
    return found


def check_health(config: HealthConfig, spider: Optional[str] = None, project_spiders: Sequence[str] = ()) -> HealthReport:
    """The report; an archive it cannot read (missing, unreadable, not SQLite, another schema)
    is its one finding, with `unreadable` set. UnknownSpider for a `spider` of no crawl and no
    spider of the project."""
    try:
        database, crawls, gaps = load_crawls(config, spider, project_spiders)
    except ArchiveUnreadable as exc:
        return HealthReport(shown_url(config.database_url), [], [str(exc)], unreadable=True)
    return HealthReport(database, crawls, assess(crawls, config) + gap_findings(gaps, config, datetime.now(timezone.utc)), gaps)
