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


# The real ria.ru page (same publishing system as the current layout; REAL-PAGES-SOURCES.md,
# file 4). Not served by the mirror (another site); a golden file of its own (golden.py).
RIA_ARTICLE_FILE = REAL_DIR / "ria-current-cms-article-1794720292.html"
RIA_ARTICLE_URL = "https://ria.ru/20220611/ekonomika-1794720292.html"

# The five text blocks of div.article__body as the page shows them, in order (the bold
# "МОСКВА, 11 июн - РИА Новости." starts the first; linked words are plain text). Between
# the third and the fourth, and after the fourth, stand ad banners; after the fifth, a
# related-article card: none of them is article text.
RIA_PARAGRAPHS: tuple[str, ...] = (
    "МОСКВА, 11 июн - РИА Новости. Число ретейлеров с иностранными учредителями в России сократилось за два года "
    "почти наполовину, при этом снижение было планомерным в течение всего времени, сообщили РИА Новости аналитики "
    "API (сервис по автоматизации проверки контрагентов) \"Контур.Фокуса\".",
    "\"С января 2020 года по июнь 2022 года, таких компаний (ретейлеров с иностранным учредителями - ред.) стало "
    "меньше на 45%. Было 1838, а стало 1015... Это снижение было планомерным в течение всего рассматриваемого "
    "периода, а доля организаций с иностранными учредителями также уменьшилась с 0,7% до 0,49%\", - говорится в "
    "исследовании аналитиков о том, как изменился рынок ритейла.",
    "При этом с начала 2020 года объем розничной торговли в России уменьшился на 6%. Так, в январе 2020 года было "
    "зарегистрировано 1,5 миллиона организаций, а \"сегодня их количество составляет 1,4 миллиона\". Самое резкое "
    "снижение наблюдалось с октября 2020 года по февраль 2021 года (с 1,44 до 1,26 миллиона), затем число "
    "организаций начало плавно восстанавливаться.",
    "Кроме того, с 1 июня 2020 года по 1 июня прошлого года количество компаний в большинстве отраслей существенно "
    "снизилось. Заметнее всего сократилась торговля бытовой техникой (18,22%), \"прочими товарами\" (15,05%), "
    "книгами и канцтоварами (13,93%), детскими товарами (13,11%), а также топливом и смазочными материалами (10,53%).",
    "\"К июню 2022 года фаза сильного спада в большинстве отраслей прекратилась, а некоторые компании даже показали "
    "заметный рост. Например, категория \"Прочая торговля\" - она разрослась почти на 55%. На это повлияла "
    "переориентация розничных продавцов в сторону маркетплейсов (\"Яндекс.Маркет\", Ozon, Wildberries и других)\", "
    "- отметила руководитель проекта API Елена Катаева.",
)


def ria_expected() -> dict[str, Any]:
    """Expected item of the real ria.ru page, read off the page by hand.

    - title: the headline shown (div.article__title, also og:title and the microdata headline);
      the h1.article__second-title under it is a second headline, not a lead: the page has no lead.
    - dateline: the place before "- РИА Новости." (Moscow).
    - authors: none; the page shows no byline (analytics:author is empty), the microdata names
      the agency (an Organization) as creator.
    - section: the rubric "Экономика" (analytics:rubric), whose link on the page is /economy/
      (article:section "Новости" is the breadcrumb's "news", not a rubric).
    - tags: the tag links under the article, as shown.
    - published_at: the page's unix time (analytics:p_ts, data-pts 1654928654: 09:24:14 Moscow
      time, as the page shows "09:24 11.06.2022"); modified_at: the "обновлено: 09:28
      11.06.2022" of the page and article:modified_time 20220611T0928, Moscow time (UTC+3).
    - image: the lead photo, its caption as shown under it, its credit.
    - read_more: the related-article card after the last paragraph; its link without the
      "?in=t" that the card adds (the page's own microdata citation and the card's share
      data-url give the article's URL without it).
    """
    return {
        "article_id": "1794720292",
        "url": RIA_ARTICLE_URL,
        "title": "Число иностранных ретейлеров в России за два года сократилось почти вдвое",
        "lead": None,
        "body": "\n\n".join(RIA_PARAGRAPHS),
        "dateline": "МОСКВА",
        "authors": [],
        "section": "economy",
        "tags": ["Экономика", "Россия", "API", "Яндекс.Маркет", "Ozon"],
        "published_at": "2022-06-11T06:24:14Z",
        "modified_at": "2022-06-11T06:28:00Z",
        "image": {
            "url": "https://cdnn21.img.ria.ru/images/153237/09/1532370910_0:320:3072:2048_1920x0_80_0_0_"
                   "c7c7b5ab432e8ea4d39d15b7fac34c99.jpg.webp",
            "caption": "Склад магазина. Архивное фото",
            "credit": "© РИА Новости / Илья Питалев",
        },
        "read_more": [{"url": "https://ria.ru/20220610/poteri-1794703455.html",
                       "title": "В WSJ оценили потери международных компаний из-за ухода из России"}],
        "language": "ru",
    }
