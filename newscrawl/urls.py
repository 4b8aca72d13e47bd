"""The site's URLs: which hosts are the site, what an article URL looks like, its identity.

Identity is the article id (`article_id_from_url`, `identity_key`): every URL of an article
(hosts, scheme, tracking parameters, trailing slash, AMP and print copies, the 2016 form) is
one article, fetched once. A link keeps its own URL, only normalised (`canonical_url`): no
rule maps one URL form to another that no real page or redirect shows (the 2016 form stays
the 2016 form; the site answers it, by the page or by a redirect). The stored `url` is the
page's own rel=canonical, as the page writes it (`request_url`).
"""

from __future__ import annotations

import ipaddress
import socket
import re
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SITE_HOSTS: frozenset[str] = frozenset(
    {"sputniknews.com", "www.sputniknews.com", "sputnikglobe.com", "www.sputnikglobe.com"}
)
CURRENT_HOST = "sputnikglobe.com"
LEGACY_HOST = "sputniknews.com"
LIVE_BASE_URL = f"https://{CURRENT_HOST}"

# Query parameters that only track the reader; they never change the page. `in` is the
# publishing system's own: its related-article cards link `...-1794703455.html?in=t`, while the
# same page's microdata (citation) and the card's share data-url name the article without it
# (the real ria.ru page in shared/real-pages).
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|yclid|dclid|msclkid|mc_[a-z]+|_openstat|at_[a-z_]+|ref|share|in)$",
    re.IGNORECASE,
)

# Current layout: /20231203/some-slug-1115353279.html
_CURRENT_ARTICLE = re.compile(r"^/(?P<date>\d{8})/(?:[^/]*-)?(?P<id>\d{8,})\.html$")
# Legacy layout: /asia/201806301066021398-us-south-korea-pressure/
_LEGACY_ARTICLE = re.compile(r"^/(?P<section>[a-z0-9_-]+)/(?P<date>\d{8})(?P<id>\d{10})-[^/]*/?$")
# Older legacy layout (2016): /asia/20160512/1039563745/slug.html
_OLD_ARTICLE = re.compile(r"^/(?P<section>[a-z0-9_-]+)/(?P<date>\d{8})/(?P<id>\d{10})/(?P<slug>[^/]*)\.html$")
_ARTICLE_PATTERNS = (_CURRENT_ARTICLE, _LEGACY_ARTICLE, _OLD_ARTICLE)


def is_site_host(host: Optional[str]) -> bool:
    return (host or "").lower().rstrip(".") in SITE_HOSTS


def is_public_host(host: Optional[str]) -> bool:
    """False for private, loopback and link-local addresses written as IP literals."""
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        try:
            # the forms browsers and resolvers also accept: 2130706433, 0x7f000001, 127.1
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return host not in {"localhost", "localhost.localdomain"} and not host.endswith(".localhost")
    return address.is_global


def _strip_copies(path: str) -> str:
    """AMP and print copies are the same article as the main page: the page itself names them
    (`link[rel=amphtml]`, robots.txt's `*-print.html`)."""
    if path.startswith("/amp/"):
        path = path[len("/amp") :]
    if path.endswith("-print.html"):
        path = path[: -len("-print.html")] + ".html"
    return path


def article_id_from_url(url: str) -> Optional[str]:
    """The site's numeric article id, or None when the URL is not an article's."""
    path = _strip_copies(urlsplit(url).path)
    for pattern in _ARTICLE_PATTERNS:
        match = pattern.match(path)
        if match:
            return match.group("id")
    return None


def section_from_url(url: str) -> Optional[str]:
    """The section slug a legacy URL carries; current URLs carry none."""
    path = _strip_copies(urlsplit(url).path)
    for pattern in (_LEGACY_ARTICLE, _OLD_ARTICLE):
        match = pattern.match(path)
        if match:
            return match.group("section")
    return None


def strip_tracking(query: str) -> str:
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    return urlencode(kept)


def canonical_url(url: str) -> str:
    """A link's URL, normalised and nothing guessed: https, no www, no tracking parameters, no
    fragment, the main page for an AMP or print copy, a legacy article path with its slash.
    Legacy-era article paths (the legacy and the 2016 form) are on sputniknews.com (their own
    rel=canonical says so), everything else on sputnikglobe.com. The path keeps its form: a
    2016 URL is not rewritten into the legacy form (the site was never seen to serve that)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    query = strip_tracking(parts.query)
    if is_site_host(host):
        path = _strip_copies(path)
        host = CURRENT_HOST
        if _LEGACY_ARTICLE.match(path):
            host = LEGACY_HOST
            if not path.endswith("/"):
                path += "/"
        elif _OLD_ARTICLE.match(path):
            host = LEGACY_HOST
        return urlunsplit(("https", host, path, query, ""))
    netloc = parts.netloc.lower()
    return urlunsplit((parts.scheme.lower() or "https", netloc, path, query, ""))


def request_url(url: str) -> str:
    """What to ask the site for: the URL as written, as the main page (not its AMP or print
    copy), without tracking parameters or fragment. A 2016 URL stays as written: the site
    serves it, or redirects it to where the article is now. A page's own rel=canonical is
    stored so too: as the page names it."""
    parts = urlsplit(url.strip())
    path = _strip_copies(parts.path or "/") if is_site_host(parts.hostname) else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, strip_tracking(parts.query), ""))


def identity_key(url: str) -> str:
    """What makes two URLs the same page: the article id when there is one."""
    article_id = article_id_from_url(url)
    if article_id and is_site_host(urlsplit(url).hostname):
        return f"article:{article_id}"
    return canonical_url(url)


def to_fetch_url(url: str, base_url: Optional[str]) -> str:
    """Where to fetch a site URL from: the live site, or a mirror standing in for it."""
    if not base_url:
        return url
    parts = urlsplit(url)
    if not is_site_host(parts.hostname):
        return url
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))


def to_site_url(url: str, base_url: Optional[str]) -> str:
    """The inverse of to_fetch_url: a mirror URL back on the real host."""
    if not base_url:
        return url
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if parts.netloc != base.netloc:
        return url
    return urlunsplit(("https", CURRENT_HOST, parts.path or "/", parts.query, ""))
