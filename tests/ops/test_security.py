"""The spider never fetches a host outside the site, private and link-local addresses
included, whatever a page links to or redirects to.

A mirror page links (index items and READ MORE cards) to hostile URLs, and site URLs on the
index answer 301 to the same hostile URLs. The spider must drop the links and
SiteMirrorMiddleware must refuse the redirects, before any download: a last middleware
(tests/ops/guard.py) would count and stop anything that got past, so nothing goes out even
when the code under test is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from newscrawl import settings as project_settings
from newscrawl.middlewares import SiteMirrorMiddleware
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from spiders.asia import AsiaSpider
from tests.conftest import run_crawl
from tests.ops.conftest import query

pytestmark = pytest.mark.e2e

HOSTILE_PAGE = "/20260105/hostile-links-1199999999.html"


def hostile_urls(other_port: int) -> list[str]:
    return [
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
        f"http://localhost:{other_port}/canary-localhost",
        f"http://127.0.0.1:{other_port}/canary-loopback-other-port",
        "http://[::1]/",
        f"http://[::1]:{other_port}/canary-v6",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",
        "http://sputnikglobe.com@10.0.0.1/",  # userinfo that looks like the site
        "http://sputnikglobe.com.evil.example/asia/",
        "https://www.reuters.com/world/asia-pacific/",  # a public host that is not the site
    ]


def card(url: str) -> str:
    return (
        f'<div class="article__block" data-type="article"><div class="article__article"><a href="{url}" '
        f'class="article__article-link"><div class="article__article-desc"><div class="article__article-title">'
        f"Read {url}</div></div></a></div></div>"
    )


def list_item(url: str) -> str:
    return (
        f'<div class="list__item"><div class="list__content"><a href="{url}" class="list__title" title="Item">Item</a>'
        f'<div class="list__info"><div class="list__date " data-unixtime="1772172000">06:00 GMT 27.02.2026</div></div></div></div>'
    )


def plant_traps(root: Path, manifest: dict[str, Any], hostile: list[str]) -> list[str]:
    """Writes the hostile page and the redirecting site URLs into a built mirror; returns the trap paths."""
    routes: dict[str, Any] = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    current = next(a for a in manifest["articles"].values() if a["layout"] == "current" and a["hops"] == 0)
    page = (root / routes[current["paths"][0]]["file"]).read_text(encoding="utf-8")
    marker = '<div class="article__body">'
    assert marker in page
    page = page.replace(marker, marker + "".join(card(u) for u in hostile), 1)
    (root / "site" / "hostile.html").write_text(page, encoding="utf-8")
    routes[HOSTILE_PAGE] = {"file": "site/hostile.html", "status": 200, "type": "text/html; charset=utf-8"}
    traps = [f"/20260106/trap-{n}-11999990{n:02d}.html" for n in range(len(hostile))]
    for path, target in zip(traps, hostile):
        routes[path] = {"file": None, "status": 301, "location": target, "type": "text/html; charset=utf-8"}
    (root / "routes.json").write_text(json.dumps(routes), encoding="utf-8")
    index = root / routes["/asia/"]["file"]
    listing = index.read_text(encoding="utf-8")
    marker = '<div class="list list-tag" data-section="asia">'
    assert marker in listing
    items = [HOSTILE_PAGE, *hostile, *(f"https://sputnikglobe.com{p}" for p in traps)]
    index.write_text(listing.replace(marker, marker + "".join(list_item(u) for u in items), 1), encoding="utf-8")
    return traps


@pytest.fixture
def other_server(mirror_root: Path) -> Iterator[MirrorServer]:
    """Another server on 127.0.0.1: any request that reaches it is a request that got out."""
    with MirrorServer(mirror_root) as server:
        yield server


def test_no_link_or_redirect_leaves_the_site(tmp_path: Path, other_server: MirrorServer) -> None:
    root = tmp_path / "mirror"
    manifest = build_mirror(root, n_asia=30)
    hostile = hostile_urls(other_server.port)
    traps = plant_traps(root, manifest, hostile)
    guard = json.dumps({**project_settings.DOWNLOADER_MIDDLEWARES, "tests.ops.guard.LoopbackOnly": 999})
    with MirrorServer(root) as server:
        run = run_crawl(server.base_url, tmp_path / "crawl", "-s", f"DOWNLOADER_MIDDLEWARES={guard}",
                        "-s", "NEWSCRAWL_READ_MORE_DEPTH=1", "-s", "RETRY_TIMES=0")
        served = list(server.requests)
    assert run.returncode == 0, run.log[-3000:]
    assert "ESCAPED" not in run.log
    stats = json.loads(query(tmp_path / "crawl" / "news.sqlite", "SELECT stats FROM crawls")[0][0])
    assert "test/escaped" not in stats
    assert other_server.requests == []
    # every redirect to a hostile URL was refused by the site's middleware, before robots.txt or a download
    assert stats["newscrawl/offsite_refused"] == len(hostile)
    assert set(traps) <= set(served)
    # the links themselves were never turned into requests
    assert stats["newscrawl/links/offsite"] >= 2 * len(hostile)
    assert HOSTILE_PAGE in served
    assert not [t for t in served if "canary" in t or "admin" in t or "meta-data" in t]


@pytest.mark.parametrize("base_url", [None, "http://127.0.0.1:8000"], ids=["live", "mirror"])
def test_site_middleware_refuses_every_other_host(base_url: Optional[str]) -> None:
    crawler = get_crawler(AsiaSpider)
    crawler.spider = AsiaSpider(base_url=base_url)
    crawler.stats.open_spider()
    middleware = SiteMirrorMiddleware(crawler)
    for url in hostile_urls(8001):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url))
    assert crawler.stats.get_value("newscrawl/offsite_refused") == len(hostile_urls(8001))
    # the site itself goes through (to the mirror when there is one)
    fetched = middleware.process_request(Request("https://sputnikglobe.com/asia/"))
    assert (fetched.url if fetched else "https://sputnikglobe.com/asia/").startswith(base_url or "https://sputnikglobe.com")
