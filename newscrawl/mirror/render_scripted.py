"""Script-built pages: a live blog whose entries a script loads from JSON, and multimedia
pages whose text a script writes.

Their static HTML carries everything but the article text (head metadata, title, lead,
photos, READ MORE cards); a browser shows the text. They exist only in builds that ask for
them (`build_mirror(..., scripted=True)`), so the static mirror, its golden files and the
tests that read its pages without a browser stay as they are.

The records are ordinary `Article`s (their blocks are the text the script writes), so
expected.py computes their expected items like any other article's.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Optional

from .compose import Composer
from .model import Article, Block, Site
from .render_current import render_current
from .text import slugify

LIVE_BLOG = "scripted-live-blog"
MULTIMEDIA = "scripted-multimedia"
JSON_TYPE = "application/json; charset=utf-8"
TEXT_KINDS = frozenset({"p", "h2", "h3", "quote", "time"})  # what the scripts write; the rest is static
ENTRY_MINUTES = 25  # between two live-blog entries

UTC = timezone.utc
# id ~ date, on the line of the generated current-layout ids (11xxxxxxxx)
_ID_ORIGIN = (datetime(2023, 12, 3, tzinfo=UTC), 1_115_353_279)
_IDS_PER_DAY = 21_890


def live_blog_feed_path(article_id: str) -> str:
    """Where the live blog's script fetches its entries."""
    return f"/liveblog/{article_id}.json"


class _Scripted:
    """The four script-built articles: two on /asia/, one and two READ MORE hops off it."""

    def __init__(self, site: Site, used_ids: set[str], seed: int) -> None:
        self.site = site
        self.used = used_ids
        self.rng = random.Random(f"mirror:{seed}:scripted")  # its own stream: other pages are unchanged
        self.composer = Composer(self.rng)

    def new_id(self, when: datetime) -> str:
        days = (when - _ID_ORIGIN[0]).total_seconds() / 86400
        value = _ID_ORIGIN[1] + int(days * _IDS_PER_DAY) + self.rng.randint(0, 2000)
        while str(value) in self.used:
            value += 1
        self.used.add(str(value))
        return str(value)

    def base(self, section: str, when: datetime, role: str, title_prefix: str) -> Article:
        article = self.composer.article(self.new_id(when), section, "current", when, lead=True, image=True)
        article.title = f"{title_prefix}{article.title}"
        article.slug = slugify(article.title)
        article.roles = {role}
        return article

    def live_blog(self, section: str, when: datetime, heading_form: str) -> Article:
        """Entries (the time shown, a heading, one or two paragraphs), newest first; no dateline
        (the first block is a time). `heading_form` (Block.form): how the page writes an entry's
        time and heading, "header" (the entry's <header>) or "block" (a data-type="h3" block)."""
        article = self.base(section, when, LIVE_BLOG, "LIVE UPDATES: ")
        entries: list[tuple[str, list[str]]] = []
        for _ in range(self.rng.randint(3, 5)):
            slots = self.composer.slots(section, when)
            title = self.composer.title(slots)
            paragraphs = self.composer.paragraphs(slots, None)
            entries.append((title, paragraphs[: self.rng.randint(1, 2)]))
        article.modified = when + timedelta(minutes=ENTRY_MINUTES * len(entries))
        blocks: list[Block] = []
        for number, (title, paragraphs) in enumerate(entries):
            blocks.append(Block("time", entry_time(article, number).strftime("%H:%M GMT")))
            blocks.append(Block("h3", title, form=heading_form))
            blocks.extend(Block("p", text) for text in paragraphs)
        article.blocks, article.dateline = blocks, None
        return article

    def multimedia(self, section: str, when: datetime) -> Article:
        """A photo story: static photos, then the text (dateline and all) that a script writes."""
        article = self.base(section, when, MULTIMEDIA, "PHOTOS: ")
        slots = self.composer.slots(section, when)
        photos = [Block("media", photo=self.composer.photo(slots, article.id, "current")) for _ in range(2)]
        article.blocks = photos + article.blocks
        return article

    def link(self, source: Article, target: Article) -> None:
        source.blocks.append(Block("read_more", text=target.title, href=target.canonical, target=target.id))

    def build(self) -> list[str]:
        rng = self.rng
        listed_blog = self.live_blog("asia", datetime(2026, 6, 29, 6, rng.randint(0, 59), tzinfo=UTC), "header")
        listed_photos = self.multimedia("asia", datetime(2026, 6, 28, 9, rng.randint(0, 59), tzinfo=UTC))
        linked_photos = self.multimedia("world", datetime(2026, 5, 14, 11, rng.randint(0, 59), tzinfo=UTC))
        linked_blog = self.live_blog("asia", datetime(2026, 4, 2, 3, rng.randint(0, 59), tzinfo=UTC), "block")
        self.link(listed_blog, linked_photos)  # hop 1
        self.link(linked_photos, linked_blog)  # hop 2: reached only after the first rendering
        for article in (listed_blog, listed_photos, linked_photos, linked_blog):
            self.site.articles[article.id] = article
        return [listed_blog.id, listed_photos.id]


def entry_time(article: Article, number: int) -> datetime:
    """When a live blog's entry `number` (0: the newest, first) was posted."""
    return (article.modified or article.published) - timedelta(minutes=ENTRY_MINUTES * number)


def add_scripted_articles(site: Site, used_ids: set[str], seed: int) -> list[str]:
    """Adds the script-built articles to the site; returns the ids to list on /asia/."""
    return _Scripted(site, used_ids, seed).build()


# -- pages -------------------------------------------------------------------------------

def _script_json(value: object) -> str:
    """A value as a JS literal inside <script>: no '</' can close the element early."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _static_page(article: Article, in_body: str) -> str:
    """The current-layout page without its text blocks; `in_body` opens the article body."""
    shell = dataclasses.replace(article, blocks=[b for b in article.blocks if b.kind not in TEXT_KINDS])
    html = render_current(shell)
    marker = '<div class="article__body">'
    assert html.count(marker) == 1, article.id
    return html.replace(marker, marker + in_body, 1)


# Builds the entries with the markup of static text blocks, then replaces the placeholder.
# Each entry shows its time, then its heading: in the entry's <header> ("header"), or the time
# in a div and the heading in a block of its own (`data-type="h3"`, "block").
_LIVE_BLOG_SCRIPT = """<script>
(function () {
  var feed = document.querySelector('[data-feed]');
  fetch(feed.getAttribute('data-feed')).then(function (r) { return r.json(); }).then(function (data) {
    var html = '';
    data.entries.forEach(function (entry) {
      var time = '<time class="article__liveblog-time" datetime="' + entry.time + '">' + entry.shown + '</time>';
      html += '<div class="article__liveblog-entry" data-time="' + entry.time + '">';
      if (entry.form === 'header') {
        html += '<header class="article__liveblog-header">' + time
          + '<h3 class="article__liveblog-title">' + entry.title + '</h3></header>';
      } else {
        html += '<div class="article__liveblog-date">' + time + '</div>'
          + '<div class="article__block" data-type="h3"><h3 class="article__h2">' + entry.title + '</h3></div>';
      }
      entry.paragraphs.forEach(function (text) {
        html += '<div class="article__block" data-type="text"><div class="article__text">' + text + '</div></div>';
      });
      html += '</div>';
    });
    feed.outerHTML = '<div class="article__liveblog-entries">' + html + '</div>';
  });
})();
</script>"""

_MULTIMEDIA_SCRIPT = """<script>
(function () {
  var texts = %s;
  document.querySelector('.article__multimedia-text').innerHTML = texts.map(function (text) {
    return '<div class="article__block" data-type="text"><div class="article__text">' + text + '</div></div>';
  }).join('');
})();
</script>"""


def _entries(article: Article) -> list[dict[str, object]]:
    """Live blog entries in page order: each time opens one, its heading follows."""
    entries: list[dict[str, object]] = []
    for block in article.blocks:
        if block.kind == "time":
            when = entry_time(article, len(entries))
            entries.append({"time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "shown": block.text, "paragraphs": []})
        elif block.kind == "h3":
            entries[-1].update(title=block.text, form=block.form)
        elif block.kind in TEXT_KINDS:
            entries[-1]["paragraphs"].append(block.text)  # type: ignore[attr-defined]
    return entries


def scripted_files(article: Article) -> Optional[list[tuple[str, str, str]]]:
    """(route, content, content type) of a script-built article's page and data; None for other articles."""
    if LIVE_BLOG in article.roles:
        feed = live_blog_feed_path(article.id)
        placeholder = (f'<div class="article__liveblog" data-type="liveblog" data-feed="{feed}">'
                       "<noscript>Turn on JavaScript to follow the live blog.</noscript></div>")
        data = json.dumps({"id": article.id, "entries": _entries(article)}, ensure_ascii=False)
        return [(article.path, _static_page(article, placeholder + _LIVE_BLOG_SCRIPT), "text/html; charset=utf-8"),
                (feed, data, JSON_TYPE)]
    if MULTIMEDIA in article.roles:
        texts = [b.text for b in article.blocks if b.kind in TEXT_KINDS]
        script = _MULTIMEDIA_SCRIPT % _script_json(texts)
        return [(article.path, _static_page(article, '<div class="article__multimedia-text"></div>' + script),
                 "text/html; charset=utf-8")]
    return None


def scripted_manifest(site: Site) -> dict[str, dict[str, object]]:
    """manifest["scripted"]: {id: {kind, data (routes the page's script loads)}} (scripted builds only)."""
    found: dict[str, dict[str, object]] = {}
    for article in site.articles.values():
        if LIVE_BLOG in article.roles:
            found[article.id] = {"kind": "live-blog", "data": [live_blog_feed_path(article.id)]}
        elif MULTIMEDIA in article.roles:
            found[article.id] = {"kind": "multimedia", "data": []}
    return found
