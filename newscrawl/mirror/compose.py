"""Writes one generated article (title, lead, paragraphs, photo...) from the banks.

Deterministic: everything comes from the `random.Random` passed in.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Optional

from .corpus import banks
from .corpus.banks import Actor, Person
from .model import Article, Block, Layout, Photo
from .text import slugify

ALL_ACTORS: tuple[Actor, ...] = banks.ASIA + tuple(a for group in banks.OTHERS.values() for a in group)


def actors_for(section: str) -> tuple[Actor, ...]:
    if section == "asia":
        return banks.ASIA
    if section in banks.OTHERS:
        return banks.OTHERS[section]
    return ALL_ACTORS  # world, business, science, military write about anyone


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _person(people: tuple[Person, ...], year: int, rng: random.Random) -> Person:
    in_office = [p for p in people if p.years[0] <= year <= p.years[1]]
    if in_office:
        return rng.choice(in_office)
    return min(people, key=lambda p: min(abs(year - p.years[0]), abs(year - p.years[1])))


class Composer:
    """Builds generated articles; one instance per random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def slots(self, section: str, when: datetime) -> dict[str, str]:
        rng = self.rng
        actor = rng.choice(actors_for(section))
        partner = rng.choice([a for a in ALL_ACTORS if a is not actor])
        leader = _person(actor.leaders, when.year, rng)
        official = _person(actor.officials, when.year, rng)
        theme = rng.choice(banks.SECTION_THEMES[section])
        topic, topic_title, tag = rng.choice(banks.TOPICS[theme])
        return {
            "theme": theme, "tag": tag, "dateline": actor.dateline, "native_city": actor.native_city,
            "country": actor.name, "country_c": _cap(actor.name), "country_t": _cap(actor.name),
            "adj": actor.adj, "city": actor.city, "agency": actor.agency, "utc_offset": str(actor.utc_offset),
            "leader_title": _cap(leader.title), "leader_title_l": leader.title.lower(), "leader": leader.name,
            "official_title": _cap(official.title), "official": official.name,
            "partner": partner.name, "partner_t": _cap(partner.name), "partner_adj": partner.adj,
            "partner_leader": _person(partner.leaders, when.year, rng).name,
            "topic": topic, "topic_title": topic_title,
            "org": rng.choice(banks.ORGS), "field": rng.choice(banks.FIELDS),
            "num": str(rng.randint(12, 950)), "num2": f"{rng.randint(2, 90) * 100:,}", "num3": str(rng.randint(2, 12)),
            "pct": f"{rng.randint(1, 99) / 10:.1f}", "weekday": rng.choice(banks.WEEKDAYS),
            "month": rng.choice(banks.MONTHS), "year": str(when.year - rng.randint(1, 8)),
        }

    def sentence(self, slots: dict[str, str]) -> str:
        pool = banks.SENTENCES["common"] + banks.SENTENCES[slots["theme"]]
        return self.rng.choice(pool).format(**slots)

    def title(self, slots: dict[str, str]) -> str:
        return self.rng.choice(banks.TITLES).format(**slots)

    def paragraphs(self, slots: dict[str, str], dateline: Optional[str]) -> list[str]:
        """3-7 paragraphs of 1-3 distinct sentences; the first carries the dateline."""
        rng = self.rng
        pool = list(banks.SENTENCES["common"] + banks.SENTENCES[slots["theme"]])
        rng.shuffle(pool)
        n_par = rng.randint(3, 7)
        paragraphs: list[str] = []
        for _ in range(n_par):
            k = min(rng.randint(1, 3), len(pool))
            if k == 0:
                break
            paragraphs.append(" ".join(pool.pop().format(**slots) for _ in range(k)))
        if slots["native_city"] and rng.random() < 0.08:
            paragraphs.insert(1, f"Crowds gathered in central {slots['native_city']} ({slots['city']}) on "
                                 f"{slots['weekday']}, local media reported.")
        for i in range(1, len(paragraphs)):  # invisible-character traps, never in the dateline paragraph
            roll = rng.random()
            if roll < 0.04:
                paragraphs[i] = paragraphs[i].replace(" ", "&nbsp;", 1)
            elif roll < 0.07:
                paragraphs[i] = paragraphs[i].replace(" ", "\u00a0 ", 1)
            elif roll < 0.09:
                paragraphs[i] = paragraphs[i].replace(" ", "\u200b ", 2)
        if dateline:
            paragraphs[0] = f"{dateline} (Sputnik) - {paragraphs[0]}"
        return paragraphs

    def photo(self, slots: dict[str, str], article_id: str, layout: Layout) -> Photo:
        rng = self.rng
        img_id = str(int(article_id) - rng.randint(5, 400))
        if layout == "current":
            url = (f"https://cdn1.img.sputnikglobe.com/img/07e{rng.randint(5, 9)}/{rng.randint(1, 12):02x}/"
                   f"{rng.randint(1, 28):02x}/{img_id}_0:0:3072:1728_1920x0_80_0_0_{rng.getrandbits(32):08x}.jpg")
        else:
            url = f"https://cdn{rng.randint(1, 5)}.img.sputniknews.com/images/{img_id[:6]}/{img_id[6:8]}/{img_id}.jpg"
        caption = rng.choice(banks.CAPTIONS).format(**slots)
        return Photo(url=url, caption=caption, credit=rng.choice(banks.CREDITS))

    def article(
        self,
        article_id: str,
        section: str,
        layout: Layout,
        published: datetime,
        *,
        lead: Optional[bool] = None,
        image: Optional[bool] = None,
        authors: Optional[int] = None,
    ) -> Article:
        """A generated article; `None` for lead/image/authors means 'decide at random'."""
        rng = self.rng
        slots = self.slots(section, published)
        title = self.title(slots)
        roll = rng.random()
        if roll < 0.04:  # invisible-character traps in a few titles too
            title = title.replace(" ", "&nbsp;", 1)
        elif roll < 0.06:
            title = title.replace(" ", " \u200b", 1)
        has_lead = rng.random() < 0.9 if lead is None else lead
        has_image = rng.random() < 0.85 if image is None else image
        n_authors = rng.choices((0, 1, 2), (70, 25, 5))[0] if authors is None else authors
        dateline = slots["dateline"] if rng.random() < 0.75 else None
        blocks = [Block("p", text) for text in self.paragraphs(slots, dateline)]
        if layout == "legacy" and rng.random() < 0.1 and len(blocks) > 2:
            blocks[2] = Block("quote", blocks[2].text)  # blockquote.marker-quote1
        modified: Optional[datetime]
        if layout == "legacy":
            modified = published.replace(second=0) + timedelta(minutes=rng.randint(1, 240), seconds=rng.randint(0, 59))
        else:
            modified = published + timedelta(minutes=rng.randint(5, 600)) if rng.random() < 0.6 else None
        tags = [] if layout == "legacy" else [_tag_name(slots["country"]), slots["tag"]] + (
            [slots["leader"]] if rng.random() < 0.5 else [])
        return Article(
            id=article_id, section=section, layout=layout, slug=slugify(title), published=published,
            modified=modified, title=title,
            lead=rng.choice(banks.LEADS).format(**slots) if has_lead else None,
            dateline=dateline, blocks=blocks,
            authors=rng.sample(banks.AUTHORS, n_authors), tags=tags,
            image=self.photo(slots, article_id, layout) if has_image else None,
            utc_offset=int(slots["utc_offset"]) if rng.random() < 0.5 else 180,
        )

    def update_sentence(self) -> str:
        """A sentence added by an edition-2 update."""
        return self.rng.choice((
            "UPDATE: The ministry later said a final decision would be announced within days.",
            "UPDATE: Officials confirmed on Friday that the talks would resume next month.",
            "This article has been updated with comments from the foreign ministry.",
            "UPDATE: The number of people affected has since risen, according to local authorities.",
        ))


def _tag_name(country: str) -> str:
    return country[4:] if country.startswith("the ") else country

