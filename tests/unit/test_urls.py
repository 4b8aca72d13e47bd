from __future__ import annotations

import pytest

from newscrawl.urls import (
    article_id_from_url,
    canonical_url,
    identity_key,
    is_public_host,
    request_url,
    section_from_url,
    to_fetch_url,
    to_site_url,
)

LEGACY = "https://sputniknews.com/asia/201806301066021398-us-south-korea-pressure/"
OLD = "https://sputniknews.com/asia/20160512/1039563745/slug.html"


@pytest.mark.parametrize(
    "url",
    [
        LEGACY,
        "http://sputniknews.com/asia/201806301066021398-us-south-korea-pressure",
        "https://www.sputniknews.com/asia/201806301066021398-us-south-korea-pressure/?utm_source=tw&utm_medium=x",
        "https://sputnikglobe.com/asia/201806301066021398-us-south-korea-pressure/#comments",
        "https://sputnikglobe.com/amp/asia/201806301066021398-us-south-korea-pressure/",
    ],
)
def test_every_spelling_of_an_article_is_one_identity(url: str) -> None:
    assert identity_key(url) == "article:1066021398"
    assert canonical_url(url) == "https://sputniknews.com/asia/201806301066021398-us-south-korea-pressure/"


def test_current_print_and_amp_copies_share_the_id() -> None:
    main = "https://sputnikglobe.com/20231203/some-slug-1115353279.html"
    assert article_id_from_url(main) == "1115353279"
    assert canonical_url("https://sputnikglobe.com/20231203/some-slug-1115353279-print.html") == main
    assert canonical_url("http://www.sputnikglobe.com/amp/20231203/some-slug-1115353279.html?fbclid=1") == main


def test_old_2016_urls_and_sections() -> None:
    assert article_id_from_url(OLD) == "1039563745"
    assert section_from_url(OLD) == "asia"
    assert section_from_url(LEGACY) == "asia"
    assert section_from_url("https://sputnikglobe.com/20231203/some-slug-1115353279.html") is None


@pytest.mark.parametrize(
    "url,identity",
    [
        ("https://sputnikglobe.com/asia/?utm_source=x", "https://sputnikglobe.com/asia/"),
        ("http://www.sputnikglobe.com/20231203/", "https://sputnikglobe.com/20231203/"),
        ("https://sputnikglobe.com/services/asia/more.html?id=1115350000", "https://sputnikglobe.com/services/asia/more.html?id=1115350000"),
    ],
)
def test_pages_of_the_site_that_are_not_articles_have_no_id(url: str, identity: str) -> None:
    assert article_id_from_url(url) is None
    assert identity_key(url) == identity


@pytest.mark.parametrize(
    "url,identity",
    [
        ("https://example.com/20231203/some-slug-1115353279.html", "https://example.com/20231203/some-slug-1115353279.html"),
        ("https://example.com/asia/201806301066021398-us-south-korea-pressure/?utm_source=tw",
         "https://example.com/asia/201806301066021398-us-south-korea-pressure/"),
    ],
)
def test_an_article_path_on_another_host_is_not_the_sites_article(url: str, identity: str) -> None:
    assert identity_key(url) == identity


def test_canonical_keeps_real_parameters_and_drops_tracking() -> None:
    url = "https://sputnikglobe.com/services/asia/more.html?id=1&date=20241205T094323&utm_campaign=x"
    assert canonical_url(url) == "https://sputnikglobe.com/services/asia/more.html?id=1&date=20241205T094323"


def test_mirror_mapping_round_trips() -> None:
    base = "http://127.0.0.1:8123"
    fetched = to_fetch_url("https://www.sputniknews.com/asia/x/?a=1", base)
    assert fetched == "http://127.0.0.1:8123/asia/x/?a=1"
    assert to_site_url(fetched, base) == "https://sputnikglobe.com/asia/x/?a=1"
    assert to_fetch_url("https://example.com/x", base) == "https://example.com/x"
    assert to_fetch_url(LEGACY, None) == LEGACY


@pytest.mark.parametrize("host,public", [("10.0.0.1", False), ("192.168.1.5", False), ("169.254.169.254", False), ("127.0.0.1", False), ("localhost", False), ("[::1]", False), ("2130706433", False), ("0x7f000001", False), ("127.1", False), ("a.localhost", False), ("8.8.8.8", True), ("example.com", True)])
def test_private_addresses_are_never_public(host: str, public: bool) -> None:
    assert is_public_host(host) is public


def test_request_url_asks_for_the_main_page_and_keeps_old_urls_for_the_redirect() -> None:
    assert request_url("https://sputnikglobe.com/amp/20231203/s-1115353279.html?utm_source=x#top") == "https://sputnikglobe.com/20231203/s-1115353279.html"
    assert request_url(OLD) == OLD


@pytest.mark.parametrize(
    "written",
    [
        OLD,
        "http://sputniknews.com/asia/20160512/1039563745/slug.html",
        "https://www.sputniknews.com/asia/20160512/1039563745/slug.html?utm_source=tw&fbclid=x#comments",
        "https://sputnikglobe.com/amp/asia/20160512/1039563745/slug.html",
    ],
)
def test_a_2016_link_keeps_its_form_never_the_guessed_legacy_path(written: str) -> None:
    """Issue 15: an old-form READ MORE link was rewritten to /asia/201605121039563745-slug/, a
    path the site was never seen to serve (404, article lost). Normalised, it stays old-form;
    it is still the article's identity, so it is fetched once."""
    assert canonical_url(written) == OLD
    assert "201605121039563745" not in canonical_url(written) and "201605121039563745" not in request_url(written)
    assert request_url(canonical_url(written)) == OLD  # what the spider fetches for it
    assert identity_key(written) == "article:1039563745" and article_id_from_url(written) == "1039563745"
    assert section_from_url(written) == "asia"


def test_a_page_s_own_url_is_stored_as_the_page_names_it() -> None:
    """The stored url is the page's rel=canonical: only fragment, tracking parameters and an
    AMP/print marker go; nothing is mapped to another form or host."""
    assert request_url(OLD + "#x") == OLD
    on_new_host = "https://sputnikglobe.com/asia/201806301066021398-us-south-korea-pressure/"
    assert request_url(on_new_host + "?utm_campaign=x") == on_new_host
