"""URL shapes of the site, and the query clean-up the server applies.

Canonical host rule (documented in docs/MIRROR-CONTRACT.md): an article in the
legacy layout is canonical on https://sputniknews.com, one in the current
layout on https://sputnikglobe.com; https, no www, no query, no fragment.
"""

from __future__ import annotations

from datetime import datetime

CURRENT_HOST = "https://sputnikglobe.com"
LEGACY_HOST = "https://sputniknews.com"

_TRACKING_PREFIXES = ("utm_", "at_")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "yclid", "_openstat"})


def current_path(when: datetime, slug: str, article_id: str) -> str:
    return f"/{when:%Y%m%d}/{slug}-{article_id}.html"


def legacy_path(section: str, when: datetime, article_id: str, slug: str) -> str:
    return f"/{section}/{when:%Y%m%d}{article_id}-{slug}/"


def old_2016_path(section: str, when: datetime, article_id: str, slug: str) -> str:
    """The pre-2017 shape, which now 301-redirects to the legacy path."""
    return f"/{section}/{when:%Y%m%d}/{article_id}/{slug}.html"


def amp_path(path: str) -> str:
    return "/amp" + path


def print_path(path: str) -> str:
    """`/x/slug-1.html` -> `/x/slug-1-print.html` (current layout only)."""
    return path[: -len(".html")] + "-print.html"


def canonical_for_path(path: str) -> str:
    """Canonical absolute URL of an article path, by the host rule above."""
    host = CURRENT_HOST if path.endswith(".html") else LEGACY_HOST
    return host + path


def is_tracking_param(name: str) -> bool:
    return name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES)


def strip_tracking(query: str) -> str:
    """Drop tracking parameters from a raw query string, keeping the rest as written."""
    if not query:
        return ""
    kept = [part for part in query.split("&") if part and not is_tracking_param(part.split("=", 1)[0])]
    return "&".join(kept)


def split_target(target: str) -> tuple[str, str]:
    """'/a/b?x=1#f' -> ('/a/b', 'x=1'); the fragment never reaches a server anyway."""
    target = target.split("#", 1)[0]
    path, _, query = target.partition("?")
    return path, query


def join_target(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path
