"""Links as the site writes them and dates from machine-readable data (issue 15), end to end:
a real crawl of the bundled mirror, checked against its manifest and its server's request log.

- A READ MORE link in the 2016 form is fetched as written. The mirror serves one such article
  at its 2016 URL only (the legacy-form path made of the same parts is a 404): the crawl stored
  none of it when the link was rewritten to that guessed path. Another 2016-form link leads to
  an article whose 2016 URL redirects; both keep their own URL in `read_more`.
- The current pages whose times need more than the published meta's zone (the updated time's
  own data-unixtime, a GMT label, zone-less metas with the unix time apart) and one whose
  modified meta is before its publication (dropped, counted, logged).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.conftest import CrawlRun, run_crawl

pytestmark = pytest.mark.e2e

OLD_2016 = re.compile(r"^/(?P<section>[a-z]+)/(?P<date>\d{8})/(?P<id>\d{10})/(?P<slug>[^/]+)\.html$")
DATE_ROLES = ("dates-modified-unixtime", "dates-gmt-label", "dates-zoneless", "dates-modified-before-published")


@pytest.fixture(scope="module")
def server(mirror_root: Path) -> Iterator[MirrorServer]:
    """A server of its own: its request log holds this module's crawl only."""
    with MirrorServer(mirror_root) as srv:
        yield srv


@pytest.fixture(scope="module")
def crawl(server: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    run = run_crawl(server.base_url, tmp_path_factory.mktemp("links-dates"))
    assert run.returncode == 0, run.log[-3000:]
    return run


def by_role(manifest: dict[str, Any], role: str) -> list[tuple[str, dict[str, Any]]]:
    return [(i, a) for i, a in manifest["articles"].items() if role in a["roles"]]


def test_an_old_form_read_more_link_is_fetched_as_written_and_its_article_kept(
    crawl: CrawlRun, server: MirrorServer, manifest: dict[str, Any]
) -> None:
    ((article_id, served),) = by_role(manifest, "old-url-served")
    (path,) = served["paths"]
    old = OLD_2016.match(path)
    assert old and served["hops"] == 1
    guessed = f"/{old['section']}/{old['date']}{old['id']}-{old['slug']}/"
    stored = {item["article_id"]: item for item in crawl.feed_items()}
    assert article_id in stored, "the article behind the 2016-form link was lost"
    assert stored[article_id]["url"] == served["url"] == "https://sputniknews.com" + path  # its own rel=canonical
    assert path in server.requests and guessed not in server.requests
    # every 2016-form link keeps its form in read_more, with its host spelling, tracking and fragment gone
    linked = [(source, href) for source, hrefs in manifest["read_more"].items() for href in hrefs
              if OLD_2016.match(urlsplit(href).path)]
    assert len(linked) == 3 and {urlsplit(href).path for _, href in linked} == {path, *manifest["redirects"]}
    for source, href in linked:
        assert "https://sputniknews.com" + urlsplit(href).path in {r["url"] for r in stored[source]["read_more"]}, href
    # the redirected one: fetched at its 2016 URL (index and READ MORE alike), stored once at its canonical URL
    ((old_path, new_path),) = manifest["redirects"].items()
    assert server.requests.count(old_path) == 1 and new_path in server.requests
    redirected = next(i for i, a in manifest["articles"].items() if a["paths"][0] == new_path)
    assert stored[redirected]["url"] == manifest["articles"][redirected]["url"]


def test_dates_come_from_the_machine_readable_sources_in_their_zone(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    stored = {item["article_id"]: item for item in crawl.feed_items()}
    for role in DATE_ROLES:
        ((article_id, article),) = by_role(manifest, role)
        expected = article["expected"]
        assert expected["published_at"], role
        assert (expected["modified_at"] is None) == (role == "dates-modified-before-published"), role
        item = stored[article_id]
        assert (item["published_at"], item["modified_at"]) == (expected["published_at"], expected["modified_at"]), role
    (dropped,) = by_role(manifest, "dates-modified-before-published")
    assert "'newscrawl/field_dropped/modified_at': 1," in crawl.log
    assert f"Field modified_at dropped on {dropped[1]['url']}: modified " in crawl.log
