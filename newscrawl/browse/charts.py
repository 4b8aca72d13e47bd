"""The charts page: articles and edits per day, crawl duration and pages per minute.

Each chart is a bar chart drawn as SVG by the template from the geometry made here: no
script, nothing fetched from elsewhere (a server without internet shows it too), a tooltip
(<title>) on every bar. The day charts cover a window (`until`, `days`; by default the last
60 days up to the newest article or edit); the month overview covers the whole archive, and
each month's bar opens that month by day.

What counts:
- an article counts on the day the site published it (UTC);
- an edit is a version of an article's text stored after an earlier one of the site's own
  (damaged copies the archive later repaired are not edits), on the day it was stored;
- a crawl's duration is Scrapy's elapsed time; its pages are every HTTP answer it had
  (`downloader/response_count`: index and article pages, errors included). Crawls refused
  before they started are left out.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Optional, Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

DEFAULT_DAYS = 60
MAX_DAYS = 731
CRAWLS_SHOWN = 60
# the plot's size in SVG units (it scales to the page's width)
WIDTH, HEIGHT = 960, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 34
X_LABELS = 8  # at most this many labels under the bars
MAX_SLOT = 60  # a bar's room at most: two crawls make two bars, not two walls


class ChartRequestError(ValueError):
    """A bad `until` or `days` in the charts page's URL; the message says which."""


@dataclass(frozen=True)
class Point:
    label: str  # under the bar (a day, a month, a crawl's start)
    value: float
    tip: str  # the bar's tooltip
    href: Optional[str] = None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    point: Point


@dataclass
class Chart:
    key: str  # the SVG's id
    title: str
    note: str
    unit: str
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label)
    x_labels: list[tuple[float, str]] = field(default_factory=list)  # (x of the label's middle, label)
    total: Optional[float] = None  # shown when a sum means something (articles, edits)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM  # the x axis' y

    @property
    def total_text(self) -> str:
        return _number(self.total) if self.total is not None else ""


def nice_step(largest: float, ticks: int = 4, whole: bool = False) -> float:
    """A step of 1, 2 or 5 times a power of ten that reaches `largest` in about `ticks` steps
    (at least 1 for counts, `whole`)."""
    if largest <= 0:
        return 1
    rough = largest / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next((factor * power for factor in (1, 2, 5) if factor * power >= rough), 10 * power)
    return max(step, 1) if whole else step


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def bar_chart(key: str, title: str, note: str, unit: str, points: Sequence[Point], counts: bool = True) -> Chart:
    """`counts`: the values are counts (whole ticks, a total shown)."""
    chart = Chart(key, title, note, unit, total=sum(p.value for p in points) if counts else None)
    if not points:
        return chart
    step = nice_step(max(p.value for p in points), whole=counts)
    top = step * max(1, math.ceil(max(p.value for p in points) / step))
    plot_width = chart.width - LEFT - RIGHT
    plot_height = chart.bottom - TOP
    slot = min(plot_width / len(points), MAX_SLOT)
    gap = min(slot * 0.2, 4) if slot > 3 else 0
    for index, point in enumerate(points):
        height = plot_height * point.value / top if top else 0
        chart.bars.append(Bar(LEFT + index * slot + gap / 2, chart.bottom - height, max(slot - gap, 0.5), height, point))
    ticks = int(round(top / step))
    chart.y_ticks = [(chart.bottom - plot_height * i / ticks, _number(step * i)) for i in range(ticks + 1)]
    # labels no closer than their own width (11px text: some 6.6 units a character)
    widest = max(len(p.label) for p in points) * 6.6 + 12
    every = max(1, math.ceil(len(points) / X_LABELS), math.ceil(widest / slot))
    chart.x_labels = [(LEFT + (i + 0.5) * slot, points[i].label) for i in range(0, len(points), every)]
    return chart


@dataclass(frozen=True)
class Window:
    until: date
    days: int

    @property
    def start(self) -> date:
        return self.until - timedelta(days=self.days - 1)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def earlier(self) -> Window:
        return Window(self.start - timedelta(days=1), self.days)

    def later(self) -> Window:
        return Window(self.until + timedelta(days=self.days), self.days)


def parse_window(until: Optional[str], days: Optional[str], newest: Optional[date]) -> Window:
    """The window a request asks for (ChartRequestError for a bad one); by default the last
    DEFAULT_DAYS days up to `newest` (today when the archive is empty)."""
    try:
        end = date.fromisoformat(until) if until else (newest or date.today())
    except ValueError:
        raise ChartRequestError(f"until takes a date as YYYY-MM-DD, not {until!r}") from None
    try:
        count = int(days) if days else DEFAULT_DAYS
    except ValueError:
        raise ChartRequestError(f"days takes a number of days, not {days!r}") from None
    if not 1 <= count <= MAX_DAYS:
        raise ChartRequestError(f"days takes a number from 1 to {MAX_DAYS}, not {count}")
    return Window(end, count)


_NEWEST_DAY = text(
    "SELECT max(day) FROM (SELECT max(substr(published_at, 1, 10)) AS day FROM articles "
    "UNION ALL SELECT max(substr(seen_at, 1, 10)) FROM article_revisions)"
)
_ARTICLES_PER_DAY = text(
    "SELECT substr(published_at, 1, 10) AS day, count(*) FROM articles "
    "WHERE published_at >= :start AND published_at < :end GROUP BY day"
)
# an edit: a site text stored after an earlier site text of the same article
_EDITS_PER_DAY = text(
    "SELECT substr(r.seen_at, 1, 10) AS day, count(*) FROM article_revisions r "
    "WHERE r.seen_at >= :start AND r.seen_at < :end AND r.damaged IS NULL AND EXISTS "
    "(SELECT 1 FROM article_revisions p WHERE p.article_id = r.article_id AND p.id < r.id AND p.damaged IS NULL) "
    "GROUP BY day"
)
_ARTICLES_PER_MONTH = text(
    "SELECT substr(published_at, 1, 7) AS month, count(*) FROM articles WHERE published_at IS NOT NULL GROUP BY month ORDER BY month"
)
_CRAWLS = text(
    "SELECT id, started_at, json_extract(stats, '$.elapsed_time_seconds') AS seconds, "
    "json_extract(stats, '$.\"downloader/response_count\"') AS pages, finish_reason FROM crawls "
    "WHERE json_extract(stats, '$.elapsed_time_seconds') IS NOT NULL ORDER BY id DESC LIMIT :shown"
)


def newest_day(conn: Connection) -> Optional[date]:
    found = conn.execute(_NEWEST_DAY).scalar()
    try:
        return date.fromisoformat(found) if found else None
    except ValueError:  # a date the site wrote wrongly: the default window ends today instead
        return None


def _per_day(conn: Connection, query: Any, window: Window) -> dict[str, int]:
    bounds = {"start": window.start.isoformat(), "end": (window.until + timedelta(days=1)).isoformat()}
    return {day: count for day, count in conn.execute(query, bounds)}


def _plural(count: float, one: str, many: str) -> str:
    return f"{_number(count)} {one if count == 1 else many}"


def day_charts(conn: Connection, window: Window, article_list: str) -> list[Chart]:
    """Articles and edits per day over the window; a day's article bar opens the article list
    of that day (`article_list`: its URL)."""
    articles = _per_day(conn, _ARTICLES_PER_DAY, window)
    edits = _per_day(conn, _EDITS_PER_DAY, window)
    days = [day.isoformat() for day in window.each_day()]
    span = f"{window.start.isoformat()} to {window.until.isoformat()}"
    return [
        bar_chart("articles-per-day", "Articles per day", f"By the day the site published them (UTC), {span}.", "articles",
                  [Point(day, articles.get(day, 0), f"{day}: {_plural(articles.get(day, 0), 'article', 'articles')}",
                         f"{article_list}?published_at__date={day}") for day in days]),
        bar_chart("edits-per-day", "Edits per day",
                  f"New versions of articles' text the archive stored each day (UTC), {span}.", "edits",
                  [Point(day, edits.get(day, 0), f"{day}: {_plural(edits.get(day, 0), 'edit', 'edits')}") for day in days]),
    ]


def month_chart(conn: Connection, charts_url: str) -> Chart:
    counts = {month: count for month, count in conn.execute(_ARTICLES_PER_MONTH)}
    points = []
    if counts:
        year, month = map(int, min(counts).split("-"))
        last = max(counts)
        while f"{year:04d}-{month:02d}" <= last:
            key = f"{year:04d}-{month:02d}"
            length = calendar.monthrange(year, month)[1]
            href = f"{charts_url}?until={key}-{length:02d}&days={length}"
            points.append(Point(key, counts.get(key, 0), f"{key}: {_plural(counts.get(key, 0), 'article', 'articles')}", href))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bar_chart("articles-per-month", "Articles per month, the whole archive",
                     "Click a month to see it day by day above.", "articles", points)


def crawl_charts(conn: Connection, crawl_url: str) -> list[Chart]:
    """Duration and pages per minute of the newest CRAWLS_SHOWN crawls, oldest first; each bar
    opens its crawl's row (`crawl_url`: the crawls table's URL)."""
    rows = list(conn.execute(_CRAWLS, {"shown": CRAWLS_SHOWN}))[::-1]
    longest = max((float(row.seconds or 0) for row in rows), default=0)
    # the duration in the unit that suits the longest crawl
    unit, per = ("seconds", 1) if longest < 180 else ("minutes", 60) if longest < 3 * 3600 else ("hours", 3600)
    durations, speeds = [], []
    for crawl_id, started, seconds, pages, reason in rows:
        seconds = float(seconds or 0)
        pages = int(pages or 0)
        label = (started or "").replace("T", " ")[:16]
        href = f"{crawl_url}/{crawl_id}"
        length = round(seconds / per, 1)
        durations.append(Point(label, length, f"crawl {crawl_id}, started {started} ({reason}): {_number(length)} {unit}", href))
        rate = round(pages * 60 / seconds, 1) if seconds else 0
        speeds.append(Point(label, rate, f"crawl {crawl_id}, started {started}: {_plural(pages, 'page', 'pages')}, "
                                         f"{_number(rate)} a minute", href))
    shown = f"The newest {len(rows)} crawls, oldest first." if rows else "No crawl yet."
    return [
        bar_chart("crawl-duration", "Crawl duration", f"{shown} {unit.capitalize()} from start to end.", unit, durations, counts=False),
        bar_chart("crawl-pages-per-minute", "Pages per minute", f"{shown} Every HTTP answer a crawl had, per minute of it.",
                  "pages a minute", speeds, counts=False),
    ]
