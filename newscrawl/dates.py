"""Every date form the site uses, read into one: ISO 8601 in UTC with "Z".

The forms (SPUTNIK-MARKUP.md): ISO with "Z" or an offset (`meta[name=pubdate]`), the compact
`20260729T1319+0800` (`article:published_time`, zone-less `20220611T0924` on the same system's
ria.ru page), unix time (`data-unixtime`, `analytics:p_ts`, seconds or milliseconds), and the
visible "21:17 18.11.2019" / "(updated: 14:02 29.07.2026)" / "(updated 11:14 GMT 29.04.2020)".

A text that says its zone is read in it: an offset, "Z", or a visible time's label ("GMT",
"UTC", "GMT+3"). A text that says none is read in the zone the caller passes: the page's clock,
found by `zone_between()` a moment the page gives exactly (a unix time, a zoned meta) and the
same moment as the page writes it without a zone; without one, UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Optional

# a zone label a visible time may carry before or after its date: "GMT", "UTC", "GMT+3", "UTC-04:30"
_LABEL = r"(?:GMT|UTC)(?:\s?[+-]\d{1,2}(?::?\d{2})?)?"
_VISIBLE = re.compile(
    rf"(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?:\s*(?P<before>{_LABEL}))?\s+(?P<d>\d{{1,2}})\.(?P<mo>\d{{1,2}})\.(?P<y>\d{{4}})"
    rf"(?:\s*(?P<after>{_LABEL})(?![\w]))?"
)
_LABEL_PARTS = re.compile(r"^(?:GMT|UTC)(?:\s?(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?$")
_COMPACT = re.compile(r"^(\d{8})T(\d{4})(\d{2})?([+-]\d{4}|Z)?$")
_ISO_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_UNIX = re.compile(r"^\d{9,13}(\.\d+)?$")
# Zones are whole quarter hours; a zone computed from two times is rounded to one.
_QUARTER_HOUR = 15 * 60


def format_utc(moment: datetime) -> str:
    """"%Y-%m-%dT%H:%M:%SZ" in UTC, written out (strftime costs twice as much; its %Y is not
    padded either)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    m = moment.astimezone(timezone.utc)
    return f"{m.year}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


@lru_cache(maxsize=64)
def _fixed_zone(sign: str, hours: str, minutes: str) -> timezone:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == "-" else offset)


def parse_iso(text: str) -> Optional[datetime]:
    """ISO 8601 with "Z", "+03:00", "+0300" or no zone (then naive)."""
    text = text.strip()
    if not text or not text[:4].isdigit():
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # "+0800" is not accepted by fromisoformat before Python 3.11: make it "+08:00".
    text = _ISO_OFFSET.sub(r"\1:\2", text) if "T" in text or " " in text else text
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_compact(text: str) -> Optional[datetime]:
    """The current layout's meta form: 20260729T1319+0800 (naive without a zone)."""
    match = _COMPACT.match(text.strip())
    if not match:
        return None
    day, hhmm, seconds, zone = match.groups()
    try:
        moment = datetime(int(day[:4]), int(day[4:6]), int(day[6:]), int(hhmm[:2]), int(hhmm[2:]), int(seconds or 0))
    except ValueError:
        return None
    if zone == "Z":
        return moment.replace(tzinfo=timezone.utc)
    if zone:
        return moment.replace(tzinfo=_fixed_zone(zone[0], zone[1:3], zone[3:5]))
    return moment


def parse_unix(text: str) -> Optional[datetime]:
    """Seconds (or milliseconds) since 1970, as in `data-unixtime`."""
    text = text.strip()
    if not _UNIX.match(text):
        return None
    value = float(text)
    if value > 10**11:  # milliseconds
        value /= 1000
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def label_zone(label: Optional[str]) -> Optional[tzinfo]:
    """The zone a visible label names: "GMT" and "UTC" are UTC, "GMT+3" is UTC+03:00."""
    match = _LABEL_PARTS.match(label or "")
    if not match:
        return None
    if not match["sign"]:
        return timezone.utc
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if hours > 14 or minutes >= 60:
        return None
    return _fixed_zone(match["sign"], match["hours"], match["minutes"] or "0")


def parse_visible(text: str) -> Optional[datetime]:
    """"21:17 18.11.2019" or "(updated: 14:02 29.07.2026)": naive (the page's own clock);
    aware when the text labels its zone ("(updated 11:14 GMT 29.04.2020)")."""
    match = _VISIBLE.search(text)
    if not match:
        return None
    try:
        moment = datetime(int(match["y"]), int(match["mo"]), int(match["d"]), int(match["h"]), int(match["m"]))
    except ValueError:
        return None
    label = match["before"] or match["after"]
    if label:
        zone = label_zone(label)
        return moment.replace(tzinfo=zone) if zone is not None else None
    return moment


@lru_cache(maxsize=256)
def _read(text: str) -> Optional[datetime]:
    """The first form that reads the text: aware when it says its zone, else naive. Cached:
    a page names one moment in several places, and its dates are read more than once
    (`says_its_zone`, then `parse_any`); a datetime never changes."""
    moment = parse_unix(text)
    if moment is None:
        for reader in (parse_compact, parse_iso, parse_visible):
            moment = reader(text)
            if moment is not None:
                break
    return moment


def read_datetime(text: Optional[str], zone: Optional[tzinfo] = None) -> Optional[datetime]:
    """The moment a text names, aware; a text without a zone is read in `zone` (default UTC)."""
    if not text or not text.strip():
        return None
    moment = _read(text.strip())
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or timezone.utc)
    return moment


def says_its_zone(text: Optional[str]) -> bool:
    """True for a text that names its moment exactly: a unix time, an offset, "Z", a labelled time."""
    if not text or not text.strip():
        return False
    moment = _read(text.strip())
    return moment is not None and moment.tzinfo is not None


def parse_any(text: Optional[str], zone: Optional[tzinfo] = None) -> Optional[str]:
    """The first form that reads the text, as UTC ISO with "Z"; None when none does."""
    moment = read_datetime(text, zone)
    return format_utc(moment) if moment else None


def zone_of(text: Optional[str]) -> Optional[tzinfo]:
    """The zone a compact or ISO text is written in ("20260729T1319+0800" -> UTC+08:00), if it says."""
    if not text:
        return None
    moment = parse_compact(text) or parse_iso(text)
    return moment.tzinfo if moment is not None else None


def zone_between(exact_text: Optional[str], written_text: Optional[str]) -> Optional[tzinfo]:
    """The page's clock: the difference between a moment the page gives exactly (a unix time,
    or a text with its zone) and the same moment as the page writes it ("13:19 29.07.2026",
    "20220611T0924", "2022-06-11T09:24"), rounded to a quarter hour."""
    moment = _read(exact_text.strip()) if exact_text else None
    text = (written_text or "").strip()
    shown = (parse_compact(text) or parse_iso(text) or parse_visible(text)) if text else None
    if moment is None or moment.tzinfo is None or shown is None:
        return None
    seconds = (shown.replace(tzinfo=None) - moment.astimezone(timezone.utc).replace(tzinfo=None)).total_seconds()
    quarters = round(seconds / _QUARTER_HOUR)
    if abs(quarters) > 14 * 4:  # no zone is further than 14 hours from UTC
        return None
    return timezone(timedelta(seconds=quarters * _QUARTER_HOUR))
