"""Builds the whole mirror as data (a `Site`) from the corpus, deterministically.

Edition 1 never depends on `edition`: edition-2 changes use their own random
stream and are applied on top, so unchanged pages come out byte-identical.
"""

from __future__ import annotations

import copy
import itertools
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Optional

from . import urls
from .compose import Composer
from .corpus import banks, special
from .corpus.real import REAL_ARTICLE_ID, REAL_ARTICLE_PATH, REAL_ARTICLE_PUBLISHED, REAL_ARTICLE_TITLE
from .fresh import make_fresh
from .model import Article, Block, Failing, IndexEntry, Layout, Photo, Site
from .render_scripted import add_scripted_articles
from .text import slugify

PAGE_SIZE = 20  # items on /asia/ and in each "load more" fragment
MIN_ASIA = 30

UTC = timezone.utc
LEGACY_RANGE = (datetime(2015, 1, 1, tzinfo=UTC), datetime(2021, 6, 30, tzinfo=UTC))
CURRENT_RANGE = (datetime(2021, 10, 1, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC))
EDITION2_START = datetime(2026, 7, 1, tzinfo=UTC)  # edition-2 news is newer than anything in edition 1

# (date, id) anchors: ids grow with time; the seed and real pages sit on these lines.
_LEGACY_ANCHORS = ((datetime(2015, 1, 1, tzinfo=UTC), 1_020_000_000), (datetime(2016, 5, 12, tzinfo=UTC), 1_039_563_745),
                   (datetime(2018, 6, 30, tzinfo=UTC), 1_066_021_398), (datetime(2019, 11, 18, tzinfo=UTC), 1_077_343_476),
                   (datetime(2021, 7, 1, tzinfo=UTC), 1_083_300_000))
_CURRENT_ANCHORS = ((datetime(2021, 10, 1, tzinfo=UTC), 1_100_000_000), (datetime(2023, 12, 3, tzinfo=UTC), 1_115_353_279),
                    (datetime(2027, 1, 1, tzinfo=UTC), 1_140_000_000))

REDIRECT_ID = "1039563745"  # the 2016-style URL of the brief: /asia/20160512/1039563745/slug.html
MISSING_LINK = ("https://sputnikglobe.com/20220315/story-that-no-longer-exists-1103194417.html", "Story That No Longer Exists")


def parse_utc(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _interpolate(anchors: tuple[tuple[datetime, int], ...], when: datetime) -> int:
    for (d0, i0), (d1, i1) in zip(anchors, anchors[1:]):
        if when <= d1 or (d1, i1) == anchors[-1]:
            frac = (when - d0).total_seconds() / (d1 - d0).total_seconds()
            return int(i0 + frac * (i1 - i0))
    raise AssertionError("unreachable")


class _Ids:
    """Unique article ids that grow with the publication date."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def reserve(self, article_id: str) -> str:
        assert article_id not in self.used, article_id
        self.used.add(article_id)
        return article_id

    def for_date(self, layout: Layout, when: datetime) -> str:
        anchors = _CURRENT_ANCHORS if layout == "current" else _LEGACY_ANCHORS
        value = _interpolate(anchors, when) + self.rng.randint(0, 2000)
        while str(value) in self.used:
            value += 1
        return self.reserve(str(value))


def _random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def _layout_for(when: datetime) -> Layout:
    return "current" if when >= CURRENT_RANGE[0] else "legacy"


def _published(rng: random.Random, layout: Layout, start: Optional[datetime] = None, end: Optional[datetime] = None) -> datetime:
    lo, hi = CURRENT_RANGE if layout == "current" else LEGACY_RANGE
    when = _random_time(rng, start or lo, end or hi)
    return when.replace(second=0) if layout == "current" else when  # current pages show minutes only


def _from_special(spec: dict[str, Any]) -> Article:
    """A hand-written article; READ MORE blocks are resolved later (targets may come after)."""
    blocks: list[Block] = []
    for raw in spec["blocks"]:
        kind = raw[0]
        if kind == "read_more":
            form = raw[4] if len(raw) > 4 else ""
            blocks.append(Block("read_more", text=raw[1] or "", href=raw[2] or "", target=raw[3], form=form))
        elif kind == "media":
            form = raw[4] if len(raw) > 4 else ""
            blocks.append(Block("media", photo=Photo(url=raw[1], caption=raw[2], credit=raw[3]), form=form))
        elif kind == "list":
            blocks.append(Block("list", items=tuple(raw[1])))
        else:
            blocks.append(Block(kind, text=raw[1], form=raw[2] if len(raw) > 2 else ""))
    image = Photo(*spec["image"]) if spec["image"] else None
    return Article(
        id=spec["id"], section=spec["section"], layout=spec["layout"], slug=spec["slug"],
        published=parse_utc(spec["published"]), modified=parse_utc(spec["modified"]) if spec["modified"] else None,
        title=spec["title"], lead=spec["lead"], dateline=spec["dateline"], blocks=blocks,
        authors=list(spec["authors"]), tags=list(spec["tags"]), image=image,
        utc_offset=spec.get("utc_offset", 180), disclaimer=spec.get("disclaimer"), roles=set(spec["roles"]),
    )


def _real_article() -> Article:
    """Stand-in record for the real columnist page: never rendered, only linked and listed."""
    return Article(
        id=REAL_ARTICLE_ID, section="columnists", layout="real", slug="royal-self-indicting-arrogance",
        published=parse_utc(REAL_ARTICLE_PUBLISHED), modified=parse_utc("2019-11-18T21:17:46Z"),
        title=REAL_ARTICLE_TITLE, lead=None, dateline=None, blocks=[], roles={"real"},
    )


def _link_href(rng: random.Random, target: Article) -> str:
    """How a READ MORE link to a site article is written: mostly canonical, sometimes another host."""
    roll = rng.random()
    if roll < 0.12:
        return "http://www.sputniknews.com" + target.path
    if roll < 0.2:
        return target.canonical + "?utm_source=readmore&utm_medium=article"
    return target.canonical


def _insert_read_more(article: Article, links: list[Block]) -> None:
    """Spread READ MORE blocks between body paragraphs (never first, never last)."""
    if not links:
        return
    text_positions = [i for i, b in enumerate(article.blocks) if b.kind in ("p", "quote")]
    n = len(text_positions)
    # after the j-th of k evenly spaced paragraphs; keeps a paragraph after each link
    after = [text_positions[min(n - 2, max(0, round((j + 1) * n / (len(links) + 1)) - 1))] for j in range(len(links))]
    for pos, link in sorted(zip(after, links), key=lambda x: -x[0]):
        article.blocks.insert(pos + 1, link)


class Generator:
    """Edition 1 of the site: special and generated articles, their READ MORE graph, the index traps."""

    def __init__(self, n_asia: int, seed: int) -> None:
        if n_asia < MIN_ASIA:
            raise ValueError(f"n_asia must be at least {MIN_ASIA}")
        self.n_asia = n_asia
        self.seed = seed
        self.rng = random.Random(f"mirror:{seed}:{n_asia}:base")
        self.ids = _Ids(self.rng)
        self.composer = Composer(self.rng)
        self.articles: dict[str, Article] = {}
        self.index_ids: list[str] = []  # articles on /asia/ (fetchable)
        self.index_href: dict[str, str] = {}  # forced index link spellings
        self.pool: list[str] = []  # off-index articles that random READ MORE may point to
        self.pending_links: dict[str, list[Block]] = {}  # forced READ MORE per article

    # -- helpers -------------------------------------------------------------
    def add(self, article: Article, on_index: bool) -> Article:
        self.articles[article.id] = article
        if on_index:
            self.index_ids.append(article.id)
        return article

    def generic(self, section: str, layout: Layout, on_index: bool, *, published: Optional[datetime] = None,
                article_id: Optional[str] = None, role: Optional[str] = None, **kw: Any) -> Article:
        when = published or _published(self.rng, layout)
        art_id = article_id or self.ids.for_date(layout, when)  # a fixed id was reserved up front
        article = self.composer.article(art_id, section, layout, when, **kw)
        if role:
            article.roles.add(role)
        return self.add(article, on_index)

    def link(self, source: Article, target: Article, href: Optional[str] = None, title: Optional[str] = None) -> None:
        block = Block("read_more", text=title or target.title, href=href or _link_href(self.rng, target), target=target.id)
        self.pending_links.setdefault(source.id, []).append(block)

    def external_link(self, source: Article) -> None:
        href, title = self.rng.choice(banks.EXTERNAL_LINKS)
        self.pending_links.setdefault(source.id, []).append(Block("read_more", text=title, href=href))

    # -- the site ------------------------------------------------------------
    def build(self) -> Site:
        rng = self.rng
        for spec in special.SPECIALS:
            self.ids.reserve(spec["id"])
            self.add(_from_special(spec), on_index=spec["on_index"])
        self.ids.reserve(REAL_ARTICLE_ID)
        self.ids.reserve(REDIRECT_ID)
        real = self.add(_real_article(), on_index=False)

        # Index articles with a job (one each), then plain generated ones.
        cur_plain = self.generic("asia", "current", True, role="current-plain", lead=True, image=True, authors=1)
        self.generic("asia", "current", True, role="current-no-lead", lead=False, image=True)
        leg_plain = self.generic("asia", "legacy", True, role="legacy-plain", lead=True, image=True)
        leg_rm = self.generic("asia", "legacy", True, role="legacy-read-more", lead=True, image=True)
        redirect = self.generic("asia", "legacy", True, role="redirect-2016", article_id=REDIRECT_ID,
                                published=datetime(2016, 5, 12, 8, 41, 17, tzinfo=UTC))
        linker = self.generic("asia", "legacy", True, role="real-linker",
                              published=_published(rng, "legacy", datetime(2019, 11, 20, tzinfo=UTC), datetime(2020, 6, 30, tzinfo=UTC)))
        multi_cur = self.generic("asia", "current", True, role="multi-url-current", lead=True, image=True)
        multi_leg = self.generic("asia", "legacy", True, role="multi-url-legacy", lead=True, image=True)
        multi_cur.has_amp = multi_cur.has_print = True
        multi_leg.has_amp = True
        same_text, near = self.duplicate_pairs()

        n_fixed = len(self.index_ids)
        n_plain = self.n_asia - n_fixed
        layouts: list[Layout] = ["current"] * round(n_plain * 0.6) + ["legacy"] * (n_plain - round(n_plain * 0.6))
        rng.shuffle(layouts)
        plain = [self.generic("asia", layout, True) for layout in layouts]

        # Off-index articles: seed targets (specials), the real page, chains, a pool, a few unreachable.
        n_chains = max(2, self.n_asia // 50)
        n_unreachable = max(1, self.n_asia // 100)
        n_pool = max(4, self.n_asia // 4 - 3 - 3 * n_chains - n_unreachable)
        for _ in range(n_pool):
            self.pool.append(self.off_index("pool").id)
        chains = [[self.off_index("chain") for _ in range(3)] for _ in range(n_chains)]
        for _ in range(n_unreachable):
            self.off_index("unreachable")

        # Forced links, each on its own plain index article so per-layout limits hold.
        linkers = iter(rng.sample(plain, len(plain)))
        for chain in chains:
            self.link(next(linkers), chain[0])
            self.link(chain[0], chain[1])
            self.link(chain[1], chain[2])
        self.link(chains[0][2], chains[0][0])  # off-index cycle X1 -> X2 -> X3 -> X1
        a, b = next(linkers), next(linkers)
        self.link(a, b)
        self.link(b, a)  # A -> B -> A, both on the index
        a.roles.add("cycle")
        b.roles.add("cycle")
        broken = next(linkers)
        self.pending_links.setdefault(broken.id, []).append(Block("read_more", text=MISSING_LINK[1], href=MISSING_LINK[0]))
        broken.roles.add("links-404")
        self.link(linker, real, href="https://sputniknews.com" + REAL_ARTICLE_PATH)
        # The same article under several URLs, linked from different places.
        self.link(next(linkers), multi_cur, href="http://www.sputniknews.com" + multi_cur.path)
        self.link(next(linkers), multi_cur, href="https://sputnikglobe.com" + urls.amp_path(multi_cur.path))
        self.link(next(linkers), multi_cur, href="https://sputniknews.com" + urls.print_path(multi_cur.path))
        self.link(next(linkers), multi_leg, href="http://sputniknews.com" + multi_leg.path + "?utm_source=feed&utm_campaign=asia")
        self.link(next(linkers), multi_leg, href="https://sputnikglobe.com" + urls.amp_path(multi_leg.path))
        self.link(next(linkers), multi_leg, href="https://sputnikglobe.com" + multi_leg.path.rstrip("/"))
        for _ in range(3):
            self.random_link(leg_rm)

        no_random = {cur_plain.id, leg_plain.id, leg_rm.id, *(i for pair in same_text + near for i in pair)}
        for article in plain + [self.articles[i] for i in self.pool]:
            if article.id not in no_random:
                self.random_links(article)
        self.add_variants(linkers, redirect)
        for art_id, links in self.pending_links.items():
            _insert_read_more(self.articles[art_id], links)
        self.resolve_special_links()

        self.index_href[multi_cur.id] = "https://sputnikglobe.com" + multi_cur.path + "?utm_source=twitter&utm_medium=social"
        self.index_href[multi_leg.id] = multi_leg.path.rstrip("/")  # 301 to the slash form
        self.index_href[redirect.id] = urls.old_2016_path("asia", redirect.published, redirect.id, redirect.slug)
        newest_plain = sorted((a for a in plain if not a.roles), key=lambda a: (a.published, a.id), reverse=True)
        newest_plain[min(4, len(newest_plain) - 1)].roles.add("double-listed")
        failing = self.failing_items()
        return Site(
            n_asia=self.n_asia, edition=1, seed=self.seed, articles=self.articles, index=[],
            failing=failing, redirects={self.index_href[redirect.id]: redirect.path},
            same_text=same_text, near=near, changed=[], new=[], missing_links=[MISSING_LINK[0]],
        )

    def add_variants(self, linkers: Iterator[Article], redirect: Article) -> None:
        """Pages of the forms issue 15 found on real pages, each reached by a READ MORE link from
        its own plain index article. Drawn from a random stream of their own (and linked after
        the random links), so every other page comes out as it did before them.

        - a 2016-form link to an article the site serves at that URL (its legacy-form path is a
          404), written twice (as is, and with another host spelling, tracking and a fragment),
          and a 2016-form link to the article whose 2016 URL 301-redirects: each keeps its form;
        - current pages whose times need more than the published meta's zone: the updated time's
          own data-unixtime, a GMT label, zone-less metas with the unix time apart;
        - a page whose modified meta is before its publication (expected modified_at: null)."""
        rng = random.Random(f"mirror:{self.seed}:{self.n_asia}:variants")
        composer, ids = Composer(rng), _Ids(rng)
        ids.used = self.ids.used  # one set: no id twice in the site
        sources = itertools.cycle(list(linkers))  # the plain index articles no forced link took yet

        def variant(layout: Layout, role: str, start: datetime, end: datetime) -> Article:
            when = _published(rng, layout, start, end)
            article = composer.article(ids.for_date(layout, when), rng.choice(banks.OTHER_SECTIONS), layout, when)
            article.roles.add(role)
            return self.add(article, on_index=False)

        served_old = variant("legacy", "old-url-served", datetime(2016, 1, 1, tzinfo=UTC), datetime(2016, 12, 31, tzinfo=UTC))
        served_old.old_2016_url = True
        self.link(next(sources), served_old, href=urls.LEGACY_HOST + served_old.path)
        self.link(next(sources), served_old, href="http://www.sputniknews.com" + served_old.path + "?utm_source=readmore#comments")
        redirected = urls.old_2016_path(redirect.section, redirect.published, redirect.id, redirect.slug)
        self.link(next(sources), redirect, href=urls.LEGACY_HOST + redirected)

        recent = (datetime(2024, 1, 1, tzinfo=UTC), CURRENT_RANGE[1])
        for markup, offset in (("modified-unixtime", 480), ("gmt-label", 480), ("zoneless", 180)):
            dated = variant("current", f"dates-{markup}", *recent)
            dated.date_markup, dated.utc_offset = markup, offset  # type: ignore[assignment]
            dated.modified = dated.published + timedelta(hours=rng.randint(2, 30), minutes=rng.randint(1, 59))
            self.link(next(sources), dated, href=_link_href(rng, dated))
        contradicting = variant("current", "dates-modified-before-published", *recent)
        contradicting.modified = contradicting.published - timedelta(hours=rng.randint(1, 6))
        self.link(next(sources), contradicting, href=_link_href(rng, contradicting))

    def off_index(self, role: str) -> Article:
        section = self.rng.choice(banks.OTHER_SECTIONS)
        when = _random_time(self.rng, LEGACY_RANGE[0], CURRENT_RANGE[1])
        if LEGACY_RANGE[1] < when < CURRENT_RANGE[0]:
            when = CURRENT_RANGE[0] + timedelta(days=3)  # the site changed layout in that gap
        layout = _layout_for(when)
        return self.generic(section, layout, False, published=when.replace(second=0) if layout == "current" else when, role=role)

    def random_link(self, source: Article) -> None:
        roll = self.rng.random()
        if roll < 0.45:
            target = self.articles[self.rng.choice(self.index_ids)]
        elif roll < 0.88:
            target = self.articles[self.rng.choice(self.pool)]
        else:
            self.external_link(source)
            return
        linked = {b.target for b in self.pending_links.get(source.id, [])}
        if target.id != source.id and target.id not in linked:  # no self-links, no twice the same target
            self.link(source, target)

    def random_links(self, article: Article) -> None:
        limit = 3 if article.layout == "legacy" else 2
        have = len(self.pending_links.get(article.id, []))
        weights = (35, 30, 20, 15) if article.layout == "legacy" else (50, 35, 15)
        wanted = self.rng.choices(range(limit + 1), weights)[0]
        for _ in range(max(0, wanted - have)):
            self.random_link(article)

    def resolve_special_links(self) -> None:
        """Hand-written READ MORE blocks may leave title/href to the target; written hrefs must be canonical."""
        for spec in special.SPECIALS:
            article = self.articles[spec["id"]]
            for i, block in enumerate(article.blocks):
                if block.kind != "read_more" or block.target is None:
                    continue
                target = self.articles[block.target]
                if not block.href:
                    article.blocks[i] = Block("read_more", text=block.text or target.title, href=target.canonical,
                                              target=target.id, form=block.form)
                else:
                    assert block.href == target.canonical, (article.id, block.href, target.canonical)

    def duplicate_pairs(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """A re-published copy (same body, other id and URL) and a near-duplicate (one sentence changed)."""
        rng = self.rng
        same_text: list[tuple[str, str]] = []
        near: list[tuple[str, str]] = []
        for _ in range(max(1, self.n_asia // 200)):
            original = self.generic("asia", "legacy", True, role="republished-original", lead=True,
                                    published=_published(rng, "legacy", datetime(2021, 2, 1, tzinfo=UTC), LEGACY_RANGE[1]))
            when = _published(rng, "current", CURRENT_RANGE[0], datetime(2021, 12, 31, tzinfo=UTC))
            copy_ = copy.deepcopy(original)
            copy_.id = self.ids.for_date("current", when)
            copy_.layout, copy_.published, copy_.modified, copy_.roles = "current", when, None, {"republished-copy"}
            copy_.tags = ["Asia &amp; Pacific"]
            self.add(copy_, on_index=True)
            same_text.append((original.id, copy_.id))

            first = self.generic("asia", "current", True, role="near-duplicate", lead=True)
            second = copy.deepcopy(first)
            second.id = self.ids.for_date("current", first.published + timedelta(hours=3))
            second.published = first.published + timedelta(hours=3)
            second.roles = {"near-duplicate"}
            texts = [i for i, b in enumerate(second.blocks) if b.kind == "p"]
            pos = texts[len(texts) // 2] if len(texts) > 1 else texts[0]
            second.blocks[pos] = Block("p", second.blocks[pos].text + " The figures were later revised by the statistics office.")
            self.add(second, on_index=True)
            near.append((first.id, second.id))
        return same_text, near

    def failing_items(self) -> list[Failing]:
        out = []
        for status, when in ((404, datetime(2025, 3, 11, 7, 24, tzinfo=UTC)), (500, datetime(2024, 11, 5, 15, 2, tzinfo=UTC))):
            slots = self.composer.slots("asia", when)
            title = self.composer.title(slots)
            art_id = self.ids.for_date("current", when)
            out.append(Failing(article_id=art_id, path=urls.current_path(when, slugify(title), art_id),
                               status=status, title=title, published=when))
        return out


class Edition2:
    """What edition 2 changes: a few articles edited, a few new ones on top of the index.

    Planned in every edition (the manifest lists it), applied only to edition >= 2.
    """

    def __init__(self, gen: Generator) -> None:
        self.rng = random.Random(f"mirror:{gen.seed}:{gen.n_asia}:edition2")
        composer = Composer(self.rng)
        n = max(2, round(gen.n_asia / 40))
        candidates = [i for i in gen.index_ids if not gen.articles[i].roles]
        self.changed: dict[str, Article] = {}
        for art_id in sorted(self.rng.sample(candidates, n), key=gen.index_ids.index):
            self.changed[art_id] = self.edit(gen.articles[art_id], composer)
        ids = _Ids(self.rng)
        ids.used = set(gen.ids.used)
        self.new: list[Article] = []
        for _ in range(n):
            when = (EDITION2_START + timedelta(minutes=self.rng.randint(60, 20_000))).replace(second=0)
            article = composer.article(ids.for_date("current", when), "asia", "current", when)
            article.roles.add("new-in-edition-2")
            target = gen.articles[self.rng.choice(candidates)]
            _insert_read_more(article, [Block("read_more", text=target.title, href=target.canonical, target=target.id)])
            self.new.append(article)
        self.new.sort(key=lambda a: (a.published, a.id), reverse=True)  # as they top the index

    def edit(self, original: Article, composer: Composer) -> Article:
        """A copy with one sentence added or replaced, modified later."""
        article = copy.deepcopy(original)
        paras = [i for i, b in enumerate(article.blocks) if b.kind == "p"]
        pos = self.rng.choice(paras[1:] or paras)
        text = article.blocks[pos].text
        update = composer.update_sentence()
        if self.rng.random() < 0.5 and ". " in text:
            text = text.rsplit(". ", 1)[0] + ". " + update  # last sentence replaced
        else:
            text = text + " " + update  # sentence added
        article.blocks[pos] = Block("p", text)
        base = article.modified or article.published
        article.modified = base + timedelta(hours=self.rng.randint(2, 72))
        return article


def _href_roll(article_id: str) -> float:
    """A cheap deterministic 'random' number per id, independent of the edition."""
    return (int(article_id) * 2654435761 % 1000) / 1000


def _index_href_for(path: str, article_id: str) -> str:
    roll = _href_roll(article_id)
    if roll < 0.5:
        return path
    if roll < 0.7:
        return "https://sputnikglobe.com" + path
    if roll < 0.85:
        return "https://sputniknews.com" + path
    return "http://www.sputniknews.com" + path


def make_index(site: Site, index_ids: list[str], forced_href: dict[str, str]) -> list[IndexEntry]:
    """The /asia/ list, newest first, with the failing items and one article listed twice."""
    entries = []
    for art_id in index_ids:
        article = site.articles[art_id]
        href = forced_href.get(art_id) or _index_href_for(article.path, art_id)
        entries.append(IndexEntry(art_id, href, article.title, article.published, urls.link_url(href, article.canonical)))
    for item in site.failing:
        entries.append(IndexEntry(item.article_id, _index_href_for(item.path, item.article_id), item.title,
                                  item.published, urls.canonical_for_path(item.path)))
    entries.sort(key=lambda e: (e.published, e.article_id), reverse=True)
    double = next(e for e in entries if "double-listed" in site.articles.get(e.article_id, _NO_ARTICLE).roles)
    if len(entries) > PAGE_SIZE:
        entries.insert(PAGE_SIZE, double)  # shown again at the top of the first "load more" fragment
    return entries


_NO_ARTICLE = Article(id="", section="", layout="legacy", slug="", published=EDITION2_START, modified=None,
                      title="", lead=None, dateline=None, blocks=[])


def generate_site(n_asia: int, edition: int = 1, seed: int = 1, now: Optional[datetime] = None,
                  scripted: bool = False) -> Site:
    """`now` (optional) makes the edition-2 changes the news of the day before it (fresh.py)."""
    if edition not in (1, 2):
        raise ValueError("edition must be 1 or 2")
    gen = Generator(n_asia, seed)
    site = gen.build()
    plan = Edition2(gen)
    if now is not None:
        make_fresh(site.articles, plan.changed, plan.new, now)
    site.changed = list(plan.changed)
    site.new = [a.id for a in plan.new]
    index_ids = list(gen.index_ids)
    if edition == 2:
        site.edition = 2
        site.articles.update(plan.changed)
        for article in plan.new:
            site.articles[article.id] = article
        index_ids = site.new + index_ids
    if scripted:  # script-built pages (render_scripted.py), only in builds that ask for them
        index_ids += add_scripted_articles(site, gen.ids.used | set(site.new), seed)
    site.index = make_index(site, index_ids, gen.index_href)
    return site
