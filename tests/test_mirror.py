"""Tests of the bundled mirror (newscrawl/mirror): pages, routes, server, manifest.

The reference extraction below reads pages with the selectors of
docs/MIRROR-CONTRACT.md; it is not the project's parser, only a cross-check that
the HTML templates and the expected values (written by separate code) agree.
"""

from __future__ import annotations

import http.client
import json
import re
import unicodedata
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from newscrawl.mirror import MirrorServer, build_mirror
from newscrawl.mirror.golden import write_golden
from newscrawl.mirror.urls import canonical_for_path, strip_tracking

from tests.conftest import SHARED
GOLDEN = Path(__file__).resolve().parent / "golden"
N_ASIA = 40
SITE_HOSTS = {"sputnikglobe.com", "sputniknews.com", "www.sputniknews.com", "www.sputnikglobe.com"}
SECTION_SLUGS = {"Asia & Pacific": "asia", "World": "world", "US": "us", "Russia": "russia", "Business": "business",
                 "Tech": "science", "Military & Intelligence": "military", "Europe": "europe", "Middle East": "middleeast"}
BOILERPLATE = ("Find top stories and features from Asia and the Pacific region", "© AP Photo", "©",
               " - Sputnik International", "Subscribe", "READ MORE", "Newsfeed", "To participate in the discussion",
               "log in or register", "loader", "Chats", "Заголовок открываемого материала")


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("mirror")
    out: dict[str, Any] = {}
    for name, kwargs in {"ed1": {}, "ed2": {"edition": 2}, "robots": {"robots_blocks_services": True}}.items():
        root = base / name
        out[name] = {"root": root, "manifest": build_mirror(root, n_asia=N_ASIA, **kwargs),
                     "routes": json.loads((root / "routes.json").read_text(encoding="utf-8"))}
    return out


@pytest.fixture(scope="module")
def server(built: dict[str, Any]) -> Iterator[MirrorServer]:
    with MirrorServer(built["ed1"]["root"]) as srv:
        yield srv


@pytest.fixture(scope="module")
def manifest(built: dict[str, Any]) -> dict[str, Any]:
    return built["ed1"]["manifest"]


def fetch(srv: MirrorServer, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.request(method, target)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- reference extraction (contract selectors) ------------------------------------------------

def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return " ".join(text.split())


OLD_2016 = re.compile(r"/(\w+)/(\d{8})/(\d+)/([\w-]+)\.html")


def canon(href: str) -> str:
    """Canonical URL of a link by the contract's host rule (external links unchanged); a link
    in the 2016 form keeps that form (it is the URL the link names)."""
    parts = urlsplit(href)
    if parts.netloc and parts.netloc not in SITE_HOSTS:
        return href
    path = parts.path
    if path.startswith("/amp/"):
        path = path[len("/amp"):]
    path = path.replace("-print.html", ".html")
    if OLD_2016.fullmatch(path):
        return "https://sputniknews.com" + path
    if not path.endswith((".html", "/")):
        path += "/"
    return canonical_for_path(path)


def _text(doc: Any, css: str) -> Optional[str]:
    found = doc.cssselect(css)
    return clean(found[0].text_content()) if found else None


def _meta(doc: Any, css: str) -> Optional[str]:
    found = doc.cssselect(css)
    return found[0].get("content") if found else None


def _utc(value: Optional[str], fmt: str) -> Optional[str]:
    if not value:
        return None
    when = datetime.strptime(value.replace("Z", "+0000"), fmt)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def extract(page: bytes) -> dict[str, Any]:
    doc = lxml_html.fromstring(page.decode("utf-8"))
    if doc.cssselect("div.b-article__text"):
        return _extract_legacy(doc)
    return _extract_current(doc)


def _dateline(body: str) -> Optional[str]:
    found = re.match(r"([A-Z][A-Z .'-]*[A-Z]) \(Sputnik\) - ", body)
    return found[1] if found else None


# body blocks of the current layout (MIRROR-CONTRACT.md) that are not article text
CURRENT_FURNITURE = frozenset({"media", "widget", "banner", "photolenta", "tags"})


def unknown_kinds(doc: Any) -> dict[str, int]:
    """The body's blocks of kinds the contract does not name: kind -> blocks."""
    known = CURRENT_FURNITURE | {"text", "quote", "vrez", "list", "article", "h2", "h3", "h4"}
    found: dict[str, int] = {}
    for el in doc.cssselect("div.article__body > div.article__block[data-type]"):
        if el.get("data-type") not in known:
            found[el.get("data-type")] = found.get(el.get("data-type"), 0) + 1
    return found


def _extract_current(doc: Any) -> dict[str, Any]:
    paras, read_more = [], []
    for el in doc.cssselect("div.article__body")[0]:
        kind = el.get("data-type")
        if el.tag in ("h2", "h3", "h4") or kind in ("h2", "h3", "h4"):
            paras.append(clean(el.text_content()))
        elif kind == "text":
            paras.append(clean(el.cssselect(".article__text")[0].text_content()))
        elif kind == "quote":
            paras.append(clean(el.cssselect(".article__quote-text")[0].text_content()))
        elif kind == "vrez":
            paras.append(clean(el.cssselect(".article__vrez")[0].text_content()))
        elif kind == "list":
            paras.extend(clean(li.text_content()) for li in el.cssselect("li"))
        elif kind == "article":
            link = el.cssselect("a.article__article-link")[0]
            read_more.append({"url": canon(link.get("href")), "title": _text(el, ".article__article-title")})
        elif kind is not None and kind not in CURRENT_FURNITURE:  # a kind the contract does not name: its text is kept
            paras.append(clean(el.text_content()))
    img = doc.cssselect("div.article__announce div.media__size img, div.article__announce div.media__size amp-img")
    image = None
    if img:
        image = {"url": img[0].get("src"), "caption": clean(img[0].get("alt")),
                 "credit": _text(doc, "div.article__announce .media__copyright-item")}
    body = "\n\n".join(paras)
    published, modified = _current_dates(doc)
    return {
        "url": doc.cssselect("link[rel=canonical]")[0].get("href"),
        "title": _text(doc, "h1.article__title"), "lead": _text(doc, "div.article__announce-text"), "body": body,
        "dateline": _dateline(body),
        "authors": [clean(e.text_content()) for e in doc.cssselect("div[itemprop=creator] div[itemprop=name]")],
        "section": SECTION_SLUGS[_meta(doc, "meta[property='article:section']") or ""],
        "tags": [clean(e.text_content()) for e in doc.cssselect("div.article__footer li.tag a")],
        "published_at": published, "modified_at": modified,
        "image": image, "read_more": read_more,
    }


def _current_dates(doc: Any) -> tuple[Optional[str], Optional[str]]:
    """The contract's date forms: ISO metas (AMP), compact metas with their offset, or zone-less
    ones in the clock that analytics:p_ts shows; the updated time's own data-unixtime or its GMT
    label; a modified time before the publication is none."""
    fmt, iso = "%Y%m%dT%H%M%z", "%Y-%m-%dT%H:%M:%S%z"
    published_meta = _meta(doc, "meta[property='article:published_time']") or ""
    modified_meta = _meta(doc, "meta[property='article:modified_time']")
    p_ts = _meta(doc, "meta[name='analytics:p_ts']")
    if p_ts:  # zone-less metas: their clock is the difference from the unix time
        offset = datetime.strptime(published_meta, "%Y%m%dT%H%M").replace(tzinfo=timezone.utc).timestamp() - int(p_ts)
        zone = f"{'+' if offset >= 0 else '-'}{int(abs(offset)) // 3600:02d}{int(abs(offset)) % 3600 // 60:02d}"
        published = _utc(datetime.fromtimestamp(int(p_ts), timezone.utc).strftime(fmt), fmt)
        modified = _utc(modified_meta + zone, fmt) if modified_meta else None
    else:
        published = _utc(_meta(doc, "meta[name=pubdate]"), iso) or _utc(published_meta, fmt)
        modified = _utc(_meta(doc, "meta[name=lastmod]"), iso) or _utc(modified_meta, fmt)
    shown = doc.cssselect("span.article__info-date-modified")
    if modified is None and shown:
        if shown[0].get("data-unixtime"):
            modified = _utc(datetime.fromtimestamp(int(shown[0].get("data-unixtime")), timezone.utc).strftime(fmt), fmt)
        else:
            labelled = re.search(r"(\d\d:\d\d) GMT (\d\d\.\d\d\.\d{4})", shown[0].text_content())
            modified = _utc(f"{labelled[1]} {labelled[2]} +0000", "%H:%M %d.%m.%Y %z") if labelled else None
    return published, modified if modified is None or published is None or modified >= published else None


def _extract_legacy(doc: Any) -> dict[str, Any]:
    paras, read_more = [], []
    for el in doc.cssselect("div.b-article__text")[0]:
        text = clean(el.text_content())
        if "b-disclaimer" in (el.get("class") or ""):
            continue
        cards = el.cssselect("div.b-inject.m-inject-min")  # an inline related-article card, or its wrapper
        if cards:
            link = cards[0].cssselect("div.b-inject__content a")[0]
            read_more.append({"url": canon(link.get("href")), "title": clean(link.text_content())})
        elif text.startswith("READ MORE:"):
            link = el.cssselect("a")[0]
            read_more.append({"url": canon(link.get("href")), "title": clean(link.text_content())})
        elif el.tag in ("p", "blockquote"):
            paras.append(text)
    img = doc.cssselect("div.b-article__header img")
    image = None
    if img:
        image = {"url": img[0].get("src"), "caption": clean(img[0].get("alt")), "credit": _text(doc, "div.b-article__header-copy")}
    body = "\n\n".join(paras)
    return {
        "url": doc.cssselect("link[rel=canonical]")[0].get("href"),
        "title": _text(doc, "div.b-article__header-title h1"), "lead": _text(doc, "div.b-article__lead p"), "body": body,
        "dateline": _dateline(body),
        "authors": [clean(e.text_content()) for e in doc.cssselect("div.b-article__refs-author a[rel=author]")],
        "section": doc.cssselect("a.b-article__refs-rubric")[0].get("href").strip("/"),
        "tags": [],
        "published_at": _utc(_meta(doc, "meta[name=pubdate]"), "%Y-%m-%dT%H:%M:%S%z"),
        "modified_at": _utc(_meta(doc, "meta[name=lastmod]"), "%Y-%m-%dT%H:%M:%S%z"),
        "image": image, "read_more": read_more,
    }


def index_links(page: bytes) -> tuple[list[str], Optional[str]]:
    doc = lxml_html.fromstring(page.decode("utf-8"))
    links = [a.get("href") for a in doc.cssselect("div.list__item div.list__content a.list__title")]
    links += [a.get("href") for a in doc.cssselect("li.b-stories__item div.b-stories__title h2 a")]  # the legacy list
    more = doc.cssselect("div.list__more[data-url]") or doc.cssselect("div.list-items-loaded[data-next-url]")
    nxt = more[0].get("data-url") or more[0].get("data-next-url") if more else None
    return links, nxt or None


def id_of(href: str) -> str:
    digits = re.findall(r"\d{9,}", href)[-1]
    return digits[8:] if len(digits) > 12 else digits  # legacy paths glue YYYYMMDD and the id


# -- tests ----------------------------------------------------------------------------------

def test_manifest_shape(manifest: dict[str, Any]) -> None:
    for key in ("edition", "n_asia", "seed", "index_ids", "asia_ids", "failing", "redirects", "articles", "read_more",
                "duplicates", "changed_in_edition", "new_in_edition"):
        assert key in manifest
    assert len(manifest["asia_ids"]) == N_ASIA
    fields = {"article_id", "url", "title", "lead", "body", "dateline", "authors", "section", "tags", "published_at",
              "modified_at", "image", "read_more", "language"}
    for art in manifest["articles"].values():
        assert set(art["expected"]) == fields
        assert art["layout"] in ("current", "legacy", "real")
    assert len(manifest["index_ids"]) > len(set(manifest["index_ids"]))  # one article listed on two pages
    assert manifest["duplicates"]["same_text"] and manifest["duplicates"]["near"]


def test_index_and_fragments_chain_to_the_end(server: MirrorServer, manifest: dict[str, Any]) -> None:
    target: Optional[str] = "/asia/"
    seen_ids, pages = [], 0
    while target:
        status, headers, body = fetch(server, target)
        assert status == 200 and headers["content-type"].startswith("text/html")
        links, target = index_links(body)
        assert len(links) <= 20
        seen_ids += [id_of(link) for link in links]
        pages += 1
    assert seen_ids == manifest["index_ids"]
    assert pages == len(manifest["index_pages"]) > 1


def test_every_article_path_answers_200(server: MirrorServer, manifest: dict[str, Any]) -> None:
    for art_id in manifest["asia_ids"]:
        assert manifest["articles"][art_id]["hops"] == 0
    for art in manifest["articles"].values():
        for path in art["paths"]:
            assert fetch(server, path)[0] == 200, path


def test_failing_items_and_redirect(server: MirrorServer, manifest: dict[str, Any]) -> None:
    for status in ("404", "500"):
        for url in manifest["failing"][status]:
            assert fetch(server, path_of(url))[0] == int(status)
    ((source, target),) = manifest["redirects"].items()
    assert re.fullmatch(r"/asia/20160512/1039563745/[\w-]+\.html", source)
    status, headers, _ = fetch(server, source)
    assert status == 301 and headers["location"] == target
    assert fetch(server, target)[0] == 200
    assert fetch(server, "/no/such/page/")[0] == 404
    for url in manifest["missing_read_more"]:
        assert fetch(server, path_of(url))[0] == 404


def test_a_2016_url_is_served_as_written_or_redirected_never_at_a_guessed_path(
    server: MirrorServer, manifest: dict[str, Any]
) -> None:
    """Issue 15: an old-form link leads to the article by that URL (the page itself, or a 301
    to where it is); the legacy-form path made of the same parts is not a page of the site."""
    served = next(a for a in manifest["articles"].values() if "old-url-served" in a["roles"])
    (path,) = served["paths"]
    old = OLD_2016.fullmatch(path)
    assert old and served["url"] == "https://sputniknews.com" + path and served["hops"] == 1
    status, _, body = fetch(server, path)
    assert status == 200 and f'<link rel="canonical" href="{served["url"]}">'.encode() in body
    assert fetch(server, f"/{old[1]}/{old[2]}{old[3]}-{old[4]}/")[0] == 404
    # READ MORE links written in the 2016 form, to it and to the article whose 2016 URL redirects
    linked = [(source, href) for source, hrefs in manifest["read_more"].items() for href in hrefs if OLD_2016.fullmatch(urlsplit(href).path)]
    assert {urlsplit(href).path for _, href in linked} == {path, *manifest["redirects"]}
    for source, href in linked:
        expected = {r["url"] for r in manifest["articles"][source]["expected"]["read_more"]}
        assert "https://sputniknews.com" + urlsplit(href).path in expected, (source, href)


def test_tracking_params_trailing_slash_and_head(server: MirrorServer, manifest: dict[str, Any]) -> None:
    current = next(a for a in manifest["articles"].values() if "multi-url-current" in a["roles"])
    legacy = next(a for a in manifest["articles"].values() if "multi-url-legacy" in a["roles"])
    main, _, body = fetch(server, current["paths"][0])
    status, _, tracked = fetch(server, current["paths"][0] + "?utm_source=x&fbclid=abc&gclid=1&at_medium=y")
    assert status == 200 and tracked == body
    for extra in current["paths"][1:]:  # AMP and print copies
        assert fetch(server, extra)[0] == 200
    bare = legacy["paths"][0].rstrip("/")
    status, headers, _ = fetch(server, bare)
    assert status == 301 and headers["location"] == legacy["paths"][0]
    status, headers, _ = fetch(server, bare + "?utm_source=feed&_openstat=z")
    assert status == 301 and headers["location"] == legacy["paths"][0]
    status, headers, body = fetch(server, "/asia/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000
    assert strip_tracking("id=1&utm_source=x&date=2&yclid=3") == "id=1&date=2"


def test_robots_variants(built: dict[str, Any]) -> None:
    plain = (built["ed1"]["root"] / built["ed1"]["routes"]["/robots.txt"]["file"]).read_text()
    blocking = (built["robots"]["root"] / built["robots"]["routes"]["/robots.txt"]["file"]).read_text()
    for text in (plain, blocking):
        for rule in ("Disallow: /search/", "Disallow: /cms/", "-print.html$", "Sitemap: https://sputnikglobe.com/sitemap_article_index.xml"):
            assert rule in text
    assert "Disallow: /services/" not in plain and "Disallow: /services/" in blocking


def test_edition_2_differs_only_where_listed(built: dict[str, Any]) -> None:
    one, two = built["ed1"], built["ed2"]
    changed = set(one["manifest"]["changed_in_edition"]["2"])
    new = two["manifest"]["new_in_edition"]["2"]
    assert changed and new and changed == set(two["manifest"]["changed_in_edition"]["2"])
    assert two["manifest"]["index_ids"][: len(new)] == new
    assert not set(new) & set(one["manifest"]["articles"])
    for art_id, art in one["manifest"]["articles"].items():
        for path in art["paths"]:
            a = (one["root"] / one["routes"][path]["file"]).read_bytes()
            b = (two["root"] / two["routes"][path]["file"]).read_bytes()
            assert (a != b) == (art_id in changed), (art_id, path)
        if art_id in changed:
            e1, e2 = art["expected"], two["manifest"]["articles"][art_id]["expected"]
            assert e1["body"] != e2["body"] and e2["modified_at"] > (e1["modified_at"] or e1["published_at"])


def test_real_pages_are_served_byte_for_byte(server: MirrorServer, manifest: dict[str, Any]) -> None:
    real = manifest["articles"]["1077343476"]
    status, headers, body = fetch(server, real["paths"][0])
    assert status == 200 and "charset=utf-8" in headers["content-type"]  # the page itself declares no charset
    assert body == (SHARED / "real-pages" / "sputnik-legacy-article-1077343476.html").read_bytes()
    assert real["hops"] == 1 and real["layout"] == "real"
    status, _, body = fetch(server, "/archive/home-20180317-excerpt.html")
    assert body == (SHARED / "real-pages" / "sputnik-legacy-homepage-20180317-EXCERPT-b-stories.html").read_bytes()


def test_expected_bodies_hold_no_boilerplate(built: dict[str, Any]) -> None:
    for edition in ("ed1", "ed2"):
        for art in built[edition]["manifest"]["articles"].values():
            exp = art["expected"]
            for junk in BOILERPLATE:
                assert junk not in exp["body"], (exp["article_id"], junk)
            assert "0" not in exp["body"].split("\n\n")
            for text in [exp["title"], exp["body"], exp["lead"] or ""]:
                assert text == unicodedata.normalize("NFC", text)
                assert not re.search("[\u00a0\u200b\u200c\u200d\u2060\ufeff]", text)


def test_expected_values_match_the_pages(built: dict[str, Any]) -> None:
    root, routes, manifest = built["ed1"]["root"], built["ed1"]["routes"], built["ed1"]["manifest"]
    for art in manifest["articles"].values():
        for path in art["paths"]:
            page = (root / routes[path]["file"]).read_bytes()
            got = extract(page)
            exp = art["expected"]
            for field, value in got.items():
                assert value == exp[field], (path, field)
            assert unknown_kinds(lxml_html.fromstring(page.decode("utf-8"))) == art.get("unknown_blocks", {}), path


def test_every_body_block_form_is_in_the_mirror(manifest: dict[str, Any]) -> None:
    """Each form of issue 15 has a page: sub-head blocks, list, vrez, unknown kinds with text,
    furniture kinds, the machine summary (current); inline cards and b-inject media (legacy)."""
    forms = next(a for a in manifest["articles"].values() if "current-block-forms" in a["roles"])
    assert forms["unknown_blocks"] == {"infobox": 2, "timeline": 1}
    assert "New Automated Berths" in forms["expected"]["body"].split("\n\n")
    cards = next(a for a in manifest["articles"].values() if "legacy-inline-cards" in a["roles"])
    assert len(cards["expected"]["read_more"]) == 3 and "unknown_blocks" not in cards


def test_seed_article(manifest: dict[str, Any]) -> None:
    seed = manifest["articles"]["1066021398"]
    exp = seed["expected"]
    assert seed["paths"] == ["/asia/201806301066021398-us-south-korea-pressure/"] and seed["hops"] == 0
    assert exp["title"] == "US, South Korea Agree to Keep up Pressure on North Korea - US State Dept."
    assert exp["image"]["credit"] == "© AP Photo / Lee Jin-man" and exp["dateline"] == "WASHINGTON"
    lines = (SHARED / "seed" / "asia-article-2018-as-text.txt").read_text(encoding="utf-8").split("\n")
    body = [clean(line) for line in lines[lines.index("Subscribe") + 1: lines.index("Newsfeed")] if line.strip()]
    assert exp["body"].split("\n\n") == [line for line in body if not line.startswith("READ MORE:")]
    assert [r["title"] for r in exp["read_more"]] == [line[len("READ MORE: "):] for line in body if line.startswith("READ MORE:")]
    for link in exp["read_more"]:
        target = next(a for a in manifest["articles"].values() if a["url"] == link["url"])
        assert target["layout"] == "legacy" and target["expected"]["published_at"].startswith("2018-06")


def test_link_graph(manifest: dict[str, Any]) -> None:
    hops = [a["hops"] for a in manifest["articles"].values()]
    assert {0, 1, 2, 3} <= set(hops) and None in hops
    by_url = {a["url"]: i for i, a in manifest["articles"].items()}
    edges = {(i, by_url.get(r["url"])) for i, a in manifest["articles"].items() for r in a["expected"]["read_more"]}
    assert any((b, a) in edges for a, b in edges)  # A -> B -> A
    all_links = [u for links in manifest["read_more"].values() for u in links]
    assert any("reuters.com" in u for u in all_links)
    assert any("/amp/" in u for u in all_links) and any("-print.html" in u for u in all_links)
    sections = {a["section"] for a in manifest["articles"].values() if a["hops"] and a["hops"] > 0}
    assert len(sections - {"asia"}) >= 2


def test_sitemaps_list_every_article(server: MirrorServer, manifest: dict[str, Any]) -> None:
    status, _, body = fetch(server, "/sitemap_article_index.xml")
    days = re.findall(r"<loc>https://sputnikglobe\.com(/sitemap_article\.xml\?[^<]+)</loc>", body.decode())
    listed = []
    for day in days:
        status, headers, xml = fetch(server, day.replace("&amp;", "&"))
        assert status == 200 and "xml" in headers["content-type"]
        listed += re.findall(r"<loc>([^<]+)</loc>", xml.decode())
    assert sorted(listed) == sorted(a["url"] for a in manifest["articles"].values())


def test_root_switch_and_request_log(built: dict[str, Any]) -> None:
    with MirrorServer(built["ed1"]["root"]) as srv:
        first = fetch(srv, "/asia/")[2]
        srv.root = built["ed2"]["root"]
        assert fetch(srv, "/asia/")[2] != first
        with urllib.request.urlopen(srv.base_url + "/robots.txt?utm_source=x", timeout=5) as resp:
            assert resp.status == 200
        assert srv.requests == ["/asia/", "/asia/", "/robots.txt?utm_source=x"]
        srv.reset_requests()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(srv.base_url + "/missing", timeout=5)
        assert srv.requests == ["/missing"]


def test_deterministic_and_golden_up_to_date(tmp_path: Path, built: dict[str, Any]) -> None:
    again = build_mirror(tmp_path / "again", n_asia=N_ASIA)
    assert again == built["ed1"]["manifest"]
    names = write_golden(tmp_path / "golden")
    for name in names:
        for ext in (".html", ".json"):
            assert (tmp_path / "golden" / f"{name}{ext}").read_bytes() == (GOLDEN / f"{name}{ext}").read_bytes(), \
                f"tests/golden is stale: run python -m newscrawl.mirror golden --out tests/golden ({name}{ext})"


def test_golden_pages_match_their_expected_values() -> None:
    docs = sorted(GOLDEN.glob("*.json"))
    assert len(docs) == len(list(GOLDEN.glob("*.html"))) >= 10, "golden pages missing"
    for doc_file in docs:
        doc = json.loads(doc_file.read_text(encoding="utf-8"))
        page = doc_file.with_suffix(".html").read_bytes()
        if doc["kind"] == "index":
            links, nxt = index_links(page)
            assert [canon(link) for link in links] == doc["expected"]["links"] and nxt == doc["expected"]["next_url"]
        elif urlsplit(doc["url"]).hostname in SITE_HOSTS:  # not the ria.ru page: read by hand (corpus/real.py)
            got = extract(page)
            assert {"title", "body"} <= got.keys(), doc_file.name
            assert all(got[k] == doc["expected"][k] for k in got), doc_file.name
            assert unknown_kinds(lxml_html.fromstring(page.decode("utf-8"))) == doc.get("unknown_blocks", {}), doc_file.name
