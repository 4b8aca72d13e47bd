"""Smoke test of bench/: the whole runner on a tiny mirror (the real benchmarks run by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.nginx_mirror import NGINX, render_config
from bench.profile_groups import summarise
from newscrawl.config import PROJECT_ROOT
from bench.run import main as run_benchmarks
from newscrawl.mirror.build import build_mirror

pytestmark = pytest.mark.e2e


def test_nginx_config_covers_every_route_but_redirects(tmp_path: Path) -> None:
    build_mirror(tmp_path / "m", n_asia=30)
    routes = json.loads((tmp_path / "m" / "routes.json").read_text(encoding="utf-8"))
    config = render_config(tmp_path / "m", tmp_path / "nginx", port=1, py_port=2)
    redirects = sum(1 for r in routes.values() if r["status"] == 301)
    assert config.routes_fallback == redirects
    assert config.routes_served + redirects == len(routes)
    assert "/asia/" in config.files["key.map"]


def test_profile_groups_sends_each_sample_to_the_innermost_group(tmp_path: Path) -> None:
    raw = tmp_path / "spy.txt"
    root = PROJECT_ROOT
    raw.write_text(
        f"_run_module_as_main (<frozen runpy>:198);run (/x/scrapy/core/engine.py:1);parse_article ({root}/spiders/section.py:9);"
        f"extract ({root}/newscrawl/parsers/base.py:3);css (/x/parsel/selector.py:5) 3\n"
        f"_run_module_as_main (<frozen runpy>:198);_parse (/x/scrapy/spiders/__init__.py:1);process_item ({root}/pipelines/store.py:2);"
        "execute (/x/site-packages/sqlalchemy/engine/base.py:7) 1\n"
        "_bootstrap (/x/threading.py:1);wait (/x/threading.py:327) 5\n",
        encoding="utf-8",
    )
    summary = summarise(raw)
    groups = {g["group"].split(" ")[0]: g["share"] for g in summary["groups"]}
    assert groups["parsing"] == 0.75 and groups["database"] == 0.25
    assert summary["other_thread_samples"] == 5


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (bench/run.sh installs nginx-light)")
def test_the_runner_end_to_end_on_a_tiny_mirror(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    argv = ["--sizes", "30", "--reps", "1", "--no-profile", "--no-extraction", "--out", str(tmp_path), "--results", str(results)]
    assert run_benchmarks(argv) == 0
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    entry = data["sizes"]["30"]
    assert entry["server"]["mismatches"] == []
    runs = {r["kind"]: r for r in entry["runs"]}
    assert runs["bare"]["error"] == "" and runs["ours"]["error"] == "", (runs["bare"]["error"], runs["ours"]["error"])
    # the two crawls walk the same pages, and nginx saw every request Scrapy counted
    assert abs(runs["bare"]["requests"] - runs["ours"]["requests"]) <= 3
    assert runs["ours"]["server_requests"] == runs["ours"]["requests"]
    assert entry["recrawl"][0]["requests"] < runs["ours"]["requests"]
    text = results.read_text(encoding="utf-8")
    assert "ours/bare" in text and "## Notes" in text
