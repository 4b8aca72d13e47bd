"""The Asia & Pacific section."""

from __future__ import annotations

from spiders.section import SectionSpider


class AsiaSpider(SectionSpider):
    name = "asia"
    section = "asia"
    section_title = "Asia & Pacific"
