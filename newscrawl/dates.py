"""Every date form the site uses, read into one: ISO 8601 in UTC with "Z"."""

from __future__ import annotations

import re
from datetime import datetime, timezone, timedelta
from typing import Optional

# The visible dates ("21:17 18.11.2019") carry no zone; the saved real page shows them in
# UTC (its pubdate meta is 2019-11-18T21:17:27Z), so UTC is assumed for them.
_VISIBLE = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})\s+(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4})")
_COMPACT = re.compile(r"^(\d{8})T(\d{4})(\d{2})?([+-]\d{4}|Z)?$")


def format_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> Optional[datetime]:
    text = text.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # "+0800" is not accepted by fromisoformat on every version: make it "+08:00".
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_compact(text: str) -> Optional[datetime]:
    """The current layout's meta form: 20260729T1319+0800."""
    match = _COMPACT.match(text.strip())
    if not match:
        return None
    day, hhmm, seconds, zone = match.groups()
    stamp = f"{day}T{hhmm}{seconds or '00'}"
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%S")
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        return moment.replace(tzinfo=timezone(offset))
    return moment.replace(tzinfo=timezone.utc)


def parse_unix(text: str) -> Optional[datetime]:
    try:
        value = int(float(text.strip()))
    except ValueError:
        return None
    if value > 10**11:  # milliseconds
        value //= 1000
    return datetime.fromtimestamp(value, tz=timezone.utc)


def parse_visible(text: str) -> Optional[datetime]:
    """"21:17 18.11.2019" or "(updated: 14:02 29.07.2026)"."""
    match = _VISIBLE.search(text)
    if not match:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items()}
    try:
        return datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["m"], tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_any(text: Optional[str]) -> Optional[str]:
    """The first form that reads the text, as UTC ISO with "Z"; None when none does."""
    if not text:
        return None
    for reader in (parse_compact, parse_iso, parse_visible):
        moment = reader(text)
        if moment is not None:
            return format_utc(moment)
    if text.strip().isdigit():
        moment = parse_unix(text)
        return format_utc(moment) if moment else None
    return None
