from __future__ import annotations

from newscrawl.cleaning import CleaningReport, clean_article
from newscrawl.items import Article
from newscrawl.text import normalize_text


def test_normalize_text_decodes_and_collapses() -> None:
    assert normalize_text("Moon&nbsp;Jae-in\u200b  said &amp; left\n") == "Moon Jae-in said & left"
    assert normalize_text("Cafe\u0301") == "Café"


def test_clean_article_removes_furniture_and_keeps_paragraphs() -> None:
    article = Article(
        article_id="1",
        url="https://sputnikglobe.com/x-12345678.html",
        title=" A\u00a0title ",
        body="\n\n".join([
            "SEOUL (Sputnik) - First  paragraph.",
            "READ MORE: Something Else",
            "Subscribe",
            "A man watches TV - Sputnik International",
            "© AP Photo / Lee Jin-man",
            "Second paragraph.",
            "Заголовок открываемого материала",
            "The views and opinions expressed in the article do not necessarily reflect those of Sputnik.",
        ]),
        image={"url": "https://x/i.jpg", "caption": "A man watches TV - Sputnik International", "credit": "©  AP Photo / Lee Jin-man"},
    )
    report = CleaningReport()
    clean_article(article, report)
    assert article.body == "SEOUL (Sputnik) - First paragraph.\n\nSecond paragraph."
    assert article.title == "A title"
    assert article.image == {"url": "https://x/i.jpg", "caption": "A man watches TV", "credit": "© AP Photo / Lee Jin-man"}
    assert article.word_count == 7
    assert len(article.content_hash) == 64
    assert report.removed == {"read_more": 1, "boilerplate": 2, "caption": 1, "credit": 1, "disclaimer": 1}


def test_same_text_hashes_alike() -> None:
    a = clean_article(Article(article_id="1", url="u", title="T", body="One.\n\nTwo."))
    b = clean_article(Article(article_id="2", url="v", title="T", body="One.  \n\n\n\nTwo."))
    assert a.content_hash == b.content_hash
