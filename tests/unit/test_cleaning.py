"""Cleaning: one normalisation for every text value, and site furniture kept out of the body."""

from __future__ import annotations

import re
from functools import cache
from typing import Optional

import pytest
from parsel import Selector

from newscrawl.cleaning import FURNITURE, CleaningReport, clean_article, paragraph_verdict
from newscrawl.items import Article
from newscrawl.mirror import stored
from newscrawl.text import normalize_text
from tests.conftest import SHARED

REAL_PAGE = SHARED / "real-pages" / "sputnik-legacy-article-1077343476.html"
SEED_TEXT = SHARED / "seed" / "asia-article-2018-as-text.txt"  # the seed page as a browser's text


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


@cache
def real_page() -> Selector:
    return Selector(text=REAL_PAGE.read_text(encoding="utf-8"))


def real_text(css: str) -> str:
    """The text of the real page's first element matching `css`, its white space collapsed."""
    found = real_page().css(css)
    assert found, f"{css} is not in {REAL_PAGE.name}"
    return " ".join(found[0].xpath("string()").get().split())


def seed_line(start: str) -> str:
    """The seed page's first line of text that starts with `start`."""
    lines = [line for line in SEED_TEXT.read_text(encoding="utf-8").splitlines() if line.startswith(start)]
    assert lines, f"no line of {SEED_TEXT.name} starts with {start!r}"
    return lines[0]


SEED_CAPTION = "A man watches a TV screen showing file footage of U.S. President Donald Trump"
# Furniture as the real site shows it: (where, the text, why it is not article text).
SEEN: list[tuple[str, str, str]] = [
    ("real page: site name in the top bar", "li.m-sitenav-current a", "boilerplate"),
    ("real page: sidebar news block link", "a.b-news__more", "boilerplate"),
    ("real page: article refs button", "#getShortUrl", "boilerplate"),
    ("real page: Google News block", ".google-news-title", "boilerplate"),
    ("real page: opinion disclaimer", "[class*=disclaimer]", "disclaimer"),
    ("seed: section description", "Find top stories", "boilerplate"),
    ("seed: subscribe button", "Subscribe", "boilerplate"),
    ("seed: newsfeed block", "Newsfeed", "boilerplate"),
    ("seed: comment counter", "0", "boilerplate"),
    ("seed: comment widget", "To participate", "boilerplate"),
    ("seed: comment widget login", "log in or register", "boilerplate"),
    ("seed: comment widget loader", "loader", "boilerplate"),
    ("seed: chats block", "Chats", "boilerplate"),
    ("seed: Russian widget string", "Заголовок", "boilerplate"),
    ("seed: READ MORE line", "READ MORE:", "read_more"),
    ("seed: photo credit", "© ", "credit"),
    ("seed: lightbox caption", SEED_CAPTION, "caption"),
]


def seen_text(where: str, locator: str) -> str:
    return real_text(locator) if where.startswith("real page") else seed_line(locator)


@pytest.mark.parametrize("where,locator,reason", SEEN, ids=[case[0] for case in SEEN])
def test_furniture_of_the_real_site_is_not_article_text(where: str, locator: str, reason: str) -> None:
    paragraph = seen_text(where, locator)
    caption = seed_line(SEED_CAPTION).removesuffix(" - Sputnik International")
    assert paragraph_verdict(paragraph, caption) == reason, paragraph
    # and a paragraph of the same story's text is kept
    assert paragraph_verdict(seed_line("WASHINGTON (Sputnik)"), caption) is None


def boilerplate_rules() -> list[str]:
    """The alternatives of FURNITURE's boilerplate group, one per rule."""
    found = re.search(r"\(\?P<boilerplate>\(\?:(.*?)\)\$\)", FURNITURE.pattern)
    assert found, "FURNITURE has no boilerplate group of whole-paragraph rules"
    return found.group(1).split("|")


def test_every_cleaning_rule_is_met_by_a_string_of_the_real_site() -> None:
    """A rule added to cleaning.py without a real string in SEEN fails here."""
    assert set(FURNITURE.groupindex) | {"caption"} == {reason for _, _, reason in SEEN}
    texts = [seen_text(where, locator) for where, locator, reason in SEEN if reason == "boilerplate"]
    rules = boilerplate_rules()
    assert len(rules) >= 10
    untested = [rule for rule in rules if not any(re.fullmatch(rule, text, re.IGNORECASE) for text in texts)]
    assert untested == []


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
    # the hash of the cleaned title and body, as the mirror computes it
    assert article.content_hash == stored.content_hash("A title", article.body)
    assert report.removed == {"read_more": 1, "boilerplate": 2, "caption": 1, "credit": 1, "disclaimer": 1}


def cleaned(title: str, body: str, article_id: str = "1") -> Article:
    return clean_article(Article(article_id=article_id, url="u" + article_id, title=title, body=body))


@pytest.mark.parametrize(
    "title,body,same_as",
    [
        ("T", "One.  \n\n\n\nTwo.", "One.\n\nTwo."),  # the same text, spaced otherwise
        ("T", "One.\n\nTwo.\n\nSubscribe", "One.\n\nTwo."),  # furniture is not text
        ("T", "One.\n\nThree.", None),
        ("T2", "One.\n\nTwo.", None),
        ("T", "One. Two.", None),  # one paragraph is not two
        ("T", "Two.\n\nOne.", None),
    ],
)
def test_same_text_hashes_alike_and_other_text_does_not(title: str, body: str, same_as: Optional[str]) -> None:
    reference = cleaned("T", "One.\n\nTwo.")
    other = cleaned(title, body, "2")
    assert reference.content_hash == stored.content_hash("T", "One.\n\nTwo.")
    assert other.content_hash == stored.content_hash(other.title, other.body)
    assert (other.content_hash == reference.content_hash) is (same_as is not None)
    assert other.word_count == stored.word_count(other.body)
