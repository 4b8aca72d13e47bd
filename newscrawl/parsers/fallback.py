"""Pages neither layout recognises: a generic extractor, so a layout change loses no text."""

from __future__ import annotations

from typing import Optional

from newscrawl.parsers.base import ArticleParser, text_of
from newscrawl.text import normalize_text, optional_text


class FallbackArticleParser(ArticleParser):
    layout = "fallback"

    def title(self) -> Optional[str]:
        return super().title() or optional_text(text_of(self.sel.css("h1")))

    def paragraphs(self) -> list[str]:
        if not hasattr(self, "_paragraphs"):
            self._paragraphs = self._extract_paragraphs()
        return self._paragraphs

    def _extract_paragraphs(self) -> list[str]:
        # trafilatura is imported here: it is slow to import and only this rare path needs it
        import trafilatura

        text = trafilatura.extract(
            self.sel.get(), url=self.site_url, include_comments=False, include_tables=False,
            favor_precision=True,
        )
        if not text:
            return []
        return [p for p in (normalize_text(line) for line in text.splitlines()) if p]
