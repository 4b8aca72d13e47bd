"""Current-layout article pages (sputnikglobe.com, Oct 2021 on) and AMP copies.

Markup as docs/MIRROR-CONTRACT.md. Reads only the Article record; never the
expected values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from . import urls
from .model import Article, Block, Photo
from .render_common import (
    CURRENT_FOOTER, CURRENT_HEADER, compact, hm_dmy, iso_z, local, optional, section_name, unix,
)
from .text import attr, clean, esc, slugify

# Shown when an article has no photo of its own: og:image is never the lead photo.
DEFAULT_OG_IMAGE = "https://cdn1.img.sputnikglobe.com/i/logo/logo-social.png"
CARD_IMAGE = "https://cdn1.img.sputnikglobe.com/i/placeholder-card.png"


def description(article: Article) -> str:
    """meta description: the lead, or (no lead) the start of the body, as real sites do."""
    if article.lead:
        return attr(article.lead)
    first = next((b.text for b in article.blocks if b.kind == "p"), "")
    return esc(clean(first)[:160])


def _media(photo: Photo, img_tag: str = "img", inside: str = "") -> str:
    """div.media with the photo and its credit; `inside` goes last (a visible caption in body media blocks)."""
    close = f"</{img_tag}>" if img_tag != "img" else ""
    extra = ' width="1920" height="1080" layout="responsive"' if img_tag != "img" else ""
    return (
        f'<div class="media" data-media-type="ar16x9"><div class="media__size"><{img_tag} src="{esc(photo.url)}" '
        f'alt="{attr(photo.caption)}" title="{attr(photo.caption)}"{extra}>{close}</div><div class="media__copyright">'
        f'<div class="media__copyright-item">{photo.credit}</div></div>{inside}</div>'
    )


def _card(block: Block) -> str:
    return (
        '<div class="article__block" data-type="article"><div class="article__article m-image">'
        f'<a href="{esc(block.href)}" class="article__article-link" title="{attr(block.text)}">'
        f'<div class="article__article-image"><img src="{CARD_IMAGE}" alt=""></div>'
        f'<div class="article__article-desc"><div class="article__article-title">{block.text}</div></div></a></div></div>'
    )


# Furniture blocks of the kinds SPUTNIK-MARKUP.md names (Block.form), with their junk text.
_FURNITURE = {
    "banner": '<div class="article__block" data-type="banner"><div class="banner"><div class="banner__label">{}</div></div></div>',
    "photolenta": ('<div class="article__block" data-type="photolenta"><div class="photolenta"><div class="photolenta__title">'
                   '{}</div><div class="photolenta__counter">1 / 12</div></div></div>'),
    "tags": '<div class="article__block" data-type="tags"><div class="article__tags"><a class="article__tags-link" href="/tags/">{}</a></div></div>',
    "summary": ('<div class="article__summary"><div class="article__summary-title">Summary</div><ul class="article__summary-list">'
                '<li>{}</li></ul></div>'),
}


def unknown_kind_block(kind: str, text: str) -> str:
    """A block of a kind the parsers do not know, holding text a reader sees."""
    return f'<div class="article__block" data-type="{esc(kind)}"><div class="article__{esc(kind)}"><p>{text}</p></div></div>'


def body_block(block: Block, img_tag: str = "img") -> str:
    kind = block.kind
    if kind == "p":
        if block.form.startswith("kind:"):
            return unknown_kind_block(block.form[len("kind:"):], block.text)
        return f'<div class="article__block" data-type="text"><div class="article__text">{block.text}</div></div>'
    if kind in ("h2", "h3", "h4"):
        heading = f'<{kind} class="article__h2">{block.text}</{kind}>'
        return f'<div class="article__block" data-type="{kind}">{heading}</div>' if block.form == "block" else heading
    if kind == "quote":
        if block.form == "vrez":
            return f'<div class="article__block" data-type="vrez"><div class="article__vrez"><p>{block.text}</p></div></div>'
        return ('<div class="article__block" data-type="quote"><div class="article__quote"><div class="article__quote-bg">'
                f'</div><div class="article__quote-text">{block.text}</div></div></div>')
    if kind == "list":
        items = "".join(f"<li>{item}</li>" for item in block.items)
        return f'<div class="article__block" data-type="list"><ul class="article__list">{items}</ul></div>'
    if kind == "furniture":
        return _FURNITURE[block.form].format(block.text)
    if kind == "read_more":
        return _card(block)
    if kind == "media":
        assert block.photo is not None
        caption = f'<div class="media__title">{block.photo.caption}</div>'
        return f'<div class="article__block" data-type="media">{_media(block.photo, img_tag, caption)}</div>'
    if kind == "widget":
        return ('<div class="article__block" data-type="widget"><div class="article__widget"><div class="article__widget-title">'
                f'{block.text}</div><a class="article__widget-btn" href="https://t.me/sputnik_int">Subscribe</a></div></div>')
    raise ValueError(kind)


def _meta_block(article: Article) -> str:
    creators = "".join(
        f'<div itemprop="creator" itemscope="" itemtype="http://schema.org/Person"><div itemprop="name">{esc(name)}</div></div>'
        for name in article.authors
    )
    if article.date_markup == "zoneless":  # as the ria.ru page: the site's clock, no zone
        published = f'<div itemprop="datePublished">{local(article.published, article.utc_offset):%Y-%m-%dT%H:%M}</div>'
    else:
        published = optional(int(article.id) % 3, f'<div itemprop="datePublished">{iso_z(article.published)}</div>')
    return f'<div class="article__meta" itemscope="" itemtype="https://schema.org/Article">{published}{creators}</div>'


def _shown_dates(article: Article) -> str:
    """div.article__info-date: the visible publication time (a link to its day) and the updated
    time, as the article's date_markup writes them."""
    markup = article.date_markup
    shown_offset = 0 if markup == "modified-unixtime" else article.utc_offset  # that variant shows GMT
    when = local(article.published, shown_offset)
    unixtime = "" if markup == "zoneless" else f' data-unixtime="{unix(article.published)}"'
    updated = ""
    if article.modified:
        changed = local(article.modified, 0 if markup == "gmt-label" else shown_offset)
        shown = f"{changed:%H:%M} GMT {changed:%d.%m.%Y}" if markup == "gmt-label" else hm_dmy(changed)
        own = f' data-unixtime="{unix(article.modified)}"' if markup == "modified-unixtime" else ""
        updated = f'<span class="article__info-date-modified"{own}>(updated: {shown})</span>'
    return (f'<div class="article__info-date"><a href="/{when:%Y%m%d}/" class=""{unixtime}>{hm_dmy(when)}</a>'
            f'{updated}</div>')


def _header(article: Article, img_tag: str) -> str:
    lead = optional(article.lead, f'<div class="article__announce-text">{article.lead}</div>')
    image = optional(article.image, f'<div class="article__announce">{_media(article.image, img_tag) if article.image else ""}</div>')
    return (
        f'<div class="article__header"><h1 class="article__title">{article.title}</h1>{lead}'
        f'<div class="article__info">{_shown_dates(article)}</div>{image}</div>'
    )


def _footer(article: Article) -> str:
    tags = "".join(
        f'<li class="tag" data-sid="{slugify(tag, 4)}"><a href="/keyword_{slugify(tag, 4).replace("-", "_")}/" '
        f'class="tag__text">{tag}</a></li>'
        for tag in article.tags
    )
    return f'<div class="article__footer"><ul class="tags m-noButton">{tags}</ul></div>'


def _meta_time(article: Article, when: Optional[datetime]) -> str:
    """article:*_time: compact with the offset; without one in the "zoneless" variant (ria.ru's `20220611T0924`)."""
    if when is None:
        return ""
    if article.date_markup == "zoneless":
        return f"{local(when, article.utc_offset):%Y%m%dT%H%M}"
    return compact(when, article.utc_offset)


def _head(article: Article, extra: str) -> str:
    title = attr(article.title)
    keywords = ", ".join(attr(t) for t in article.tags)
    og_image = article.image.url if article.image else DEFAULT_OG_IMAGE
    modified = optional(article.modified and article.date_markup in ("standard", "zoneless"),
                        f'<meta property="article:modified_time" content="{_meta_time(article, article.modified)}">')
    return (
        f'<head><meta charset="utf-8"><title>{title} - Sputnik International</title>'
        f'<meta name="description" content="{description(article)}"><meta name="keywords" content="{keywords}">'
        f'<meta property="og:title" content="{title}"><meta property="og:description" content="{description(article)}">'
        f'<meta property="og:image" content="{esc(og_image)}"><meta property="og:url" content="{article.canonical}">'
        '<meta property="og:locale" content="en_US"><meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{_meta_time(article, article.published)}">{modified}'
        f'{optional(article.date_markup == "zoneless", f"""<meta name="analytics:p_ts" content="{unix(article.published)}">""")}'
        f'<meta property="article:section" content="{section_name(article.section)}">'
        f'<link rel="canonical" href="{article.canonical}">{extra}</head>'
    )


def render_current(article: Article) -> str:
    amp = optional(article.has_amp, f'<link rel="amphtml" href="{urls.CURRENT_HOST}{urls.amp_path(article.path)}">')
    print_link = optional(article.has_print, f'<a class="article__print" href="{urls.print_path(article.path)}">Print</a>')
    body = "".join(body_block(b) for b in article.blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="en">{_head(article, amp)}<body class="body">{CURRENT_HEADER}'
        f'<div class="layout"><div class="article" data-id="{article.id}">{_meta_block(article)}{_header(article, "img")}'
        f'<div class="article__body">{body}</div>{_footer(article)}{print_link}</div></div>{CURRENT_FOOTER}</body></html>\n'
    )


def render_amp(article: Article) -> str:
    """AMP copy of an article of either layout: current classes, amp-img, ISO pubdate/lastmod metas too."""
    iso_dates = f'<meta name="pubdate" content="{iso_z(article.published)}">' + optional(
        article.modified, f'<meta name="lastmod" content="{iso_z(article.modified) if article.modified else ""}">')
    head = _head(article, iso_dates + '<script async src="https://cdn.ampproject.org/v0.js"></script>')
    body = "".join(body_block(b, "amp-img") for b in article.blocks)
    return (
        f'<!doctype html>\n<html amp lang="en">{head}<body><div class="article" data-id="{article.id}">{_meta_block(article)}'
        f'{_header(article, "amp-img")}<div class="article__body">{body}</div>{_footer(article)}</div></body></html>\n'
    )

