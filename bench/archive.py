"""The archive at scale: batched writes with near-duplicate search, and the export's memory.

    .venv/bin/python -m bench.archive [--articles 20000] [--database-url URL] [--out bench/out/archive.json]

Builds a mirror of `--articles` index articles (plus their off-index ones) into a
temporary folder, writes every expected item into a fresh archive (SQLite in a temporary
folder unless --database-url names an empty database) in batches of NEWSCRAWL_BATCH_SIZE's
default, as a crawl would, then exports it. Reports: ms per article for the first and the
last tenth of the batches (near-duplicate search must not grow with the archive the way an
all-pairs comparison would), the near-duplicate pairs found against the manifest's, the
archive size, and the export's time and peak Python memory (tracemalloc; constant memory
means it stays flat as the archive grows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from newscrawl import settings
from newscrawl.db import Archive, ExportFilter
from newscrawl.mirror.build import build_mirror
from tests.archive.conftest import expected_articles

BATCH = settings.NEWSCRAWL_BATCH_SIZE  # as a crawl writes


def write_all(archive: Archive, manifest: dict[str, Any]) -> dict[str, Any]:
    articles = list(expected_articles(manifest).values())
    per_batch: list[float] = []
    for start in range(0, len(articles), BATCH):
        began = time.perf_counter()
        archive.write_batch(articles[start : start + BATCH], crawl_id=1)
        per_batch.append((time.perf_counter() - began) * 1000 / len(articles[start : start + BATCH]))
    tenth = max(1, len(per_batch) // 10)
    found = {frozenset((a, b)) for a, b, _ in archive.near_duplicate_pairs()}
    expected = {frozenset(p) for p in manifest["duplicates"]["near"]}
    return {
        "articles": len(articles),
        "write_seconds": round(sum(per_batch) * BATCH / 1000, 2),
        "ms_per_article_first_tenth": round(statistics.mean(per_batch[:tenth]), 2),
        "ms_per_article_last_tenth": round(statistics.mean(per_batch[-tenth:]), 2),
        "near_pairs_expected": len(expected),
        "near_pairs_found": len(found),
        "near_pairs_missed": len(expected - found),
        "near_pairs_extra": len(found - expected),
    }


def export_all(archive: Archive) -> dict[str, Any]:
    tracemalloc.start()
    began = time.perf_counter()
    lines = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for line in archive.export_lines(ExportFilter()):
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            lines += 1
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"export_lines": lines, "export_seconds": round(seconds, 2), "export_peak_mib": round(peak / 2**20, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000, help="Asia articles of the mirror stored into the archive (default 20000)")
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as folder:
        manifest = build_mirror(Path(folder) / "mirror", n_asia=args.articles)
        database_url = args.database_url or f"sqlite:///{Path(folder) / 'archive.sqlite'}"
        archive = Archive(database_url)
        figures = {"database": archive.engine.dialect.name, **write_all(archive, manifest), **export_all(archive)}
        if archive.engine.dialect.name == "sqlite":
            figures["sqlite_mib"] = round(Path(folder, "archive.sqlite").stat().st_size / 2**20, 1)
        archive.close()
    print(json.dumps(figures, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
