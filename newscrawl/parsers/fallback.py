"""Pages neither layout recognises: generic extraction, so a layout change loses no text.

The body comes from schema.org's `[itemprop=articleBody]` when the page marks it (walked as
the layouts walk theirs), else from trafilatura. Every other field comes from the head's
metadata (ArticleParser). The spider counts these pages (`newscrawl/layout/fallback`).
"""

from __future__ import annotations

from typing import Optional

from newscrawl.parsers.base import ArticleParser, BodyParts
from newscrawl.parsers.page import Css
from newscrawl.text import normalize_text


class FallbackArticleParser(ArticleParser):
    layout = "fallback"

    BODY = Css("[itemprop=articleBody]")

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
