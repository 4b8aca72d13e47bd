"""Pages neither layout recognises: generic extraction, so a layout change loses no text.

The body comes from schema.org's `[itemprop=articleBody]` when the page marks it (walked as
the layouts walk theirs, less the blocks whose class names say what every layout's related
cards, embeds and ads are called), else from trafilatura. Every other field comes from the
head's metadata (ArticleParser). The spider counts these pages (`newscrawl/layout/fallback`).
"""

from __future__ import annotations

import re
from typing import ClassVar, Optional

from newscrawl.parsers.base import DATELINE, ArticleParser, BodyParts
from newscrawl.parsers.page import Css, Element
from newscrawl.text import normalize_text

# Paragraphs a dateline is looked for in: generic extraction may keep a line of furniture
# (a machine summary, a caption) before the text.
DATELINE_PARAGRAPHS = 3


class FallbackArticleParser(ArticleParser):
    layout = "fallback"

    BODY = Css("[itemprop=articleBody]")
    # a class word of related-article cards, embeds and ads, in any layout ("b-inject__audio",
    # "m-inject-videoembed", "related-articles", "banner"): not article text
    FURNITURE_CLASS: ClassVar[re.Pattern[str]] = re.compile(
        r"(?:^|[\s_-])(?:inject|banner|embed|related|advert|promo)(?:[\s_-]|$)"
    )

    def visit_block(self, node: Element, parts: BodyParts) -> bool:
        classes = node.get("class")
        return bool(classes) and self.FURNITURE_CLASS.search(classes) is not None

    def dateline(self) -> Optional[str]:
        paragraphs = self.paragraphs()
        start = next((i for i, text in enumerate(paragraphs[:DATELINE_PARAGRAPHS]) if DATELINE.match(text)), 0)
        return self.dateline_of(paragraphs[start] if paragraphs else None)

    def title(self) -> Optional[str]:
        return super().title() or self.text(self.H1)

    def walk_body(self) -> BodyParts:
        parts = super().walk_body()
        if not parts.paragraphs:
            parts.paragraphs = self.generic_paragraphs()
        return parts

    def generic_paragraphs(self) -> list[str]:
        # trafilatura is imported here: it is slow to import and only this rare path needs it
        import trafilatura

        text = trafilatura.extract(
            self.page.html, url=self.site_url, include_comments=False, include_tables=False,
            favor_precision=True,
        )
        if not text:
            return []
        return [p for p in (normalize_text(line) for line in text.splitlines()) if p]
