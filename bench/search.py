"""Search, diff and the edit log at scale, and what the full-text index costs (issue 17's targets).

    .venv/bin/python -m bench.search                        # 100,000 articles, then the crawl comparison
    .venv/bin/python -m bench.search --articles 20000 --crawl-articles 2000 --reps 3 --out bench/out/search.json

1. The archive: the mirror's corpus at `--articles` index articles (generate_site, edition 1,
   plus its off-index articles), its expected items written into a fresh SQLite archive by
   Archive.write_batch in the crawl's batches; then edition 2's edits and new articles, as
   the next crawl stores them. `--archive FILE` keeps it (and reuses it when it is there).
2. `scrapy search`: 50 queries made from the corpus's words (rare and common words, phrases,
   prefixes, boolean queries, filters), each run 3 times after a warm-up, in-process on one
   reader engine as the command opens it (after start-up): p50, p95, max; the command itself
   (start-up included) for a few of them.
3. `scrapy diff` of 50 edited articles (read the history, diff, render) and `scrapy changes`
   over the whole archive, in-process and as commands.
4. The writer's CPU per article with and without the index: the same batches written into
   two archives, one without the index's objects (and without its per-batch insert),
   alternately, CPU time of Archive.write_batch (`--ab-articles`); then `--reps` crawls of a
   `--crawl-articles` mirror each way (the writer process's CPU: the crawl's reaped children),
   with the archive's size with and without the index.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from sqlalchemy import text

from bench.run import ROOT, scrapy_command, stats_extension_setting
from newscrawl import db, readers, settings
from newscrawl.commands.diff import render_pieces
from newscrawl.db import Archive
from newscrawl.history import ChangeFilter, diff_versions, edit_log, read_history
from newscrawl.items import Article
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.expected import expected_item
from newscrawl.mirror.generate import generate_site
from newscrawl.mirror.server import MirrorServer
from newscrawl.readers import open_reader
from newscrawl.readout import Output
from newscrawl.search import SearchFilter, search_archive
from tests.archive.conftest import expected_articles

BATCH = settings.NEWSCRAWL_BATCH_SIZE
TARGETS = {"search_p95_ms": 50, "diff_ms": 100, "changes_s": 1.0, "writer_cpu_added": 0.10}
# what drops the index from an archive made at the head (the "without" side)
_DROP_INDEX = ("DROP TRIGGER articles_fts_update", "DROP TRIGGER articles_fts_delete", "DROP TABLE articles_fts",
               "DROP VIEW articles_fts_source")


def corpus(n_asia: int, now: datetime) -> tuple[list[Article], list[Article], list[str]]:
    """Edition 1's articles; edition 2's edited and new ones; the edited ids (the manifest's)."""
    editions = []
    for edition in (1, 2):
        site = generate_site(n_asia, edition=edition, now=now)
        manifest = {"articles": {a.id: {"expected": expected_item(a, site.articles), "layout": a.layout, "paths": a.served_paths}
                                 for a in site.articles.values()}}
        editions.append((site, expected_articles(manifest)))
    (site1, first), (site2, second) = editions
    later = [second[i] for i in [*site2.changed, *site2.new]]
    return list(first.values()), later, list(site2.changed)


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_archive(path: Path, first: list[Article], later: list[Article]) -> dict[str, Any]:
    remove_database(path)
    archive = Archive(f"sqlite:///{path}")
    began, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(first), BATCH):
        archive.write_batch(first[start : start + BATCH], crawl_id=1)
    for start in range(0, len(later), BATCH):
        archive.write_batch(later[start : start + BATCH], crawl_id=2)
    figures = {"write_seconds": round(time.perf_counter() - began, 1),
               "write_cpu_ms_per_article": round((time.process_time() - cpu) * 1000 / (len(first) + len(later)), 3),
               **archive.counts()}
    archive.close()
    return figures


def sizes(path: Path, work: Path) -> dict[str, float]:
    """The archive's size as it is, and vacuumed with and without the index (MiB)."""
    with_index, without = work / "with-index.sqlite", work / "without-index.sqlite"
    out = {"as_written_mib": round(path.stat().st_size / 2**20, 1)}
    for target, drop in ((with_index, False), (without, True)):
        remove_database(target)
        shutil.copyfile(path, target)
        connection = sqlite3.connect(target, isolation_level=None)
        if drop:
            for statement in _DROP_INDEX:
                connection.execute(statement)
        connection.execute("VACUUM")
        connection.close()
        out["vacuumed_with_index_mib" if not drop else "vacuumed_without_index_mib"] = round(target.stat().st_size / 2**20, 1)
        target.unlink()
    out["index_share"] = round(1 - out["vacuumed_without_index_mib"] / out["vacuumed_with_index_mib"], 3)
    return out


# the queries ---------------------------------------------------------------------------

def word_frequencies(articles: list[Article]) -> Counter[str]:
    """In how many articles each word (4 letters or more) of the title, lead and body stands."""
    frequency: Counter[str] = Counter()
    for article in articles:
        frequency.update({w.lower() for w in re.findall(r"[A-Za-z]{4,}", f"{article.title} {article.lead or ''} {article.body}")})
    return frequency


def make_queries(articles: list[Article], frequency: Counter[str], seed: int = 1) -> list[tuple[str, str, SearchFilter]]:
    """50 (kind, query, filter) from the corpus's own words. Common words: in 5% to 40% of the
    articles (a name or topic a researcher looks for: "korea", "trade"); the words in most
    articles, which search nothing out ("officials", "sputnik"), are timed apart (very_common)."""
    rng = random.Random(seed)
    total = len(articles)
    by_df = sorted(frequency, key=lambda w: (frequency[w], w))
    rare = [w for w in by_df if frequency[w] <= max(3, total // 2000)]
    common = [w for w in by_df if total // 20 <= frequency[w] <= total * 2 // 5 and len(w) >= 5]
    middle = [w for w in by_df if total // 500 <= frequency[w] <= total // 50 and len(w) >= 7]
    bigrams: Counter[str] = Counter()
    for article in rng.sample(articles, min(2000, total)):
        words = re.findall(r"[A-Za-z]+", article.title)
        bigrams.update(f"{a} {b}".lower() for a, b in zip(words, words[1:]) if len(a) > 3 and len(b) > 3)
    phrases = [p for p, _ in bigrams.most_common(40)]
    tags = Counter(t for a in articles for t in a.tags).most_common(10)
    authors = Counter(t for a in articles for t in a.authors).most_common(10)
    queries: list[tuple[str, str, SearchFilter]] = []
    queries += [("rare word", w, SearchFilter()) for w in rng.sample(rare, 10)]
    queries += [("common word", w, SearchFilter()) for w in rng.sample(common, 10)]
    queries += [("phrase", f'"{p}"', SearchFilter()) for p in rng.sample(phrases, 10)]
    queries += [("prefix", w[:5] + "*", SearchFilter()) for w in rng.sample(middle, 8)]
    a, b, c, d, e, f = rng.sample(middle, 3) + rng.sample(common, 3)
    queries += [("boolean", q, SearchFilter()) for q in (f"{a} OR {b}", f"{d} -{e}", f"({a} OR {d}) {f}", f"{e} NOT {c}",
                                                        f'"{phrases[0]}" OR {b}', f"{d} {e} {f}")]
    queries += [
        ("filter", rng.choice(common), SearchFilter(section="asia")),
        ("filter", rng.choice(common), SearchFilter(since="2019-01-01", until="2020-12-31")),
        ("filter", rng.choice(common), SearchFilter(tags=(tags[0][0],))),
        ("filter", rng.choice(common), SearchFilter(authors=(authors[0][0],))),
        ("filter", rng.choice(middle), SearchFilter(order="newest")),
        ("filter", rng.choice(middle), SearchFilter(section="asia", since="2018-01-01", order="newest")),
    ]
    assert len(queries) == 50, len(queries)
    return queries


def very_common_queries(frequency: Counter[str]) -> list[tuple[str, str, SearchFilter]]:
    """The five words in the most articles, alone and with a section: timed apart, not targets."""
    top = [w for w, _ in frequency.most_common(5)]
    return [("very common", w, SearchFilter()) for w in top] + [("very common", top[0], SearchFilter(section="asia"))]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def timing(values_ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values_ms, 0.5), 2), "p95_ms": round(percentile(values_ms, 0.95), 2),
            "max_ms": round(max(values_ms), 2), "mean_ms": round(statistics.mean(values_ms), 2)}


def bench_search(database_url: str, queries: list[tuple[str, str, SearchFilter]], rounds: int = 3) -> dict[str, Any]:
    engine = open_reader(database_url, "search")
    try:
        for _, query, selection in queries:  # warm-up: the OS cache, as a second search finds it
            search_archive(engine, query, selection)
        per_query: list[dict[str, Any]] = []
        every: list[float] = []
        for kind, query, selection in queries:
            times = []
            for _ in range(rounds):
                began = time.perf_counter()
                results = search_archive(engine, query, selection)
                times.append((time.perf_counter() - began) * 1000)
            every += times
            per_query.append({"kind": kind, "query": query, "filter": {k: v for k, v in vars(selection).items() if v and k != "limit"},
                              "matches": results.total, "median_ms": round(statistics.median(times), 2)})
    finally:
        engine.dispose()
    by_kind = {kind: timing([t for q in per_query if q["kind"] == kind for t in [q["median_ms"]]]) for kind in dict.fromkeys(q["kind"] for q in per_query)}
    return {"queries": len(queries), "rounds": rounds, **timing(every), "by_kind": by_kind,
            "slowest": sorted(per_query, key=lambda q: -q["median_ms"])[:5], "per_query": per_query}


def with_python_sqlite(run: Callable[[], Any]) -> Any:
    """`run` with the readers opening SQLite through Python's own module."""
    kept = readers.sqlite3
    readers.sqlite3 = sqlite3  # type: ignore[assignment]
    try:
        return run()
    finally:
        readers.sqlite3 = kept


def bench_diff(database_url: str, edited: list[str], count: int = 50) -> dict[str, Any]:
    engine = open_reader(database_url, "diff")
    out = Output("never")
    out.stream = io.StringIO()  # rendered as the command renders it, written nowhere
    times = []
    try:
        for article_id in random.Random(2).sample(edited, min(count, len(edited))):
            began = time.perf_counter()
            with engine.connect() as conn:
                history = read_history(conn, article_id)
            assert history is not None
            before, after = history.edits()[-1]
            change = diff_versions(before, after)
            for pieces in change.text.values():
                render_pieces(out, pieces, full=False)
            times.append((time.perf_counter() - began) * 1000)
    finally:
        engine.dispose()
    return {"articles": len(times), **timing(times)}


def bench_changes(database_url: str, edited: list[str], rounds: int = 3) -> dict[str, Any]:
    engine = open_reader(database_url, "changes")
    times, found = [], 0
    try:
        for _ in range(rounds):
            began = time.perf_counter()
            with engine.connect() as conn:
                log = edit_log(conn, ChangeFilter())
            times.append(time.perf_counter() - began)
            found = len(log)
    finally:
        engine.dispose()
    assert found == len(edited), (found, len(edited))  # exactly the corpus's edits
    return {"articles_changed": found, "min_s": round(min(times), 3), "median_s": round(statistics.median(times), 3)}


def commands(database_url: str, edited: list[str], reps: int = 3) -> dict[str, Any]:
    """The commands as a user runs them, start-up included (median wall seconds)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {"search": ["search", "--limit", "20", "minister"], "diff": ["diff", edited[0]], "changes": ["changes", "--json"],
            "version (start-up alone)": ["version"]}
    out = {}
    for name, args in runs.items():
        extra = [] if args[0] == "version" else ["-s", f"NEWSCRAWL_DATABASE_URL={database_url}"]
        walls = []
        for _ in range(reps):
            began = time.perf_counter()
            done = subprocess.run([*scrapy_command(), args[0], *extra, *args[1:]], cwd=ROOT, env=env, capture_output=True)
            walls.append(time.perf_counter() - began)
            assert done.returncode == 0, done.stderr.decode()[-500:]
        out[name] = round(statistics.median(walls), 3)
    return out


# the writer's cost -----------------------------------------------------------------------

def writer_ab(articles: list[Article], work: Path) -> dict[str, Any]:
    """CPU of Archive.write_batch per article with the index and without, the same batches
    written alternately into two archives (the machine's load falls on both alike)."""
    paths = {"with": work / "ab-with.sqlite", "without": work / "ab-without.sqlite"}
    archives = {}
    for kind, path in paths.items():
        remove_database(path)
        archives[kind] = Archive(f"sqlite:///{path}")
    with archives["without"].engine.begin() as conn:
        for statement in _DROP_INDEX:
            conn.execute(text(statement))
    indexing = db.index_added_articles
    cpu = {"with": 0.0, "without": 0.0}
    try:
        for number, start in enumerate(range(0, len(articles), BATCH)):
            batch = articles[start : start + BATCH]
            for kind in ("with", "without") if number % 2 == 0 else ("without", "with"):
                db.index_added_articles = indexing if kind == "with" else (lambda conn, ids: None)
                began = time.process_time()
                archives[kind].write_batch(batch, crawl_id=1)
                cpu[kind] += time.process_time() - began
    finally:
        db.index_added_articles = indexing
        for archive in archives.values():
            archive.close()
    sizes_mib = {kind: round(path.stat().st_size / 2**20, 1) for kind, path in paths.items()}
    for path in paths.values():
        remove_database(path)
    per_article = {kind: round(value * 1000 / len(articles), 4) for kind, value in cpu.items()}
    return {"articles": len(articles), "cpu_ms_per_article": per_article, "added": round(cpu["with"] / cpu["without"] - 1, 3),
            "size_mib": sizes_mib}


_SITECUSTOMIZE = """\
# bench/search.py: both sides import the archive's module at start-up; the "without" side
# (BENCH_WITHOUT_FTS=1) leaves out the writer's per-batch insert into the index
import os
import newscrawl.db
if os.environ.get("BENCH_WITHOUT_FTS") == "1":
    newscrawl.db.index_added_articles = lambda conn, article_ids: None
"""


def crawl_ab(n_asia: int, reps: int, work: Path) -> dict[str, Any]:
    """`scrapy crawl asia` of a mirror into a fresh archive, with the index and without
    (the archive made at the head, the index's objects dropped), alternately: the writer
    process's CPU per stored article and the archive's size."""
    mirror = work / f"mirror-{n_asia}"
    if not (mirror / "routes.json").exists():
        build_mirror(mirror, n_asia=n_asia)
    hook = work / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    runs: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
    with MirrorServer(mirror) as server:
        for rep in range(reps):
            for kind in ("with", "without") if rep % 2 == 0 else ("without", "with"):
                run_dir = work / f"crawl-{kind}-{rep}"
                shutil.rmtree(run_dir, ignore_errors=True)
                run_dir.mkdir(parents=True)
                database = run_dir / "news.sqlite"
                if kind == "without":
                    archive = Archive(f"sqlite:///{database}")
                    with archive.engine.begin() as conn:
                        for statement in _DROP_INDEX:
                            conn.execute(text(statement))
                    archive.close()
                env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}", "NEWSCRAWL_DATA_DIR": str(run_dir / "data"),
                       "BENCH_WITHOUT_FTS": "1" if kind == "without" else "0"}
                stats_out = run_dir / "stats.json"
                command = [*scrapy_command(), "crawl", "asia", "-a", f"base_url={server.base_url}",
                           "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}", "-s", "AUTOTHROTTLE_ENABLED=False",
                           "-s", f"EXTENSIONS={stats_extension_setting()}", "-s", f"BENCH_STATS_OUT={stats_out}",
                           "-s", f"LOG_FILE={run_dir / 'crawl.log'}"]
                done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True)
                stats = json.loads(stats_out.read_text()) if stats_out.exists() else {}
                assert done.returncode == 0 and stats.get("finish_reason") == "finished", done.stderr.decode()[-2000:]
                with sqlite3.connect(database) as connection:
                    has_index = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
                assert has_index == (kind == "with")
                stored = int(stats.get("newscrawl/stored/new", 0))
                runs[kind].append({"stored": stored, "writer_cpu_s": stats["bench/children_cpu_seconds"],
                                   "writer_cpu_ms_per_article": round(stats["bench/children_cpu_seconds"] * 1000 / stored, 3),
                                   "size_mib": round(database.stat().st_size / 2**20, 2)})
                print(f"  crawl {kind} index #{rep}: {stored} stored, writer {runs[kind][-1]['writer_cpu_ms_per_article']} ms/article",
                      flush=True)
    median = {kind: statistics.median(r["writer_cpu_ms_per_article"] for r in rs) for kind, rs in runs.items()}
    return {"articles": n_asia, "reps": reps, "runs": runs, "writer_cpu_ms_per_article_median": median,
            "added": round(median["with"] / median["without"] - 1, 3),
            "size_mib": {kind: statistics.median(r["size_mib"] for r in rs) for kind, rs in runs.items()}}


@contextmanager
def folder(keep: Optional[Path]) -> Iterator[Path]:
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="bench-search-") as name:
        yield Path(name)


def step(title: str, action: Callable[[], Any]) -> Any:
    print(f"== {title}", flush=True)
    began = time.perf_counter()
    result = action()
    shown = {k: v for k, v in result.items() if k != "per_query"} if isinstance(result, dict) else "done"
    print(f"   {json.dumps(shown)[:1500]}  ({time.perf_counter() - began:.0f} s)", flush=True)
    return result


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="index articles of the archive's corpus")
    parser.add_argument("--archive", type=Path, default=None, help="keep the archive here (reused when it exists)")
    parser.add_argument("--ab-articles", type=int, default=20_000, help="articles written each way for the writer's CPU (0: none)")
    parser.add_argument("--crawl-articles", type=int, default=2000, help="mirror of the crawl comparison (0: none)")
    parser.add_argument("--reps", type=int, default=3, help="crawls each way")
    parser.add_argument("--compare-python-sqlite", action="store_true",
                        help="time the 50 queries again through Python's own sqlite3 module (Debian's SQLite)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "search.json", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"targets": TARGETS, "sqlite_writer": sqlite3.sqlite_version,
                               "sqlite_readers": readers.sqlite3.sqlite_version, "nproc": os.cpu_count(),
                               "load_at_start": os.getloadavg()}
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    first, later, edited = step(f"corpus of {args.articles} index articles (two editions)", lambda: corpus(args.articles, now))
    figures["corpus"] = {"articles_edition1": len(first), "edited": len(edited), "new": len(later) - len(edited),
                         "mean_body_chars": round(statistics.mean(len(a.body) for a in first))}
    with folder(args.archive.parent if args.archive else None) as work:
        path = args.archive or work / "archive.sqlite"
        url = f"sqlite:///{path}"
        if not path.exists():
            figures["build"] = step("archive", lambda: build_archive(path, first, later))
        else:  # a kept archive, brought to this newscrawl's schema as a crawl would
            Archive(url).close()
        figures["size"] = step("size with and without the index", lambda: sizes(path, work))
        frequency = word_frequencies(first)
        queries = make_queries(first, frequency)
        figures["search"] = step("search: 50 queries x 3", lambda: bench_search(url, queries))
        if args.compare_python_sqlite and readers.sqlite3 is not sqlite3:
            figures["search_python_sqlite"] = step(f"search with Python's own SQLite {sqlite3.sqlite_version}, for comparison",
                                                   lambda: with_python_sqlite(lambda: bench_search(url, queries)))
        figures["search_very_common"] = step("search: the most common words (not in the 50)",
                                             lambda: bench_search(url, very_common_queries(frequency)))
        figures["diff"] = step("diff: 50 edited articles", lambda: bench_diff(url, edited))
        figures["changes"] = step("changes: the whole archive", lambda: bench_changes(url, edited))
        figures["commands_wall_s"] = step("the commands, start-up included", lambda: commands(url, edited))
        if args.ab_articles:
            figures["writer_ab"] = step(f"writer CPU with and without the index ({args.ab_articles} articles)",
                                        lambda: writer_ab(first[: args.ab_articles], work))
        if args.crawl_articles:
            figures["crawl_ab"] = step(f"crawls of {args.crawl_articles} articles with and without the index",
                                       lambda: crawl_ab(args.crawl_articles, args.reps, work))
    figures["met"] = {
        "search_p95": figures["search"]["p95_ms"] <= TARGETS["search_p95_ms"],
        "diff_p95": figures["diff"]["p95_ms"] <= TARGETS["diff_ms"],
        "changes": figures["changes"]["median_s"] <= TARGETS["changes_s"],
        **({"writer_cpu_in_process": figures["writer_ab"]["added"] <= TARGETS["writer_cpu_added"]} if "writer_ab" in figures else {}),
        **({"writer_cpu_crawl": figures["crawl_ab"]["added"] <= TARGETS["writer_cpu_added"]} if "crawl_ab" in figures else {}),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
    print(json.dumps({k: v for k, v in figures.items() if k not in ("search",)}, indent=1, default=str))
    print(f"search p50 {figures['search']['p50_ms']} ms, p95 {figures['search']['p95_ms']} ms; written to {args.out}")
    return 0 if all(figures["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
