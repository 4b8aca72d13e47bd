"""The real saved pages (copies of shared/real-pages/, provenance in REAL-PAGES-SOURCES.md),
served byte-for-byte, and the hand-written expected values of the real article."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REAL_DIR = Path(__file__).resolve().parent  # flat: setup.py packages mirror/corpus/*

REAL_ARTICLE_ID = "1077343476"
REAL_ARTICLE_PATH = "/columnists/201911181077343476-royal-self-indicting-arrogance/"
REAL_ARTICLE_FILE = REAL_DIR / "sputnik-legacy-article-1077343476.html"
REAL_BODY_FILE = REAL_DIR / "sputnik-legacy-article-1077343476.expected-body.json"
REAL_ARTICLE_TITLE = "Royal Self-Indicting Arrogance"
REAL_ARTICLE_PUBLISHED = "2019-11-18T21:17:27Z"

HOMEPAGE_EXCERPT_PATH = "/archive/home-20180317-excerpt.html"
HOMEPAGE_EXCERPT_FILE = REAL_DIR / "sputnik-legacy-homepage-20180317-EXCERPT-b-stories.html"

_DISCLAIMER = "The views and opinions expressed in the article do not necessarily reflect those of Sputnik."


def real_body() -> str:
    """The benchmark's human ground truth, without its closing disclaimer paragraph."""
    data: dict[str, Any] = json.loads(REAL_BODY_FILE.read_text(encoding="utf-8"))
    (entry,) = data.values()
    paragraphs = entry["articleBody"].split("\n\n")
    if paragraphs and paragraphs[-1].strip() == _DISCLAIMER:
        paragraphs = paragraphs[:-1]
    return "\n\n".join(paragraphs)


def real_expected() -> dict[str, Any]:
    """Expected item of the real columnist page, read off the page by hand."""
    return {
        "article_id": REAL_ARTICLE_ID,
        "url": "https://sputniknews.com" + REAL_ARTICLE_PATH,
        "title": REAL_ARTICLE_TITLE,
        "lead": (
            "What was this British royal and his PR aides thinking of when he granted a high-profile interview "
            "to the BBC, supposedly to clear his name from association with sex-trafficker billionaire Jeffrey Epstein?"
        ),
        "body": real_body(),
        "dateline": None,
        "authors": ["Finian Cunningham"],
        "section": "columnists",
        "tags": [],
        "published_at": REAL_ARTICLE_PUBLISHED,
        "modified_at": "2019-11-18T21:17:46Z",  # meta[name=lastmod]
        "image": {
            "url": "https://cdn4.img.sputniknews.com/images//107734/34/1077343445.jpg",
            "caption": (
                "Britain's Camilla, Duchess of Cornwall, Prince Andrew and Prime Minister, Boris Johnson, attend the "
                "Royal British Legion Festival of Remembrance at the Royal Albert Hall in London, Britain November 9, "
                "2019. Chris Jackson/Pool via REUTERS"
            ),
            "credit": "© REUTERS / POOL",
        },
        "read_more": [],
        "language": "en",
    }


# The eight "Top Stories" of the saved home page, read off the page by hand, in order;
# legacy articles are canonical on sputniknews.com (docs/MIRROR-CONTRACT.md).
HOMEPAGE_EXCERPT_LINKS: tuple[str, ...] = tuple(
    "https://sputniknews.com" + path
    for path in (
        "/us/201803171062621903-usa-russia-s400-foreign-nation/",
        "/us/201803171062626934-stormy-daniels-lawsuit-trump-crowdfunding/",
        "/analysis/201803171062593675-novichok-nerve-agent-skripal-poisoning/",
        "/asia/201803171062629333-plane-crash-philippines/",
        "/art_living/201803171062628877-romania-living-dead/",
        "/us/201803171062626280-hacker-manning-death/",
        "/middleeast/201803171062624847-syria-russia-liberation-military-security/",
        "/latam/201803171062628648-brazil-protests-slain-activist/",
    )
)
