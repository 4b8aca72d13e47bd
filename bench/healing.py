"""What healing an archive costs, next to a plain incremental crawl (issue 13).

    .venv/bin/python -m bench.healing [--articles 2000] [--seed 1] [--rate 0.2] [--times 6] [--out bench/out]

On a mirror of `--articles` Asia articles (bench/run.py's cached build, served by nginx as
there, or by MirrorServer when nginx is missing), four runs of `scrapy crawl asia`:

(a) faulty:   through the fault proxy (newscrawl/mirror/faults.py: every fault class dealt over
              the mirror's article pages, `--rate` of them, each spoiled on its first `--times`
              answers, so that the fault outlasts the crawl's own retries) into a fresh archive A;
(b) healing:  straight from the mirror into the same archive A;
(c) first:    a plain first crawl into a fresh archive C (the clean reference);
(d) recrawl:  a plain incremental re-crawl of C.

It prints requests (`downloader/request_count`) and seconds (`elapsed_time_seconds`) of (b)
next to (d), and archive A after (a) and after (b) against C: articles missing, damaged (any
field of the item differs from C's; body alone too) and extra, overall and per fault class.
Figures go to OUT/healing.json as well. Exit status 1 when a crawl fails to run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Optional, Union

from bench.nginx_mirror import NGINX, NginxMirror
from bench.run import ROOT, CrawlRun, ensure_mirror, run_crawl
from newscrawl.mirror.faults import FAULTS, FaultProxy, mirror_article_targets
from newscrawl.mirror.server import MirrorServer
from newscrawl.urls import article_id_from_url

# what the crawl wrote about when and whence, not what it read, and which of two same texts
# came first (crawl order): left out of "damaged"
BOOKKEEPING = ("fetched_url", "fetched_at", "first_seen_at", "last_seen_at", "changed_at", "duplicate_of")
EXTRA_STATS = ("retry/count", "retry/max_reached", "newscrawl/pages_failed", "log_count/ERROR")


class CountedMirror:
    """A MirrorServer with what bench.run.run_crawl asks of nginx: a base URL and the
    requests served since a point."""

    def __init__(self, server: MirrorServer) -> None:
        self.server = server
        self.base_url = server.base_url

    def log_position(self) -> int:
        return len(self.server.requests)

    def requests_since(self, position: int) -> tuple[int, int]:
        return len(self.server.requests) - position, 0


class Pointed:
    """A served mirror with the crawl pointed elsewhere (the proxy in front of it): the
    requests are still counted where the mirror serves them."""

    def __init__(self, served: "Served", base_url: str) -> None:
        self.served = served
        self.base_url = base_url

    def log_position(self) -> int:
        return self.served.log_position()

    def requests_since(self, position: int) -> tuple[int, int]:
        return self.served.requests_since(position)


Served = Union[NginxMirror, CountedMirror, Pointed]


def articles(database: Path) -> dict[str, dict[str, Any]]:
    """The archive's articles by id, their item fields only."""
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM articles").fetchall()
    return {row["article_id"]: {k: row[k] for k in row.keys() if k not in BOOKKEEPING} for row in rows}


def compare(archive: dict[str, dict[str, Any]], reference: dict[str, dict[str, Any]],
            spoiled: dict[str, str]) -> dict[str, Any]:
    """Archive against the clean reference: ids missing, damaged (any field differs, and the
    body alone), extra; missing and damaged also per fault class of the spoiled ids."""
    missing = sorted(set(reference) - set(archive))
    damaged = sorted(i for i in set(reference) & set(archive) if archive[i] != reference[i])
    per_class = {fault: {"spoiled": 0, "missing": 0, "damaged": 0} for fault in FAULTS}
    for article_id, fault in spoiled.items():
        per_class[fault]["spoiled"] += 1
        per_class[fault]["missing"] += article_id in missing
        per_class[fault]["damaged"] += article_id in damaged
    return {"articles": len(archive), "reference": len(reference), "missing": len(missing), "damaged": len(damaged),
            "damaged_body": sum(1 for i in damaged if archive[i]["body"] != reference[i]["body"]),
            "extra": len(set(archive) - set(reference)), "per_fault": per_class,
            "missing_ids": missing[:50], "damaged_ids": damaged[:50]}


def crawl_figures(run: CrawlRun) -> dict[str, Any]:
    stats_file = Path(run.log).parent / "stats.json"
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    return {"requests": run.requests, "seconds": run.elapsed_seconds, "wall_seconds": run.wall_seconds,
            "items": run.items, "server_requests": run.server_requests, "error": run.error,
            **{key: stats.get(key, 0) for key in EXTRA_STATS}}


def run_all(args: argparse.Namespace, mirror_root: Path, served: Served, work: Path) -> dict[str, Any]:
    shutil.rmtree(work, ignore_errors=True)
    healed_db, plain_db = work / "healed" / "news.sqlite", work / "plain" / "news.sqlite"
    crawls: dict[str, CrawlRun] = {}

    def crawl(kind: str, database: Path, server: Served) -> None:
        crawls[kind] = run_crawl(kind, args.articles, 1, server, work / kind, database, args.timeout)  # type: ignore[arg-type]

    crawl("first", plain_db, served)
    crawl("recrawl", plain_db, served)
    targets = mirror_article_targets(mirror_root)
    with FaultProxy(served.base_url, seed=args.seed, rate=args.rate, times=args.times, targets=targets,
                    record_path=work / "faults.json") as proxy:
        crawl("faulty", healed_db, Pointed(served, proxy.base_url))
    record = proxy.report()
    spoiled = {article_id_from_url(target) or target: fault for target, fault in record["faults"].items()}
    reference = articles(plain_db)
    after_faulty = compare(articles(healed_db), reference, spoiled)
    crawl("healing", healed_db, served)
    after_healing = compare(articles(healed_db), reference, spoiled)
    return {"articles_option": args.articles, "seed": args.seed, "rate": args.rate, "times": args.times,
            "article_pages": len(targets), "faults": {k: record[k] for k in ("counts", "spoiled_answers_total", "article_requests")},
            "spoiled_articles": len(spoiled), "crawls": {kind: crawl_figures(run) for kind, run in crawls.items()},
            "archive_after_faulty": after_faulty, "archive_after_healing": after_healing}


def render(results: dict[str, Any]) -> str:
    crawls = results["crawls"]
    lines = [f"healing bench: {results['article_pages']} article pages, {results['spoiled_articles']} spoiled "
             f"(seed {results['seed']}, rate {results['rate']}, {results['times']} answers each), served by {results['server']}",
             "spoiled answers per class: " + ", ".join(f"{k} {v}" for k, v in results["faults"]["counts"].items()),
             "", f"{'crawl':30} {'requests':>8} {'seconds':>8} {'items':>6} {'retries':>7} {'failed':>6}"]
    for kind, label in (("faulty", "(a) through the fault proxy"), ("healing", "(b) healing, same archive"),
                        ("first", "(c) plain first crawl"), ("recrawl", "(d) plain incremental")):
        c = crawls[kind]
        lines.append(f"{label:30} {c['requests']:>8} {c['seconds']:>8.1f} {c['items']:>6} {c['retry/count']:>7} "
                     f"{c['newscrawl/pages_failed']:>6}{'  FAILED' if c['error'] else ''}")
    b, d = crawls["healing"], crawls["recrawl"]
    lines.append(f"healing / incremental: {b['requests'] / max(d['requests'], 1):.1f}x the requests, "
                 f"{b['seconds'] / max(d['seconds'], 1e-9):.1f}x the seconds")
    lines += ["", f"{'archive A vs plain C':30} {'articles':>8} {'missing':>8} {'damaged':>8} {'(body)':>6} {'extra':>6}"]
    for key, label in (("archive_after_faulty", "after (a)"), ("archive_after_healing", "after (b)")):
        a = results[key]
        lines.append(f"{label:30} {a['articles']:>8} {a['missing']:>8} {a['damaged']:>8} {a['damaged_body']:>6} {a['extra']:>6}")
    lines.append(f"{'plain C (reference)':30} {results['archive_after_healing']['reference']:>8}")
    lines += ["", "per fault class, articles spoiled: missing / damaged after (a); after (b)"]
    before, after = results["archive_after_faulty"]["per_fault"], results["archive_after_healing"]["per_fault"]
    lines += [f"  {k:14} {v['spoiled']:>4}: {v['missing']:>4} / {v['damaged']:<4}; {after[k]['missing']:>4} / {after[k]['damaged']}"
              for k, v in before.items()]
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="Asia articles of the mirror (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="the fault proxy's seed: which pages are spoiled (default 1)")
    parser.add_argument("--rate", type=float, default=0.2, help="share of article pages spoiled")
    parser.add_argument("--times", type=int, default=6,
                        help="answers spoiled per spoiled page (6: Scrapy's 3 attempts, each of which Twisted repeats once "
                             "after a reset on a kept-alive connection)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="mirrors, archives, logs (git-ignored)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to one crawl")
    args = parser.parse_args(argv)
    if args.articles < 1 or not 0 < args.rate <= 1 or args.times < 1:
        parser.error("--articles and --times must be at least 1, --rate in (0, 1]")
    out: Path = args.out.resolve()
    mirror = ensure_mirror(out, args.articles)
    root = Path(mirror["root"])
    work = out / "runs" / f"healing-n{args.articles}"
    if Path(NGINX).exists():
        with NginxMirror(root, out / "nginx" / f"healing-n{args.articles}") as nginx:
            results = run_all(args, root, nginx, work) | {"server": "nginx"}
    else:
        with MirrorServer(root) as server:
            results = run_all(args, root, CountedMirror(server), work) | {"server": "MirrorServer (nginx is missing)"}
    (out / "healing.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n" + render(results) + f"\n\nfigures: {out / 'healing.json'}", flush=True)
    return 1 if any(c["error"] for c in results["crawls"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
