"""Hostile pages for a built mirror: one article with a huge body, one with a huge number of
READ MORE cards (issue 14: bounded cost per page), and one whose text holds markup (issue 18:
a browser shows archived text escaped).

The first two are ordinary index articles of the current layout, rendered again by the
mirror's own templates with their own blocks first (so their own text and links stay as they
were) and then the extra blocks, made by the mirror's composer: paragraphs of its stock
sentences, cards linking to article URLs that the mirror does not serve (404). The manifest
keeps the two articles' expected items as they were and names them under "hostile".

The third (add_markup_article) is another such article whose title, lead, a paragraph, photo
caption and a tag quote HTML (`<script>`, `<img onerror>`), escaped in the page as a site
writes text about markup: its text holds the characters, and the manifest's expected item
says so.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional

from . import urls
from .compose import Composer
from .expected import expected_item
from .generate import generate_site
from .model import Article, Block, Photo, Site
from .render_current import render_current
from .text import esc, slugify

# ids above every id the generator gives (newscrawl.mirror.generate._CURRENT_ANCHORS)
_MISSING_IDS_FROM = 1_150_000_000


def _plain_current(site_articles: dict[str, Article], manifest: dict[str, Any]) -> list[Article]:
    """Index articles of the current layout with no job of their own, oldest first."""
    found = [site_articles[i] for i in manifest["asia_ids"]
             if not site_articles[i].roles and site_articles[i].layout == "current" and not site_articles[i].has_amp]
    return sorted(found, key=lambda a: (a.published, a.id))


def _site_of(manifest: dict[str, Any]) -> Site:
    """The site the manifest was built from (the same edition, seed and `now`)."""
    now: Optional[datetime] = datetime.fromisoformat(manifest["now"]) if manifest.get("now") else None
    return generate_site(manifest["n_asia"], edition=manifest["edition"], seed=manifest["seed"], now=now)


def paragraphs(composer: Composer, when: datetime, size: int) -> list[Block]:
    """Composer paragraphs (each group about another story, an hour earlier) until `size` characters."""
    blocks: list[Block] = []
    total = 0
    while total < size:
        for text in composer.paragraphs(composer.slots("asia", when), None):
            blocks.append(Block("p", text))
            total += len(text) + 2
        when -= timedelta(hours=1)
    return blocks


def missing_cards(composer: Composer, when: datetime, count: int) -> list[Block]:
    """READ MORE cards to `count` distinct article URLs that the mirror does not serve."""
    cards = []
    for n in range(count):
        published = when - timedelta(hours=n)
        title = composer.title(composer.slots("asia", published))
        path = urls.current_path(published, slugify(title), str(_MISSING_IDS_FROM + n))
        cards.append(Block("read_more", text=title, href=urls.canonical_for_path(path)))
    return cards


def add_hostile_pages(root: Path, body_bytes: int = 20_000_000, cards: int = 50_000) -> dict[str, str]:
    """Render two index articles of the mirror in `root` again as hostile pages; returns (and
    records in manifest.json under "hostile") {"huge_body": id, "many_cards": id}."""
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    site = _site_of(manifest)
    routes = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    huge, carded = _plain_current(site.articles, manifest)[:2]
    composer = Composer(random.Random(f"mirror:{manifest['seed']}:hostile"))
    pages = {
        "huge_body": replace(huge, blocks=huge.blocks + paragraphs(composer, huge.published, body_bytes)),
        "many_cards": replace(carded, blocks=carded.blocks + missing_cards(composer, carded.published, cards)),
    }
    for article in pages.values():
        (root / routes[article.path]["file"]).write_text(render_current(article), encoding="utf-8")
    hostile = {kind: article.id for kind, article in pages.items()}
    manifest.setdefault("hostile", {}).update(hostile)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return hostile


# Text about markup, as a page shows it (escaped in the HTML: the characters are the text).
# Each payload, were it ever taken as markup, would set window.__newscrawl_xss to its place.
MARKUP_PAYLOADS = {
    "title": "<script>window.__newscrawl_xss='title'</script>",
    "lead": "<img src=x onerror=\"window.__newscrawl_xss='lead'\">",
    "body": "<script>window.__newscrawl_xss='body'</script> and <img src=x onerror=\"window.__newscrawl_xss='body-img'\">",
    "caption": "<img src=x onerror=\"window.__newscrawl_xss='caption'\">",
    "tag": "<script>window.__newscrawl_xss='tag'</script>",
}


def add_markup_article(root: Path) -> str:
    """Render an index article of the mirror in `root` again with HTML in its text (escaped in
    the page, as text); the manifest's expected item for it is updated, and its id recorded
    under manifest["hostile"]["markup_text"]. The same article in every edition (one edition 2
    leaves unchanged), so that editions 1 and 2 agree on it. Returns its id."""
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    site = _site_of(manifest)
    routes = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    candidates = [a for a in _plain_current(site.articles, manifest) if a.id not in site.changed and not a.has_print]
    original = candidates[2]  # the first two are add_hostile_pages' pages
    quoted = {place: esc(payload) for place, payload in MARKUP_PAYLOADS.items()}
    photo = original.image or Photo(url="https://cdn1.img.sputnikglobe.com/img/markup.jpg", caption="", credit="© Sputnik")
    paragraph = Block("p", f"Investigators said the posts carried the code {quoted['body']}, which browsers that "
                           "render comments unescaped would run.")
    article = replace(
        original,
        title=f"Forum Posts Hid {quoted['title']} in Plain Sight, Police Say",
        lead=f"The posts quoted {quoted['lead']} to test which sites run what readers write.",
        blocks=original.blocks[:1] + [paragraph] + original.blocks[1:],
        image=replace(photo, caption=f"A screen showing the code {quoted['caption']}"),
        tags=[*original.tags, quoted["tag"]],
    )
    (root / routes[article.path]["file"]).write_text(render_current(article), encoding="utf-8")
    site.articles[article.id] = article
    manifest["articles"][article.id]["expected"] = expected_item(article, site.articles)
    manifest.setdefault("hostile", {})["markup_text"] = article.id
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return article.id
