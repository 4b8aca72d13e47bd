"""`scrapy browse` at scale: the article list, a search and an article page at 100,000 articles.

    .venv/bin/python -m bench.browse [--articles 100000] [--requests 20] [--out bench/out/browse.json]

Builds (once: kept as bench/out/browse-<N>.sqlite for the next run) an archive of the mirror
generator's `--articles` index articles and their off-index ones, written as a crawl writes
them (batches of NEWSCRAWL_BATCH_SIZE, near-duplicate search included), then 2% of them
edited (a sentence added, stored as a second version) and 48 crawls' rows. Then starts
`scrapy browse` on it as a user does (start-up: until it prints its line, having counted the
article list's facets once), asks each page once (a search's facets are counted then), then
`--requests` times each, and reports the first, median, 90th-percentile and slowest answer
(wall time of the whole HTTP request on 127.0.0.1). Target: the article list,
a search and an article page each answer in 300 ms or less after start-up; the home page
and the charts are reported too.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from newscrawl import settings
from newscrawl.cleaning import content_hash
from newscrawl.db import Archive
from newscrawl.mirror.expected import expected_item
from newscrawl.mirror.generate import generate_site
from tests.archive.conftest import expected_articles
from tests.browse.conftest import start_browse

TARGET_MS = 300
EDITED_SHARE = 0.02
CRAWLS = 48
OUT = Path(__file__).resolve().parent / "out"


def build_archive(path: Path, articles: int) -> dict[str, Any]:
    """The archive of the generator's site of `articles` index articles; what it holds."""
    began = time.perf_counter()
    site = generate_site(articles)
    manifest = {"articles": {a.id: {"expected": expected_item(a, site.articles), "layout": a.layout, "paths": a.served_paths}
                             for a in site.articles.values()}}
    items = list(expected_articles(manifest).values())
    archive = Archive(f"sqlite:///{path}")
    try:
        first = archive.start_crawl("asia", {})
        for start in range(0, len(items), settings.NEWSCRAWL_BATCH_SIZE):
            archive.write_batch(items[start : start + settings.NEWSCRAWL_BATCH_SIZE], crawl_id=first)
        archive.finish_crawl(first, "finished", {"new": len(items)}, {"elapsed_time_seconds": 3600.0, "downloader/response_count": len(items)})
        rng = random.Random(18)
        edited = [replace(item, body=item.body + " UPDATE: the ministry later confirmed the figures.")
                  for item in rng.sample(items, int(len(items) * EDITED_SHARE))]
        for item in edited:
            item.content_hash = content_hash(item.title, item.body)
            item.word_count = len(item.body.split())
        for number in range(1, CRAWLS):
            crawl = archive.start_crawl("asia", {})
            batch = edited[number - 1 :: CRAWLS - 1]
            if batch:
                archive.write_batch(batch, crawl_id=crawl)
            archive.finish_crawl(crawl, "finished", {"changed": len(batch)},
                                 {"elapsed_time_seconds": 60.0 + number, "downloader/response_count": 200 + len(batch)})
    finally:
        archive.close()
    return {"articles": len(items), "edited": len(edited), "edited_id": edited[0].article_id,
            "build_seconds": round(time.perf_counter() - began, 1)}


def timed_get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - began) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="index articles of the mirror's site (default 100000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests of each page (default 20)")
    parser.add_argument("--out", type=Path, default=OUT / "browse.json", help="where the figures go (JSON)")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    database = OUT / f"browse-{args.articles}.sqlite"
    facts_file = database.with_suffix(".json")
    if not (database.exists() and facts_file.exists()):
        database.unlink(missing_ok=True)
        facts_file.write_text(json.dumps(build_archive(database, args.articles)), encoding="utf-8")
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    print(f"archive: {database} ({facts['articles']:,} articles, {facts['edited']:,} edited; {database.stat().st_size / 2**20:,.0f} MiB)",
          flush=True)

    pages = {
        "article list": "/archive/articles",
        "search (a common word)": "/archive/articles?" + urllib.parse.urlencode({"_search": "missile"}),
        "search (two words)": "/archive/articles?" + urllib.parse.urlencode({"_search": "trade talks"}),
        "article page (edited)": f"/archive/articles/{facts['edited_id']}",
        "home": "/",
        "charts": "/charts",
    }
    began = time.perf_counter()
    server = start_browse(f"sqlite:///{database}", timeout=300)
    try:
        start_up = time.perf_counter() - began  # the server answers once it has counted the list's facets
        first = {name: timed_get(server.url + path) for name, path in pages.items()}  # a search's facets: counted now
        results: dict[str, Any] = {}
        for name, path in pages.items():
            times = sorted(timed_get(server.url + path) for _ in range(args.requests))
            results[name] = {"first_ms": round(first[name], 1), "median_ms": round(statistics.median(times), 1),
                             "p90_ms": round(times[int(len(times) * 0.9) - 1], 1), "slowest_ms": round(times[-1], 1)}
    finally:
        code, stderr = server.stop()
    report = {"articles": facts["articles"], "edited": facts["edited"], "requests": args.requests,
              "start_up_seconds": round(start_up, 1), "pages": results, "target_ms": TARGET_MS, "exit_status": code}
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"start-up (until the first line, the list's facets counted): {start_up:.1f} s")
    print(f"{'page':28} {'first ms':>9} {'median ms':>10} {'90% ms':>8} {'slowest ms':>11}")
    for name, figures in results.items():
        print(f"{name:28} {figures['first_ms']:>9} {figures['median_ms']:>10} {figures['p90_ms']:>8} {figures['slowest_ms']:>11}")
    measured = [name for name in pages if not name.startswith(("home", "charts"))]
    over = [name for name in measured if results[name]["p90_ms"] > TARGET_MS]
    print(f"target {TARGET_MS} ms: " + ("met by " + ", ".join(measured) if not over else "MISSED by " + ", ".join(over)))
    if stderr.strip():
        print(stderr[-2000:], file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
