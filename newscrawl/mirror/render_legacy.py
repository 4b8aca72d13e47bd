"""Legacy-layout article pages (sputniknews.com, 2015 to mid-2021).

Modelled on the real page corpus/real/sputnik-legacy-article-1077343476.html (trimmed
of scripts and ads). Reads only the Article record; never the expected values.
"""

from __future__ import annotations

from . import urls
from .model import Article, Block
from .render_common import (
    LEGACY_ASIA_BANNER, LEGACY_COMMENTS, LEGACY_FOOTER, LEGACY_NAV, LEGACY_SIDEBAR, iso_z, optional, section_name, unix,
)
from .render_current import description
from .text import attr, esc, slugify


# Inline card image: the card shows the target's photo; any picture will do here.
INJECT_IMAGE = "https://cdn1.img.sputniknews.com/images/107917/23/1079172301.jpg"


def _inline_card(block: Block) -> str:
    """A related-article card inside the body, as a real 2020 page of this layout shows one."""
    href = esc(block.href)
    return (
        f'<div class="b-inject m-inject-min"><div class="b-inject__media"><a href="{href}"><img src="{INJECT_IMAGE}" '
        f'alt="{attr(block.text)}"></a></div><div class="b-inject__copy">© Sputnik / Vladimir Astapkovich</div>'
        f'<div class="b-inject__content"><a href="{href}">{block.text}</a></div></div>'
    )


def _inject_media(block: Block) -> str:
    """Media inside the body (b-inject video embed, audio): a title and a link, never a READ MORE."""
    assert block.photo is not None
    photo = block.photo
    if block.form == "videoembed":
        return (f'<div class="b-inject m-inject-videoembed"><div class="b-inject__media"><iframe src="{esc(photo.url)}" '
                f'allowfullscreen></iframe></div><div class="b-inject__content"><a href="{esc(photo.url)}">{photo.caption}</a>'
                f'</div><div class="b-inject__copy">{photo.credit}</div></div>')
    if block.form == "audio":
        return (f'<div class="b-inject b-inject__audio"><audio src="{esc(photo.url)}" controls></audio>'
                f'<div class="b-inject__audio-title"><a href="{esc(photo.url)}">{photo.caption}</a></div></div>')
    raise ValueError(f"no legacy markup for media {block.form!r}")


def _body_block(block: Block) -> str:
    if block.kind == "p":
        return f"<p>{block.text}</p>"
    if block.kind == "quote":
        return f'<blockquote class="marker-quote1">{block.text}</blockquote>'
    if block.kind == "read_more":
        if block.form == "inject":
            return _inline_card(block)
        if block.form == "inject-wrapped":
            return f'<div class="b-article__inject">{_inline_card(block)}</div>'
        return f'<p><strong>READ MORE: <a href="{esc(block.href)}">{block.text}</a></strong></p>'
    if block.kind == "media":
        return _inject_media(block)
    raise ValueError(f"no legacy markup for {block.kind}")


def _credit(credit: str) -> str:
    """The real page splits '©' from the rest with newlines and indentation."""
    rest = credit[1:].strip() if credit.startswith("©") else credit
    return f'<div class="b-article__header-copy"><span><span>\n                        ©\n                    {rest}</span></span></div>'


def _authors(article: Article) -> str:
    if not article.authors:
        return ""
    links = ", ".join(f'<a rel="author" href="/authors/{slugify(a).replace("-", "_")}/">{esc(a)}</a>' for a in article.authors)
    return f'<div class="b-article__refs-author">by {links}</div>'


def _head(article: Article) -> str:
    title = attr(article.title)
    desc = description(article)
    modified = article.modified or article.published
    by = optional(article.authors, f'<meta name="analytics:author" content="{esc(", ".join(article.authors))}. Sputnik International">'
                                    f'<meta name="author" content="{esc(", ".join(article.authors))}. Sputnik International">')
    amp = optional(article.has_amp, f'<link rel="amphtml" href="{urls.LEGACY_HOST}{urls.amp_path(article.path)}">')
    return (
        f'<head><meta charset="utf-8"><title>{title} - Sputnik International</title><meta http-equiv="X-UA-Compatible" content="IE=edge">'
        f'<meta name="description" content="{desc}"><meta name="robots" content="all">'
        f'<meta name="analytics:site_domain" content="sputniknews.com"><meta name="analytics:article_id" content="{article.id}">'
        f'<meta name="analytics:p_ts" content="{unix(article.published)}">{by}'
        f'<meta name="analytics:rubric" content="{article.section}"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="alternate" href="{article.canonical}" hreflang="en">{amp}<link rel="canonical" href="{article.canonical}">'
        f'<meta property="og:title" content="{title}"><meta property="og:url" content="{article.canonical}">'
        f'<meta property="og:type" content="website"><meta property="og:description" content="{desc}">'
        f'<meta property="og:image" content="https://sputniknews.com/sharing_snippet/{article.id}.png?{unix(article.published)}">'
        f'<meta name="twitter:card" content="summary_large_image"><meta name="twitter:site" content="@SputnikInt">'
        f'<meta name="twitter:title" content="{title}"><meta name="twitter:description" content="{desc}">'
        '<link rel="alternate" href="/export/rss2/archive/index.xml" title="RSS" type="application/rss+xml">'
        f'<meta content="{iso_z(modified)}" http-equiv="last-modified"><meta content="{iso_z(modified)}" itemprop="dateModified" '
        f'name="lastmod"><meta content="{iso_z(article.published)}" itemprop="datePublished" name="pubdate">'
        f'<meta content="{iso_z(article.published)}" itemprop="dateCreated">'
        f'<link rel="alternate" href="/export/rss2/{article.section}/index.xml" title="RSS" type="application/rss+xml">'
        '<meta name="url_type" content="usual"></head>'
    )


def render_legacy(article: Article) -> str:
    photo = article.image
    img = optional(photo, f'<img src="{esc(photo.url)}" width="1000" height="541" alt="{attr(photo.caption)}" '
                          f'title="{attr(photo.caption)}" class="" itemprop="associatedMedia">' if photo else "")
    credit = _credit(photo.credit) if photo else ""
    lightbox = optional(photo, '<div class="b-article__photo-lightbox" style="display: none;"><span class="b-article__photo-'
                               f'lightbox-title">{photo.caption if photo else ""} - Sputnik International</span></div>')
    lead = optional(article.lead, f'<div itemprop="description" class="b-article__lead"><p>{article.lead}</p></div>')
    body = "\n".join(_body_block(b) for b in article.blocks)
    disclaimer = optional(article.disclaimer, f'<p class="b-disclaimer">\n            \n                {article.disclaimer}\n'
                                              '            \n        </p>')
    when = article.published
    return (
        f'<html lang="en" class="responsive" itemscope="" itemtype="http://schema.org/Article">{_head(article)}'
        f'<body class="site_int lang_eng"><div class="page_container m-relative">{LEGACY_NAV}'
        f'{optional(article.section == "asia", LEGACY_ASIA_BANNER)}'
        f'<div class="l-wrap"><div class="b-header"><a class="b-header__logo" href="/"></a><div class="b-article__header">{img}'
        f'<div class="b-article__header-title "><h1 itemprop="name">{article.title}</h1></div>{credit}</div></div></div>'
        '<div class="l-main m-oh"><div class="l-wrap m-clear"><div class="l-maincolumn m-static"><div class="b-article">'
        f'<div class="b-article__refs-text "><a class="b-article__refs-rubric" href="/{article.section}/" '
        f'itemprop="articleSection">{section_name(article.section)}</a><div class="b-article__refs-credits">'
        f'<time class="b-article__refs-date" itemprop="dateCreated" datetime="{when:%Y-%m-%dT%H:%M}">{when:%H:%M %d.%m.%Y}</time>'
        f'<span data-article="{article.id}" id="getShortUrl" class="b-article__refs-getshorturl">Get short URL</span></div>'
        f'{_authors(article)}<div class="b-counters "><a href="{article.path}#comments" class="b-counters-icon '
        'b-counters-icon_comments"><i></i>0</a></div></div>'
        '<div class="article__google-news"><span class="google-news-title">Subscribe</span><a class="article__google-link" '
        'href="https://news.google.com/publications/CAAqBwgKML3LhAsw1biBAw" target="_blank" rel="nofollow noopener" '
        f'title="Google News"></a></div>{lead}'
        f'<div itemprop="articleBody" class="b-article__text">{body}{disclaimer}</div>'
        f'<div class="social-likes-pane m-clear" id="share"><div class="facebook" data-title="{attr(article.title)}" '
        f'title="Facebook"></div><div class="twitter" data-title="{attr(article.title)}" title="Twitter" data-via="SputnikInt">'
        f'</div></div>{lightbox}{LEGACY_COMMENTS}</div></div>{LEGACY_SIDEBAR}</div></div>'
        f'{LEGACY_FOOTER}</div></body></html>\n'
    )
