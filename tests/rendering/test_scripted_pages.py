"""The mirror's script-built pages and the rendering decisions, without a crawl.

Expected values come from the mirror's manifest (the corpus), never from the parser."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings

from newscrawl.config import ConfigError
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.text import clean
from newscrawl.parsers import parse_article
from newscrawl.rendering import (
    CHROMIUM_ARGS, PageRenderer, RenderingConfig, browser_may_fetch, find_chromium, script_built_sign,
)
from newscrawl.settings import DOWNLOAD_HANDLERS
from tests.rendering.conftest import SCRIPTED_ARTICLES

MIRROR = "http://127.0.0.1:8000"


def routes(root: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    return found


def page(root: Path, path: str) -> str:
    return (root / routes(root)[path]["file"]).read_text(encoding="utf-8")


def html_response(root: Path, path: str, meta: dict[str, Any] | None = None) -> HtmlResponse:
    request = Request(MIRROR + path, meta=meta or {})
    return HtmlResponse(MIRROR + path, body=page(root, path).encode("utf-8"), encoding="utf-8", request=request)


def rendering_config(**settings: Any) -> RenderingConfig:
    return RenderingConfig.from_settings(Settings({"DOWNLOAD_HANDLERS": DOWNLOAD_HANDLERS, **settings}))


def test_scripted_pages_are_reachable_and_listed_in_the_manifest(scripted_manifest: dict[str, Any]) -> None:
    scripted = scripted_manifest["scripted"]
    kinds = sorted(entry["kind"] for entry in scripted.values())
    assert kinds == ["live-blog", "live-blog", "multimedia", "multimedia"]
    assert sorted(scripted_manifest["articles"][i]["hops"] for i in scripted) == [0, 0, 1, 2]
    assert len(scripted_manifest["asia_ids"]) == SCRIPTED_ARTICLES + 2
    for art_id in scripted:
        assert scripted_manifest["articles"][art_id]["expected"]["body"]


def test_a_default_build_has_no_scripted_page_and_the_rest_is_unchanged(
    tmp_path: Path, scripted_manifest: dict[str, Any]
) -> None:
    plain = build_mirror(tmp_path / "plain", n_asia=SCRIPTED_ARTICLES)
    assert "scripted" not in plain
    assert not any(role.startswith("scripted") for a in plain["articles"].values() for role in a["roles"])
    for art_id, article in plain["articles"].items():
        assert scripted_manifest["articles"][art_id] == article


def test_static_html_holds_no_article_text_but_the_signs_of_a_script(
    scripted_root: Path, scripted_manifest: dict[str, Any]
) -> None:
    for art_id, entry in scripted_manifest["scripted"].items():
        article = scripted_manifest["articles"][art_id]
        html = page(scripted_root, article["paths"][0])
        result = parse_article(html, MIRROR + article["paths"][0], article["url"])
        assert "body" in result.missing, art_id
        assert result.article is not None and result.article.title == article["expected"]["title"]
        assert script_built_sign(html) == ("live_blog" if entry["kind"] == "live-blog" else "script_in_article")


def test_live_blog_entries_are_served_as_json(scripted_root: Path, scripted_manifest: dict[str, Any]) -> None:
    for art_id, entry in scripted_manifest["scripted"].items():
        for route in entry["data"]:
            feed = json.loads(page(scripted_root, route))
            assert feed["id"] == art_id and all(entry["paragraphs"] for entry in feed["entries"])
            # the entries hold HTML fragments: the mirror's own normalisation gives the body
            texts = [clean(t) for entry in feed["entries"] for t in [entry["shown"], entry["title"], *entry["paragraphs"]]]
            assert "\n\n".join(texts) == scripted_manifest["articles"][art_id]["expected"]["body"]


def test_pages_with_a_body_never_go_to_the_browser(scripted_root: Path, scripted_manifest: dict[str, Any]) -> None:
    counted: list[str] = []
    renderer = PageRenderer(rendering_config(), counted.append)
    for art_id, article in scripted_manifest["articles"].items():
        if art_id in scripted_manifest["scripted"]:
            continue
        for path in article["paths"]:
            response = html_response(scripted_root, path)
            result = parse_article(response.text, response.url, article["url"])
            assert renderer.follow_up(response, result, lambda r: None, lambda f: None) is None, path
    assert counted == []


def test_a_script_built_page_is_requested_again_through_the_browser(
    scripted_root: Path, scripted_manifest: dict[str, Any]
) -> None:
    counted: list[str] = []
    config = rendering_config(NEWSCRAWL_CHROMIUM_PATH="/bin/sh")  # any executable: nothing is launched here
    renderer = PageRenderer(config, counted.append)
    art_id = next(iter(scripted_manifest["scripted"]))
    path = scripted_manifest["articles"][art_id]["paths"][0]
    response = html_response(scripted_root, path, {"newscrawl_hops": 1, "download_slot": "x"})
    result = parse_article(response.text, response.url)
    request = renderer.follow_up(response, result, lambda r: None, lambda f: None)
    assert request is not None and request.url == response.url and request.dont_filter
    assert request.meta["playwright"] is True and request.meta["newscrawl_hops"] == 1
    assert "download_slot" not in request.meta and request.meta["newscrawl_static"] is result
    assert counted == ["render_requested"]
    # what comes back from the browser is counted, never sent again
    rendered = html_response(scripted_root, path, {"playwright": True})
    assert renderer.follow_up(rendered, result, lambda r: None, lambda f: None) is None
    assert counted == ["render_requested", "render_empty"]


def test_without_a_browser_pages_are_counted_and_one_warning_says_how_to_install_one(
    scripted_root: Path, scripted_manifest: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    counted: list[str] = []
    renderer = PageRenderer(rendering_config(NEWSCRAWL_CHROMIUM_PATH="/nonexistent/chromium"), counted.append)
    for art_id in scripted_manifest["scripted"]:
        path = scripted_manifest["articles"][art_id]["paths"][0]
        response = html_response(scripted_root, path)
        assert renderer.follow_up(response, parse_article(response.text, response.url), lambda r: None, lambda f: None) is None
    assert counted == ["render_unavailable"] * 4
    warnings = [r.getMessage() for r in caplog.records if r.name == "newscrawl.rendering"]
    assert len(warnings) == 1
    assert "apt-get install chromium" in warnings[0] and "NEWSCRAWL_CHROMIUM_PATH" in warnings[0]


def test_chromium_is_found_on_path_or_named_by_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    browser = tmp_path / "bin" / "chromium"
    browser.parent.mkdir()
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", str(browser.parent))
    assert find_chromium() == str(browser)
    assert find_chromium(str(browser)) == str(browser)
    assert find_chromium("chromium") == str(browser)  # a name, looked up on PATH
    assert find_chromium(str(tmp_path / "missing")) is None  # a named browser that is not there: no guessing
    browser.chmod(0o644)
    assert find_chromium(str(browser)) is None


def test_rendering_settings_are_checked_and_launch_keeps_chromium_quiet() -> None:
    with pytest.raises(ConfigError, match="NEWSCRAWL_RENDER_WAIT"):
        rendering_config(NEWSCRAWL_RENDER_WAIT="soon")
    assert not RenderingConfig.from_settings(Settings({"NEWSCRAWL_CHROMIUM_PATH": "/bin/sh"})).available
    assert "DOWNLOAD_HANDLERS" in RenderingConfig.from_settings(Settings({})).unavailable_because()
    off = rendering_config(NEWSCRAWL_RENDERING_ENABLED=False)
    assert not off.available and "NEWSCRAWL_RENDERING_ENABLED" in off.unavailable_because()
    options = rendering_config(NEWSCRAWL_CHROMIUM_PATH="/bin/sh").launch_options({"args": ["--lang=en"], "slow_mo": 5})
    assert options["executable_path"] == "/bin/sh" and options["headless"] is True and options["slow_mo"] == 5
    assert set(CHROMIUM_ARGS) <= set(options["args"]) and "--lang=en" in options["args"]
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"):
        assert flag in options["args"]
    assert ("--no-sandbox" in options["args"]) == (os.geteuid() == 0)


def test_the_browser_loads_nothing_but_the_mirror_or_the_site() -> None:
    assert browser_may_fetch(MIRROR + "/liveblog/1.json", "fetch", MIRROR)
    assert not browser_may_fetch("https://sputnikglobe.com/x.js", "script", MIRROR)  # the live site, during a mirror crawl
    assert not browser_may_fetch(MIRROR + "/i.jpg", "image", MIRROR)
    assert not browser_may_fetch("https://www.google-analytics.com/collect", "xhr", None)
    assert browser_may_fetch("https://cdn1.img.sputnikglobe.com/app.js", "script", None)
    assert browser_may_fetch("data:text/plain,x", "other", MIRROR)
