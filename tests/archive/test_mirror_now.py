"""The mirror built around `now` (newscrawl/mirror/fresh.py): the edition-2 changes are the
day's news, everything else is older than the refresh window; links still lead to them."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import FreshMirror
from tests.conftest import PROJECT_ROOT


def when(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def test_edition_2_changes_are_the_days_news_and_the_rest_is_older(fresh_mirror: FreshMirror) -> None:
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    now = when(one["now"])
    assert one["now"] == two["now"] and abs(now - datetime.now(timezone.utc)) < timedelta(minutes=10)
    fresh = set(one["changed_in_edition"]["2"]) | set(two["new_in_edition"]["2"])
    for article_id, entry in two["articles"].items():
        published = when(entry["expected"]["published_at"])
        if article_id in fresh:
            assert now - timedelta(days=1) <= published < now, article_id
            assert entry["url"].count(f"{published:%Y%m%d}") == 1  # the URL carries the new date
        else:
            assert published < now - timedelta(days=1) - timedelta(days=3), article_id
    for article_id in one["changed_in_edition"]["2"]:
        first, second = one["articles"][article_id]["expected"], two["articles"][article_id]["expected"]
        assert first["published_at"] == second["published_at"] and first["body"] != second["body"]
        assert (first["modified_at"] or first["published_at"]) < second["modified_at"] <= two["now"]
    # the newest articles top the index: edition 2's new ones, then the edited ones
    assert two["index_ids"][: len(fresh)] == two["new_in_edition"]["2"] + sorted(
        one["changed_in_edition"]["2"], key=lambda i: one["articles"][i]["expected"]["published_at"], reverse=True)


def test_links_to_re_dated_articles_still_lead_to_them(tmp_path: Path) -> None:
    # big enough for READ MORE links to the edited articles (the 60-article mirror has none)
    two = build_mirror(tmp_path / "ed2", n_asia=300, edition=2, now=datetime.now(timezone.utc))
    fresh = set(two["changed_in_edition"]["2"])
    by_url = {a["url"]: i for i, a in two["articles"].items()}
    links = [(source, link, href) for source, hrefs in two["read_more"].items()
             for link, href in zip(two["articles"][source]["expected"]["read_more"], hrefs) if by_url.get(link["url"]) in fresh]
    assert links, "no READ MORE link leads to an edited article"
    with MirrorServer(tmp_path / "ed2") as server:
        for source, link, href in links:
            path = href.split("://", 1)[-1].split("/", 1)[1]
            with urllib.request.urlopen(f"{server.base_url}/{path}", timeout=5) as response:
                assert response.status == 200, (source, href)
                assert link["url"].encode() in response.read()  # the page's canonical URL


def test_without_now_nothing_moves(fresh_mirror: FreshMirror, tmp_path: Path) -> None:
    plain = build_mirror(tmp_path / "plain", n_asia=60, edition=2)
    assert "now" not in plain
    assert plain["changed_in_edition"] == fresh_mirror.manifest2["changed_in_edition"]
    for article_id in plain["changed_in_edition"]["2"]:
        old, new = plain["articles"][article_id]["expected"], fresh_mirror.manifest2["articles"][article_id]["expected"]
        assert old["body"] == new["body"] and old["published_at"] < "2026-07"


def test_the_command_line_takes_now_and_refuses_a_too_early_one(tmp_path: Path) -> None:
    build = [sys.executable, "-m", "newscrawl.mirror", "build", "--articles", "30"]
    done = subprocess.run([*build, "--out", str(tmp_path / "ok"), "--now", "2030-01-02T03:04:05Z"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads((tmp_path / "ok" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["now"] == "2030-01-02T03:04:00Z"
    early = subprocess.run([*build, "--out", str(tmp_path / "early"), "--now", "2020-01-01"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True)
    assert early.returncode == 2 and "now is too early" in early.stderr and "Traceback" not in early.stderr
