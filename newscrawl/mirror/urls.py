"""URL shapes of the site, and the query clean-up the server applies.

Canonical host rule (documented in docs/MIRROR-CONTRACT.md): an article in the
legacy layout (legacy or 2016 path) is canonical on https://sputniknews.com, one in
the current layout on https://sputnikglobe.com; https, no www, no query, no fragment.
A link keeps its own form: a 2016-form link is that URL, whatever the site does with it.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

CURRENT_HOST = "https://sputnikglobe.com"
LEGACY_HOST = "https://sputniknews.com"

_TRACKING_PREFIXES = ("utm_", "at_")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "yclid", "_openstat"})


def current_path(when: datetime, slug: str, article_id: str) -> str:
    return f"/{when:%Y%m%d}/{slug}-{article_id}.html"


def legacy_path(section: str, when: datetime, article_id: str, slug: str) -> str:
    return f"/{section}/{when:%Y%m%d}{article_id}-{slug}/"


_OLD_2016 = re.compile(r"^/[a-z0-9_-]+/\d{8}/\d{10}/[^/]*\.html$")


def old_2016_path(section: str, when: datetime, article_id: str, slug: str) -> str:
    """The pre-2017 shape: it 301-redirects to the legacy path, or (an article the site still
    serves there) answers itself, its legacy-form path being a 404."""
    return f"/{section}/{when:%Y%m%d}/{article_id}/{slug}.html"


def is_old_2016_path(path: str) -> bool:
    return _OLD_2016.match(path) is not None


def amp_path(path: str) -> str:
    return "/amp" + path


def print_path(path: str) -> str:
    """`/x/slug-1.html` -> `/x/slug-1-print.html` (current layout only)."""
    return path[: -len(".html")] + "-print.html"


def canonical_for_path(path: str) -> str:
    """Canonical absolute URL of an article path, by the host rule above."""
    host = CURRENT_HOST if path.endswith(".html") and not is_old_2016_path(path) else LEGACY_HOST
    return host + path


def link_url(href: str, target_canonical: str) -> str:
    """The URL a link to a mirror article names, in the canonical spelling: the target's
    canonical URL, unless the link is written in the 2016 form, which it keeps."""
    path = urlsplit(href).path
    return canonical_for_path(path) if is_old_2016_path(path) else target_canonical


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
