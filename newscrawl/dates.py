"""Every date form the site uses, read into one: ISO 8601 in UTC with "Z".

The forms (SPUTNIK-MARKUP.md): ISO with "Z" or an offset (`meta[name=pubdate]`), the compact
`20260729T1319+0800` (`article:published_time`), unix time (`data-unixtime`, seconds or
milliseconds), and the visible "21:17 18.11.2019" / "(updated: 14:02 29.07.2026)".

The visible forms carry no zone. The caller passes the page's zone when the page shows it
elsewhere (`zone_of()` of the compact meta, or `zone_between()` a unix time and its visible
text); without one they are read as UTC, as the legacy pages show them (the real page's
"21:17 18.11.2019" is its pubdate meta 2019-11-18T21:17:27Z).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Optional

_VISIBLE = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})\s+(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4})")
_COMPACT = re.compile(r"^(\d{8})T(\d{4})(\d{2})?([+-]\d{4}|Z)?$")
_ISO_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_UNIX = re.compile(r"^\d{9,13}(\.\d+)?$")
# Zones are whole quarter hours; a zone computed from two times is rounded to one.
_QUARTER_HOUR = 15 * 60


def format_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def parse_visible(text: str) -> Optional[datetime]:
    """"21:17 18.11.2019" or "(updated: 14:02 29.07.2026)", naive (the page's own clock)."""
    match = _VISIBLE.search(text)
    if not match:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items()}
    try:
        return datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["m"])
    except ValueError:
        return None


def read_datetime(text: Optional[str], zone: Optional[tzinfo] = None) -> Optional[datetime]:
    """The moment a text names, aware; a text without a zone is read in `zone` (default UTC)."""
    if not text or not text.strip():
        return None
    text = text.strip()
    moment = parse_unix(text)
    if moment is None:
        for reader in (parse_compact, parse_iso, parse_visible):
            moment = reader(text)
            if moment is not None:
                break
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or timezone.utc)
    return moment


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


def zone_between(unix_text: Optional[str], visible_text: Optional[str]) -> Optional[tzinfo]:
    """The page's clock: the difference between a unix time and the same moment as shown."""
    moment = parse_unix(unix_text or "")
    shown = parse_visible(visible_text or "")
    if moment is None or shown is None:
        return None
    seconds = (shown - moment.replace(tzinfo=None)).total_seconds()
    quarters = round(seconds / _QUARTER_HOUR)
    if abs(quarters) > 14 * 4:  # no zone is further than 14 hours from UTC
        return None
    return timezone(timedelta(seconds=quarters * _QUARTER_HOUR))
