"""Smoke test of bench/: the whole runner on a tiny mirror (the real benchmarks run by hand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.nginx_mirror import NGINX, render_config
from bench.healing import compare
from bench.profile_groups import summarise
from bench.report import main_cpu_ms, parsing_free_bound, rss_parts
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
    # recorded without --subprocesses: everything is the crawl's own, no writer part
    assert summary["writer"]["samples"] == 0 and summary["other_process_samples"] == 0


def test_profile_groups_splits_the_crawl_and_its_writer_process(tmp_path: Path) -> None:
    """py-spy --subprocesses: one process frame per level, command lines holding ';'."""
    root = PROJECT_ROOT
    crawl = 'process 100:"/v/bin/python -m scrapy crawl asia -s X=a;b"'
    writer = crawl + ';process 101:"/v/bin/python -B -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=8) --multiprocessing-fork"'
    tracker = crawl + ';process 102:"/v/bin/python -B -c from multiprocessing.resource_tracker import main;main(7)"'
    spawn = "<module> (<string>:1);spawn_main (/x/multiprocessing/spawn.py:122);_main (/x/multiprocessing/spawn.py:135)"
    raw = tmp_path / "spy.txt"
    raw.write_text(
        # the crawl's main thread: parsing 2, the store pipeline handing a batch over 1
        f"{crawl};_run_module_as_main (<frozen runpy>:198);parse_article ({root}/spiders/section.py:9);"
        f"extract ({root}/newscrawl/parsers/base.py:3) 2\n"
        f"{crawl};_run_module_as_main (<frozen runpy>:198);process_item ({root}/pipelines/store.py:2) 1\n"
        # another thread of the crawl: the pool's manager thread
        f"{crawl};_bootstrap (/x/threading.py:1);run (/x/concurrent/futures/process.py:344) 4\n"
        # the writer: a batch (database 6 under SQLAlchemy, dedup 3), its start-up imports 2, no Python frame 1
        f"{writer};{spawn};_process_worker (/x/concurrent/futures/process.py:246);_write_in_child ({root}/newscrawl/writer.py:46);"
        f"write_batch ({root}/newscrawl/db.py:300);execute (/x/site-packages/sqlalchemy/engine/base.py:7) 6\n"
        f"{writer};{spawn};_process_worker (/x/concurrent/futures/process.py:246);_write_in_child ({root}/newscrawl/writer.py:46);"
        f"write_batch ({root}/newscrawl/db.py:300);minhash ({root}/newscrawl/dedup.py:80) 3\n"
        f"{writer};{spawn};_find_and_load (<frozen importlib._bootstrap>:1176);<module> (/x/site-packages/sqlalchemy/__init__.py:1) 2\n"
        f"{writer} 1\n"
        # multiprocessing's resource tracker: neither the crawl nor the writer
        f"{tracker};<module> (<string>:1);_find_and_load (<frozen importlib._bootstrap>:1176) 5\n"
        f"{tracker} 1\n",
        encoding="utf-8",
    )
    summary = summarise(raw)
    main = {g["group"].split(" ")[0]: g["samples"] for g in summary["groups"]}
    assert summary["samples"] == 3 and main["parsing"] == 2 and main["database"] == 1
    assert summary["other_thread_samples"] == 4
    assert summary["other_process_samples"] == 6
    written = summary["writer"]
    assert written["pids"] == [101] and written["samples"] == 12
    groups = {g["group"].split(" ")[0]: g["samples"] for g in written["groups"]}
    assert (groups["database"], groups["dedup"], groups["start-up"], groups["scrapy/twisted/asyncio"]) == (6, 3, 2, 1)
    # by name: the two tie, and their order among ties is not fixed
    shares = {t["function"]: t["share"] for t in written["top_ours_inclusive"]}
    assert shares["_write_in_child (newscrawl/writer.py)"] == shares["write_batch (newscrawl/db.py)"] == 0.75


def test_crawl_memory_is_main_plus_writer() -> None:
    ours = {"peak_rss_mb": 131.0, "stats": {"bench/main_peak_rss_mb": 120.5, "newscrawl/writer/peak_rss_mb": 90.0}}
    assert rss_parts(ours) == (120.5, 90.0)
    # bare Scrapy, or results older than the writer: wait4's figure, no writer
    assert rss_parts({"peak_rss_mb": 101.0, "stats": {}}) == (101.0, 0.0)


def test_main_process_cpu_and_the_parsing_free_bound() -> None:
    run = {"pages": 2000, "stats": {"bench/main_cpu_seconds": 3.5, "bench/children_cpu_seconds": 1.5}}
    assert main_cpu_ms(run) == pytest.approx(1.75)  # the writer's CPU is not the main process's
    assert main_cpu_ms({"pages": 2000, "stats": {}}) is None  # results from before the figure was kept
    # bare 1.2 ms a page; ours 2.0, of which parsing is a quarter: free parsing leaves 1.5
    assert parsing_free_bound(1.2, 2.0, 0.25) == pytest.approx(0.8)


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (bench/run.sh installs nginx-light)")
def test_the_runner_end_to_end_on_a_tiny_mirror(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    argv = ["--sizes", "30", "--reps", "1", "--no-profile", "--no-extraction", "--out", str(tmp_path), "--results", str(results)]
    assert run_benchmarks(argv) == 0
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    entry = data["sizes"]["30"]
    assert entry["server"]["mismatches"] == []
    runs = {r["kind"]: r for r in entry["runs"]}
    assert all(runs[kind]["error"] == "" for kind in ("bare", "items", "ours")), [runs[k]["error"] for k in runs]
    # bare + items walks what bare walks, yielding an item an article
    assert runs["items"]["requests"] == runs["bare"]["requests"]
    assert runs["items"]["items"] >= runs["ours"]["items"] > 0
    # the two crawls walk the same pages, and nginx saw every request Scrapy counted
    assert abs(runs["bare"]["requests"] - runs["ours"]["requests"]) <= 3
    assert runs["ours"]["server_requests"] == runs["ours"]["requests"]
    assert entry["recrawl"][0]["requests"] < runs["ours"]["requests"]
    text = results.read_text(encoding="utf-8")
    assert "ours/bare" in text and "bare + items" in text and "## Notes" in text


def test_the_healing_bench_counts_what_an_archive_lacks_against_the_clean_one() -> None:
    def article(body: str, title: str = "T") -> dict[str, Any]:
        return {"article_id": body, "title": title, "body": body}

    clean = {i: article(i) for i in ("1", "2", "3", "4", "5")}
    healed = {"1": article("1"), "2": article("2", title="Ã©"), "3": {**article("3"), "body": "half"}, "6": article("6")}
    figures = compare(healed, clean, spoiled={"2": "wrong_charset", "3": "half_body", "4": "reset"})
    assert (figures["articles"], figures["missing"], figures["damaged"], figures["damaged_body"], figures["extra"]) == (4, 2, 2, 1, 1)
    assert figures["missing_ids"] == ["4", "5"] and figures["damaged_ids"] == ["2", "3"]
    assert figures["per_fault"]["wrong_charset"] == {"spoiled": 1, "missing": 0, "damaged": 1}
    assert figures["per_fault"]["half_body"] == {"spoiled": 1, "missing": 0, "damaged": 1}
    assert figures["per_fault"]["reset"] == {"spoiled": 1, "missing": 1, "damaged": 0}
    assert figures["per_fault"]["http_500"] == {"spoiled": 0, "missing": 0, "damaged": 0}
