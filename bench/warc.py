"""What keeping every page as WARC costs, and how fast `scrapy reparse` rebuilds from it (issue 19).

    .venv/bin/python -m bench.warc [--articles 2000] [--reparse-articles 20000] [--reps 3] [--out bench/out]

On bench/run.py's cached mirrors, served by nginx:

1. CPU: `scrapy crawl asia` into a fresh archive with NEWSCRAWL_WARC_ENABLED off, then on, in
   turn (`--reps` pairs): CPU ms per page of the whole crawl (both processes, start-up included,
   wait4), medians; the difference is what WARC writing adds. Then the WARC code alone: every
   page of the last crawl replayed through `WarcRecorder.process_response` in this process
   (thread CPU time): its CPU ms per page, against the crawl's.
2. Disk: the last crawl's WARC files (and their .idx) per article stored and per page.
3. Re-crawl of the unchanged mirror: `scrapy crawl asia` again on that archive (its default,
   incremental), and with `-a refresh=all` (every page fetched again): bytes added to the WARC
   directory against the first crawl's, and records written as revisits.
4. Reparse: a crawl of the `--reparse-articles` mirror with WARC on, then `scrapy reparse`
   into a fresh archive (every article new) and into the crawl's own archive (every article
   compared, none changed): articles per second, whole process (start-up included) and after
   start-up (its `scrapy reparse --id 0`, which reads the files' indexes and selects nothing).

Figures go to OUT/warc.json and are printed as Markdown. Exit status 1 when a run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Optional

from bench.nginx_mirror import NginxMirror
from bench.procs import run_measured
from bench.run import ROOT, crawl_command, ensure_mirror, mirror_stamp, tail


def crawl(base_url: str, run_dir: Path, database: Path, *extra: str, timeout: float = 3600) -> dict[str, Any]:
    run_dir.mkdir(parents=True, exist_ok=True)
    command, env = crawl_command("ours", base_url, run_dir, database)
    with open(run_dir / "stderr.txt", "wb") as err:
        measured = run_measured([*command, *extra], ROOT, env, stdout=err, stderr=err, timeout=timeout)
    stats = json.loads((run_dir / "stats.json").read_text()) if (run_dir / "stats.json").exists() else {}
    pages = int(stats.get("response_received_count", 0))
    if measured.returncode != 0 or stats.get("finish_reason") != "finished":
        raise RuntimeError(f"crawl in {run_dir} failed (exit {measured.returncode}):\n{tail(run_dir / 'crawl.log')}")
    result = {"cpu_seconds": measured.cpu_seconds, "wall_seconds": measured.wall_seconds, "pages": pages,
              "cpu_ms_per_page": 1000 * measured.cpu_seconds / pages, "stored": int(stats.get("newscrawl/stored/new", 0)),
              "main_cpu_ms_per_page": 1000 * float(stats.get("bench/main_cpu_seconds", 0)) / pages,
              "warc_records": int(stats.get("newscrawl/warc/records", 0)), "warc_revisits": int(stats.get("newscrawl/warc/revisits", 0)),
              "warc_responses": int(stats.get("newscrawl/warc/responses", 0))}
    print(f"  crawl {run_dir.name}{' ' + ' '.join(extra) if extra else ''}: {pages} pages, "
          f"{result['cpu_ms_per_page']:.2f} CPU ms/page", flush=True)
    return result


def warc_bytes(data_dir: Path, names: Optional[set[str]] = None) -> tuple[int, int]:
    """(bytes of .warc.gz files, bytes of their .idx), of the files not in `names`."""
    directory = data_dir / "warc"
    warcs = [p for p in directory.glob("*.warc.gz") if names is None or p.name not in names]
    idx = [p for p in directory.glob("*.idx") if names is None or p.name.removesuffix(".idx") not in names]
    return sum(p.stat().st_size for p in warcs), sum(p.stat().st_size for p in idx)


def warc_code_alone(data_dir: Path) -> dict[str, Any]:
    """Every page of a crawl's WARC files through WarcRecorder.process_response again, here:
    the CPU the WARC code takes per page, without the crawl around it."""
    import tempfile

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from newscrawl.recording import WarcConfig, WarcRecorder
    from newscrawl.reparse import PageReader, Report, StoredPages
    from newscrawl.warc import index_of, warc_files
    from spiders.asia import AsiaSpider

    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    files = warc_files(data_dir / "warc")
    pages = StoredPages(files, Report())
    reader = PageReader(settings, "asia")
    exchanges = []
    for path in files:
        for entry in index_of(path).entries:
            if entry.type == "response":
                request = Request(entry.uri)
                response = reader._response(pages.capture((files.index(path), entry)), request)
                if response is not None:
                    exchanges.append((request, response))
    reader.close()
    with tempfile.TemporaryDirectory() as out:
        crawler = Crawler(AsiaSpider, settings)
        crawler.stats = MemoryStatsCollector(crawler)
        recorder = WarcRecorder(crawler, WarcConfig(True, Path(out), 10**9, 0))
        started = time.thread_time()
        for request, response in exchanges:
            recorder.process_response(request, response)
        spent = time.thread_time() - started
        assert recorder.files is not None
        recorder.files.close()
    return {"pages": len(exchanges), "cpu_ms_per_page": 1000 * spent / len(exchanges)}


def reparse(data_dir: Path, database: Path, run_dir: Path, *extra: str) -> dict[str, Any]:
    run_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "scrapy", "reparse", "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}", *extra]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    with open(run_dir / "stdout.txt", "wb") as out, open(run_dir / "stderr.txt", "wb") as err:
        measured = run_measured(command, ROOT, env, stdout=out, stderr=err, timeout=3600)
    text = (run_dir / "stdout.txt").read_text()
    if measured.returncode != 0:
        raise RuntimeError(f"reparse failed:\n{tail(run_dir / 'stderr.txt')}")
    articles = int(text.split("Reparsed ", 1)[1].split()[0]) if "Reparsed " in text else 0
    print(f"  reparse {run_dir.name}: {text.splitlines()[0] if text else ''} in {measured.wall_seconds:.1f}s", flush=True)
    return {"wall_seconds": measured.wall_seconds, "cpu_seconds": measured.cpu_seconds, "articles": articles,
            "peak_rss_mb": measured.peak_rss_mb, "summary": text.strip()}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="mirror size for the CPU, disk and re-crawl figures")
    parser.add_argument("--reparse-articles", type=int, default=20000, help="mirror size for the reparse figures (0: skip)")
    parser.add_argument("--reparse-only", action="store_true",
                        help="only the reparse figures (4), on the crawl of an earlier --reparse-only run when there is one")
    parser.add_argument("--reps", type=int, default=3, help="pairs of crawls, WARC off and on")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="cached mirrors, runs and warc.json (default bench/out)")
    args = parser.parse_args(argv)
    if args.reparse_only:
        if not args.reparse_articles:
            parser.error("--reparse-only needs --reparse-articles above 0")
        results: dict[str, Any] = {"reparse": reparse_figures(args.out, args.out / "runs" / "warc-reparse", args.reparse_articles,
                                                               keep_crawl=True)}
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "warc-reparse.json").write_text(json.dumps(results, indent=2))
        print("\n".join(reparse_lines(results["reparse"])))
        return 0
    work = args.out / "runs" / "warc"
    shutil.rmtree(work, ignore_errors=True)
    results = {"articles": args.articles}
    mirror = ensure_mirror(args.out, args.articles)
    with NginxMirror(Path(mirror["root"]), work / "nginx") as server:
        runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
        for rep in range(1, args.reps + 1):
            for kind in ("off", "on"):
                run_dir = work / f"{kind}-{rep}"
                runs[kind].append(crawl(server.base_url, run_dir, run_dir / "news.sqlite", "-s",
                                        f"NEWSCRAWL_WARC_ENABLED={kind == 'on'}"))
        off = statistics.median(r["cpu_ms_per_page"] for r in runs["off"])
        on = statistics.median(r["cpu_ms_per_page"] for r in runs["on"])
        last = work / f"on-{args.reps}"
        alone = warc_code_alone(last / "data")
        warc, idx = warc_bytes(last / "data")
        stored = runs["on"][-1]["stored"]
        results["cpu"] = {"off_ms_per_page": off, "on_ms_per_page": on, "added_share": (on - off) / off, "runs": runs,
                          "warc_code_alone": alone, "alone_share": alone["cpu_ms_per_page"] / off}
        results["disk"] = {"warc_bytes": warc, "idx_bytes": idx, "articles": stored, "pages": runs["on"][-1]["pages"],
                           "bytes_per_article": (warc + idx) / stored, "warc_bytes_per_page": warc / runs["on"][-1]["pages"]}
        names = {p.name for p in (last / "data" / "warc").glob("*.warc.gz")}
        recrawls = {}
        for label, extra in (("incremental", ()), ("refresh_all", ("-a", "refresh=all"))):
            run_dir = work / f"recrawl-{label}"
            shutil.copytree(last / "data", run_dir / "data")
            shutil.copy(last / "news.sqlite", run_dir / "news.sqlite")
            figures = crawl(server.base_url, run_dir, run_dir / "news.sqlite", *extra)
            added, added_idx = warc_bytes(run_dir / "data", names)
            recrawls[label] = {**figures, "added_warc_bytes": added, "added_idx_bytes": added_idx, "share": added / warc,
                               "share_with_idx": (added + added_idx) / (warc + idx)}
        results["recrawl"] = recrawls
    if args.reparse_articles:
        results["reparse"] = reparse_figures(args.out, work, args.reparse_articles)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "warc.json").write_text(json.dumps(results, indent=2))
    print(render(results))
    return 0


def reparse_figures(out: Path, work: Path, size: int, keep_crawl: bool = False) -> dict[str, Any]:
    """(4): a crawl of the `size` mirror with WARC on, then reparse into a fresh archive and
    into (a copy of) the crawl's own, in one process and with workers. With keep_crawl, the
    crawl of an earlier run in `work` is read again when it finished on today's mirror
    (remove `work` to crawl again): only the reparses are measured here."""
    big = ensure_mirror(out, size)
    run_dir = work / f"reparse-crawl-n{size}"
    stamp = run_dir / "bench-stamp.txt"
    reused = keep_crawl and stamp.exists() and stamp.read_text() == mirror_stamp()
    for stale in work.glob("reparse-*") if keep_crawl else ():
        if stale != run_dir or not reused:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    work.mkdir(parents=True, exist_ok=True)
    if reused:
        crawled = json.loads((run_dir / "crawl.json").read_text())
        print(f"  crawl {run_dir.name}: reused ({crawled['pages']} pages)", flush=True)
    else:
        with NginxMirror(Path(big["root"]), work / "nginx-big") as server:
            crawled = crawl(server.base_url, run_dir, run_dir / "news.sqlite")
        (run_dir / "crawl.json").write_text(json.dumps(crawled))
        stamp.write_text(mirror_stamp())
    startup = reparse(run_dir / "data", work / "reparse-unused.sqlite", work / "reparse-startup", "--id", "0")
    figures: dict[str, Any] = {"articles": size, "crawl": crawled, "startup": startup, "load_average": os.getloadavg()}
    for workers in ("1", str(os.cpu_count() or 1)):
        fresh = work / f"reparse-rebuilt-{workers}.sqlite"
        figures[f"fresh-{workers}"] = reparse(run_dir / "data", fresh, work / f"reparse-fresh-{workers}", "--workers", workers)
        # a copy, so that the crawl's own archive stays as the crawl left it for the next run
        same = work / f"reparse-same-{workers}.sqlite"
        shutil.copy(run_dir / "news.sqlite", same)
        figures[f"same-{workers}"] = reparse(run_dir / "data", same, work / f"reparse-same-{workers}", "--workers", workers)
    for key, run in figures.items():
        if key.startswith(("fresh", "same")):
            run["articles_per_second"] = run["articles"] / run["wall_seconds"]
            run["articles_per_second_after_startup"] = run["articles"] / max(1e-9, run["wall_seconds"] - startup["wall_seconds"])
    figures["load_average_after"] = os.getloadavg()
    return figures


def render(results: dict[str, Any]) -> str:
    cpu, disk, recrawl = results["cpu"], results["disk"], results["recrawl"]
    lines = [
        f"## WARC (bench/warc.py, {results['articles']:,} articles)",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| crawl CPU ms/page, WARC off / on (medians of {len(cpu['runs']['on'])}) | {cpu['off_ms_per_page']:.2f} / "
        f"{cpu['on_ms_per_page']:.2f} (+{100 * cpu['added_share']:.1f}%) | |",
        f"| WARC code alone, CPU ms/page (every page replayed through WarcRecorder) | {cpu['warc_code_alone']['cpu_ms_per_page']:.3f} "
        f"({100 * cpu['alone_share']:.1f}% of the crawl's) | <= 10% |",
        f"| disk per article stored (WARC + .idx) | {disk['bytes_per_article'] / 1024:.1f} KiB ({disk['articles']:,} articles, "
        f"{disk['pages']:,} pages, {disk['warc_bytes_per_page'] / 1024:.1f} KiB of WARC a page) | |",
    ]
    for label, figures in recrawl.items():
        lines.append(f"| re-crawl of the unchanged mirror ({label.replace('_', '=')}): WARC bytes added | "
                     f"{100 * figures['share']:.2f}% ({figures['pages']:,} pages, {figures['warc_revisits']:,} revisits, "
                     f"{figures['warc_responses']:,} full responses) | < 5% |")
    if "reparse" in results:
        lines += reparse_lines(results["reparse"])
    return "\n".join(lines)


def reparse_lines(rep: dict[str, Any]) -> list[str]:
    lines = []
    for label, figures in rep.items():
        if not label.startswith(("fresh", "same")):
            continue
        kind, workers = label.split("-")
        what = "into a fresh archive" if kind == "fresh" else "into the crawl's archive (all unchanged)"
        how = "one process" if workers == "1" else f"--workers {workers}"
        lines.append(f"| reparse {figures['articles']:,} articles {what}, {how} | {figures['articles_per_second']:,.0f} articles/s "
                     f"({figures['articles_per_second_after_startup']:,.0f} after start-up; {figures['wall_seconds']:.1f} s, "
                     f"CPU {figures['cpu_seconds']:.1f} s, peak RSS {figures['peak_rss_mb']:.0f} MB) | >= 1,000/s |")
    if "load_average" in rep:
        before, after = rep["load_average"], rep.get("load_average_after", rep["load_average"])
        lines.append(f"| load average (1, 5, 15 min) before / after the reparses | {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} / "
                     f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} | |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
