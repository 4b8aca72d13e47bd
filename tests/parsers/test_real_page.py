"""The real legacy page (../shared/real-pages/) against its human ground truth.

The benchmark's annotators kept the closing opinion disclaimer in `articleBody`; the archive
does not (it is not article text), so the truth is compared without that sentence. Title,
lead, author, section and dates were read off the page by hand (SOURCES.md).
"""

from __future__ import annotations

import json

from newscrawl.parsers.scoring import body_score
from tests.parsers.cases import REAL_PAGE, REAL_TRUTH, REAL_URL, parsed

DISCLAIMER = "The views and opinions expressed in the article do not necessarily reflect those of Sputnik."


def human_body() -> str:
    (entry,) = json.loads(REAL_TRUTH.read_text(encoding="utf-8")).values()
    paragraphs = entry["articleBody"].split("\n\n")
    assert paragraphs[-1].strip() == DISCLAIMER
    return "\n\n".join(paragraphs[:-1])


def test_real_page_body_matches_the_human_ground_truth() -> None:
    result, article = parsed(REAL_PAGE.read_bytes().decode("utf-8"), REAL_URL)
    score = body_score(human_body(), article.body)
    assert result.layout == "legacy"
    assert score.f1 >= 0.99, score
    assert DISCLAIMER not in article.body


def test_real_page_fields_are_exact() -> None:
    _, article = parsed(REAL_PAGE.read_bytes().decode("utf-8"), REAL_URL)
    assert article.title == "Royal Self-Indicting Arrogance"
    assert article.lead == (
        "What was this British royal and his PR aides thinking of when he granted a high-profile interview to the BBC, "
        "supposedly to clear his name from association with sex-trafficker billionaire Jeffrey Epstein?"
    )
    assert article.authors == ["Finian Cunningham"]
    assert article.section == "columnists"
    assert article.published_at == "2019-11-18T21:17:27Z"
    assert article.modified_at == "2019-11-18T21:17:46Z"
    assert article.article_id == "1077343476" and article.url == REAL_URL
    assert article.dateline is None and article.tags == [] and article.read_more == []
    assert article.image is not None and article.image["credit"] == "© REUTERS / POOL"
