"""robots.txt, sitemaps and error pages."""

from __future__ import annotations

from collections import defaultdict

from .model import Article
from .render_common import iso_z
from .text import esc

SITEMAP_INDEX_PATH = "/sitemap_article_index.xml"


def render_robots(blocks_services: bool) -> str:
    services = "Disallow: /services/\n" if blocks_services else ""
    return (
        "User-agent: *\n"
        "Disallow: /search/\n"
        f"{services}"
        "Disallow: /cms/\n"
        "Disallow: /*-print.html$\n"
        "\n"
        f"Sitemap: https://sputnikglobe.com{SITEMAP_INDEX_PATH}\n"
    )


def day_sitemap_path(day: str) -> str:
    return f"/sitemap_article.xml?date_start={day}&date_end={day}"


def group_by_day(articles: list[Article]) -> dict[str, list[Article]]:
    """UTC publication day -> articles, newest day first, newest article first."""
    days: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        days[f"{article.published:%Y%m%d}"].append(article)
    return {d: sorted(days[d], key=lambda a: (a.published, a.id), reverse=True) for d in sorted(days, reverse=True)}


def render_sitemap_index(days: list[str]) -> str:
    items = "".join(f"<sitemap><loc>https://sputnikglobe.com{esc(day_sitemap_path(d))}</loc></sitemap>\n" for d in days)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</sitemapindex>\n")


def render_day_sitemap(articles: list[Article]) -> str:
    items = "".join(
        f"<url><loc>{a.canonical}</loc><lastmod>{iso_z(a.modified or a.published)}</lastmod></url>\n" for a in articles
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</urlset>\n")


def render_error(status: int) -> str:
    message = {404: "Page not found", 500: "Internal Server Error"}.get(status, "Error")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{status} - Sputnik International</title>'
            f'</head><body><h1 class="error__title">{message}</h1><a href="/">Home</a></body></html>\n')
