"""The /asia/ section index and its "load more" fragments (current layout)."""

from __future__ import annotations

from typing import Optional

from .model import IndexEntry
from .render_common import ASIA_DESCRIPTION, CURRENT_FOOTER, CURRENT_HEADER, unix
from .text import attr, esc

LIST_IMAGE = "https://cdn1.img.sputnikglobe.com/i/placeholder-list.png"


def more_url(last: IndexEntry) -> str:
    """Path+query of the fragment that follows a page ending with `last`."""
    return f"/services/asia/more.html?id={last.article_id}&date={last.published:%Y%m%dT%H%M%S}"


def _item(entry: IndexEntry) -> str:
    href = esc(entry.href)
    title = attr(entry.title)
    return (
        f'<div class="list__item"><div class="list__image"><a href="{href}" title="{title}"><img src="{LIST_IMAGE}" '
        f'alt="{title}"></a></div><div class="list__content"><a href="{href}" class="list__title" title="{title}">'
        f'{entry.title}</a><div class="list__info"><div class="list__date " data-unixtime="{unix(entry.published)}">'
        f'{entry.published:%H:%M} GMT {entry.published:%d.%m.%Y}</div></div></div></div>'
    )


def render_index_page(entries: list[IndexEntry], next_url: Optional[str]) -> str:
    items = "".join(_item(e) for e in entries)
    more = f'<div class="list__more" data-url="{esc(next_url)}">Load more</div>' if next_url else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Asia &amp; Pacific - Sputnik International</title>'
        f'<meta name="description" content="{ASIA_DESCRIPTION}"><link rel="canonical" href="https://sputnikglobe.com/asia/">'
        '<link rel="alternate" href="/export/rss2/asia/index.xml" title="RSS" type="application/rss+xml"></head>'
        f'<body class="body">{CURRENT_HEADER}<div class="layout"><div class="section"><div class="section__head">'
        f'<h1 class="section__title">Asia &amp; Pacific</h1><div class="section__description">{ASIA_DESCRIPTION}</div></div>'
        f'<div class="list list-tag" data-section="asia">{items}</div>{more}</div></div>{CURRENT_FOOTER}</body></html>\n'
    )


def render_fragment(entries: list[IndexEntry], next_url: Optional[str]) -> str:
    """Plain HTML, no page around it; the last fragment's marker has no data-next-url."""
    items = "".join(_item(e) for e in entries)
    marker = f'<div class="list-items-loaded" data-next-url="{esc(next_url)}"></div>' if next_url else '<div class="list-items-loaded"></div>'
    return f"{items}{marker}\n"
