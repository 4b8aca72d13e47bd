"""Cleaning: one normalisation for every text value, and site furniture kept out of the body."""

from __future__ import annotations

import pytest

from newscrawl.cleaning import CleaningReport, clean_article, paragraph_verdict
from newscrawl.items import Article
from newscrawl.text import normalize_text


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("Moon&nbsp;Jae-in\u200b  said &amp; left\n", "Moon Jae-in said & left"),  # entities left in text
        ("Cafe\u0301 in Ha\u0300 No\u0323\u0302i", "Café in Hà Nội"),  # NFC
        ("Seoul\u00a0and\u00a0Tokyo", "Seoul and Tokyo"),  # NBSP
        ("Tokyo\u2009\u202f\u3000Osaka", "Tokyo Osaka"),  # thin, narrow, ideographic spaces
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zerowidth"),
        ("soft\u00adhyphen", "softhyphen"),
        ("Japan&#8217;s &quot;plan&quot; &#x2014; &rsquo;", "Japan’s \"plan\" — ’"),
        (" \t line\r\nbreaks \u2028 and\ttabs ", "line breaks and tabs"),
        ("AT&T & P&G", "AT&T & P&G"),  # an ampersand that starts no entity stays
        ("서울 東京 नई दिल्ली", "서울 東京 नई दिल्ली"),
        ("e\u200b\u0301", "é"),  # an invisible character between a letter and its accent
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_text(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean


@pytest.mark.parametrize(
    "paragraph,reason",
    [
        ("Subscribe", "boilerplate"),
        ("Newsfeed", "boilerplate"),
        ("0", "boilerplate"),
        ("To participate in the discussion", "boilerplate"),
        ("log in or register", "boilerplate"),
        ("loader", "boilerplate"),
        ("Chats", "boilerplate"),
        ("Заголовок открываемого материала", "boilerplate"),
        ("Find top stories and features from Asia and the Pacific region. Keep updated...", "boilerplate"),
        ("READ MORE: Pompeo Contradicts Trump", "read_more"),
        ("Read also: Something", "read_more"),
        ("The views and opinions expressed in the article do not necessarily reflect those of Sputnik.", "disclaimer"),
        ("The views expressed in this article are those of the author and do not necessarily reflect "
         "the position of Sputnik.", "disclaimer"),
        ("© AP Photo / Lee Jin-man", "credit"),
        ("A man watches TV", "caption"),
        ("A man watches TV - Sputnik International", "caption"),
        ("Subscribers of the service said 0 complaints were filed.", None),
        ("WASHINGTON (Sputnik) - Pompeo said he would read more: reports later.", None),
        ("The views of the ministry were expressed in a note.", None),
    ],
)
def test_what_is_not_article_text(paragraph: str, reason: str | None) -> None:
    assert paragraph_verdict(paragraph, "A man watches TV") == reason


def test_clean_article_removes_furniture_and_keeps_paragraphs() -> None:
    article = Article(
        article_id="1",
        url="https://sputnikglobe.com/x-12345678.html",
        title=" A\u00a0title ",
        lead="Lead&nbsp;text\u200b",
        body="\n\n".join([
            "SEOUL (Sputnik) - First  paragraph.",
            "READ MORE: Something Else",
            "Subscribe",
            "A man watches TV - Sputnik International",
            "© AP Photo / Lee Jin-man",
            "A sub-head",
            "Second paragraph.",
            "Заголовок открываемого материала",
            "The views and opinions expressed in the article do not necessarily reflect those of Sputnik.",
        ]),
        authors=["Kim\u00a0Soo-yeon", "Kim Soo-yeon", " "],
        tags=["Japan", "Japan ", ""],
        image={"url": "https://x/i.jpg", "caption": "A man watches TV - Sputnik International", "credit": "©  AP Photo / Lee Jin-man"},
        read_more=[{"url": "https://x/y", "title": " Y\u00a0title"}],
    )
    report = CleaningReport()
    clean_article(article, report)
    assert article.body == "SEOUL (Sputnik) - First paragraph.\n\nA sub-head\n\nSecond paragraph."
    assert (article.title, article.lead) == ("A title", "Lead text")
    assert (article.authors, article.tags) == (["Kim Soo-yeon"], ["Japan"])
    assert article.image == {"url": "https://x/i.jpg", "caption": "A man watches TV", "credit": "© AP Photo / Lee Jin-man"}
    assert article.read_more == [{"url": "https://x/y", "title": "Y title"}]
    assert article.word_count == 9
    assert len(article.content_hash) == 64
    assert report.removed == {"read_more": 1, "boilerplate": 2, "caption": 1, "credit": 1, "disclaimer": 1}


def test_same_text_hashes_alike() -> None:
    a = clean_article(Article(article_id="1", url="u", title="T", body="One.\n\nTwo."))
    b = clean_article(Article(article_id="2", url="v", title="T", body="One.  \n\n\n\nTwo."))
    assert a.content_hash == b.content_hash
