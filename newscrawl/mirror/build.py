"""Writes one edition of the mirror: pages, routes.json and manifest.json.

Pages live under out_dir/site/ at their URL path (`/x/` -> `x/index.html`);
routes with a query string get a hashed file name under site/_q/.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from . import urls
from .corpus.real import HOMEPAGE_EXCERPT_FILE, HOMEPAGE_EXCERPT_PATH, REAL_ARTICLE_FILE
from .expected import expected_item, hops, unknown_blocks
from .fresh import as_utc
from .generate import PAGE_SIZE, generate_site
from .model import Article, IndexEntry, Site
from .render_current import render_amp, render_current
from .render_index import more_url, render_fragment, render_index_page
from .render_legacy import render_legacy
from .render_scripted import scripted_files, scripted_manifest
from .render_misc import (
    SITEMAP_INDEX_PATH, day_sitemap_path, group_by_day, render_day_sitemap, render_error, render_robots,
    render_sitemap_index,
)

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
INDEX_PATH = "/asia/"


class _Output:
    """Writes files under out_dir/site and records their routes."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.routes: dict[str, dict[str, Any]] = {}
        self._made_dirs: set[str] = set()

    def _file_for(self, route: str, ctype: str) -> str:
        path, query = urls.split_target(route)
        if query:
            ext = ".xml" if ctype == XML else ".html"
            return f"site/_q/{hashlib.sha1(route.encode()).hexdigest()[:20]}{ext}"
        return "site" + (path + "index.html" if path.endswith("/") else path)

    def add(self, route: str, content: str | bytes, ctype: str = HTML, status: int = 200) -> None:
        assert route not in self.routes, route
        rel = self._file_for(route, ctype)
        full = os.path.join(self.out_dir, rel)
        folder = os.path.dirname(full)
        if folder not in self._made_dirs:
            os.makedirs(folder, exist_ok=True)
            self._made_dirs.add(folder)
        with open(full, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
        self.routes[route] = {"file": rel, "status": status, "type": ctype}

    def redirect(self, route: str, location: str) -> None:
        self.routes[route] = {"file": None, "status": 301, "location": location, "type": HTML}


def _pages(entries: list[IndexEntry]) -> list[list[IndexEntry]]:
    return [entries[i:i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)]


def _write_index(out: _Output, site: Site) -> list[dict[str, Any]]:
    """/asia/ then its fragments; returns [{route, next_url, entries}] for the manifest and golden files."""
    pages = _pages(site.index)
    routes = [INDEX_PATH] + [more_url(page[-1]) for page in pages[:-1]]
    info = []
    for i, page in enumerate(pages):
        next_url: Optional[str] = routes[i + 1] if i + 1 < len(pages) else None
        html = render_index_page(page, next_url) if i == 0 else render_fragment(page, next_url)
        out.add(routes[i], html)
        info.append({"route": routes[i], "next_url": next_url, "entries": page})
    return info


def _write_article(out: _Output, article: Article) -> None:
    if article.layout == "real":
        out.add(article.path, REAL_ARTICLE_FILE.read_bytes())
        return
    scripted = scripted_files(article)
    if scripted is not None:  # a script-built page and the data its script loads (render_scripted.py)
        for route, content, ctype in scripted:
            out.add(route, content, ctype)
        return
    html = render_current(article) if article.layout == "current" else render_legacy(article)
    out.add(article.path, html)
    if article.has_amp:
        out.add(urls.amp_path(article.path), render_amp(article))
    if article.has_print:
        out.add(urls.print_path(article.path), html)  # print copy: same page, canonical to the main URL


def _write_sitemaps(out: _Output, site: Site) -> None:
    days = group_by_day(list(site.articles.values()))
    out.add(SITEMAP_INDEX_PATH, render_sitemap_index(list(days)), XML)
    for day, articles in days.items():
        out.add(day_sitemap_path(day), render_day_sitemap(articles), XML)


def _manifest(site: Site, index_info: list[dict[str, Any]], routes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    index_ids = [e.article_id for e in site.index]
    asia_ids = list(dict.fromkeys(i for i in index_ids if i in site.articles))
    distance = hops(site, asia_ids)
    articles = {}
    for article in site.articles.values():
        articles[article.id] = {
            "url": article.canonical,
            "paths": article.served_paths,
            "layout": article.layout,
            "section": article.section,
            "hops": distance[article.id],
            "roles": sorted(article.roles),
            "expected": expected_item(article, site.articles),
        }
        unknown = unknown_blocks(article)
        if unknown:  # blocks of kinds the parsers do not know: kind -> blocks (the crawl counts them)
            articles[article.id]["unknown_blocks"] = unknown
    failing: dict[str, list[str]] = {"404": [], "500": []}
    for item in site.failing:
        failing[str(item.status)].append(urls.canonical_for_path(item.path))
    return {
        "edition": site.edition, "n_asia": site.n_asia, "seed": site.seed,
        "index_ids": index_ids,
        "asia_ids": asia_ids,
        "failing": failing,
        "redirects": dict(site.redirects),
        "articles": articles,
        "read_more": {a.id: [b.href for b in a.read_more] for a in site.articles.values() if a.read_more},
        "duplicates": {"same_text": [list(p) for p in site.same_text], "near": [list(p) for p in site.near]},
        "changed_in_edition": {"2": list(site.changed)},
        "new_in_edition": {"2": list(site.new)},
        # extras beyond the brief, handy for tests and benchmarks
        "index_pages": [page["route"] for page in index_info],
        "page_size": PAGE_SIZE,
        "missing_read_more": list(site.missing_links),
        "extra_pages": {HOMEPAGE_EXCERPT_PATH: "real homepage excerpt (not linked)"},
        "counts": {
            "articles": len(articles), "asia_ids": len(asia_ids), "index_pages": len(index_info),
            "routes": len(routes), "pages_200": sum(1 for r in routes.values() if r["status"] == 200),
        },
    }


def build_mirror(out_dir: Path, n_asia: int = 200, edition: int = 1, seed: int = 1,
                 robots_blocks_services: bool = False, now: Optional[datetime] = None,
                 scripted: bool = False) -> dict[str, Any]:
    """Write the whole site into out_dir (plus manifest.json and routes.json); return the manifest.

    `now`: the edition-2 changes become the news of the day before it (see fresh.py).
    `scripted`: add the script-built pages of render_scripted.py (a browser shows their text)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    site = generate_site(n_asia, edition=edition, seed=seed, now=now, scripted=scripted)
    out = _Output(out_dir)
    out.add("/robots.txt", render_robots(robots_blocks_services), TEXT)
    index_info = _write_index(out, site)
    for article in site.articles.values():
        _write_article(out, article)
    for item in site.failing:
        out.add(item.path, render_error(item.status), status=item.status)
    for source, target in site.redirects.items():
        out.redirect(source, target)
    _write_sitemaps(out, site)
    out.add(HOMEPAGE_EXCERPT_PATH, HOMEPAGE_EXCERPT_FILE.read_bytes())
    manifest = _manifest(site, index_info, out.routes)
    if now is not None:  # only then, so a build without it stays byte-identical
        manifest["now"] = as_utc(now).strftime("%Y-%m-%dT%H:%M:%SZ")
    if scripted:
        manifest["scripted"] = scripted_manifest(site)
    (out_dir / "routes.json").write_text(json.dumps(out.routes, ensure_ascii=False, indent=0), encoding="utf-8")
    # no indent: the C encoder keeps a 20,000-article manifest to about a second
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest
