"""The benchmarks, side by side, in one run: `bash bench/run.sh [--quick]` (see README).

1. mirrors of 2,000 and 20,000 Asia articles, served by nginx (checked against MirrorServer);
2. the bare-Scrapy ceiling and `scrapy crawl asia` (every pipeline, fresh SQLite), alternately:
   pages/s, their ratio, peak RSS;
3. a py-spy profile of the full crawl, grouped by parsing, cleaning, dedup, database, ...;
4. a re-crawl of the unchanged archive: requests and time against the first crawl;
5. `scrapy export` of the archive: lines/s and peak RSS (when the command exists);
6. bench/extraction.py, our parsers against trafilatura (when the script exists).

Figures go to bench/RESULTS.md (--quick: bench/out/RESULTS-quick.md) and results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from bench.nginx_mirror import NGINX, NginxMirror, check_against_mirror_server
from bench.procs import Measured, run_measured
from bench.profile_groups import summarise
from bench.report import render_results

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PROFILE_RATE = 250  # py-spy samples per second
# stats copied from each crawl into the results
KEPT_STATS = (
    "elapsed_time_seconds", "response_received_count", "downloader/request_count", "item_scraped_count",
    "item_dropped_count", "finish_reason", "memusage/max", "log_count/ERROR", "log_count/WARNING",
    "newscrawl/incremental/archived_not_fetched", "newscrawl/stored/new", "newscrawl/stored/unchanged",
    "newscrawl/index/pages",
    # memory and CPU of the two processes of a crawl: wait4 gives the larger peak of the
    # tree, not the sum, so the writer's own peak comes from its stats and the main's from
    # bench/statsdump.py (memusage/max is sampled only every 60 s)
    "newscrawl/writer/peak_rss_mb", "bench/main_peak_rss_mb", "bench/main_cpu_seconds", "bench/children_cpu_seconds",
)


@dataclass
class CrawlRun:
    kind: str  # "bare", "items", "ours", "recrawl"
    size: int
    rep: int
    returncode: int
    wall_seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    pages: int = 0
    requests: int = 0
    items: int = 0
    server_requests: int = 0
    server_fallbacks: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    log: str = ""
    error: str = ""

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed_seconds if self.elapsed_seconds else 0.0

    @property
    def pages_per_cpu_second(self) -> float:
        """Whole process (start-up included): moves less than pages/s on a busy machine."""
        return self.pages / self.cpu_seconds if self.cpu_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"pages_per_second": self.pages_per_second, "pages_per_cpu_second": self.pages_per_cpu_second}


# set-up ------------------------------------------------------------------------------

def mirror_stamp() -> str:
    """A hash of the mirror's code and corpus: a cached mirror is rebuilt when either changes."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "newscrawl" / "mirror").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_mirror(out: Path, size: int) -> dict[str, Any]:
    """The mirror of `size` articles under out/mirrors, built (in a child process) unless cached."""
    root = out / "mirrors" / f"n{size}"
    stamp = root / "bench-stamp.txt"
    want = mirror_stamp()
    built_seconds: Optional[float] = None
    if not (stamp.exists() and stamp.read_text() == want and (root / "routes.json").exists()):
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([PY, "-m", "newscrawl.mirror", "build", "--out", str(root), "--articles", str(size)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        built_seconds = time.perf_counter() - started
        stamp.write_text(want)
    counts = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["counts"]
    return {"root": str(root), "counts": counts, "built_seconds": built_seconds}


def machine() -> dict[str, Any]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
            "kernel": platform.release(), "load_at_start": os.getloadavg()}


def versions() -> dict[str, str]:
    import lxml.etree
    import scrapy
    import sqlalchemy
    import twisted

    nginx = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
    spy = shutil.which("py-spy", path=str(Path(PY).parent)) or ""
    spy_version = subprocess.run([spy, "--version"], capture_output=True, text=True).stdout.strip().split()[-1] if spy else "missing"
    return {"python": platform.python_version(), "scrapy": scrapy.__version__, "sqlalchemy": sqlalchemy.__version__,
            "twisted": twisted.__version__, "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)), "nginx": nginx,
            "py-spy": spy_version}


# crawls -------------------------------------------------------------------------------

def stats_extension_setting() -> str:
    """EXTENSIONS for -s: the project's own plus the stats dump (a bare -s would replace them)."""
    from newscrawl import settings as project

    extensions = dict(getattr(project, "EXTENSIONS", {}) or {})
    extensions["bench.statsdump.StatsDump"] = 1000
    return json.dumps(extensions)


def scrapy_command() -> list[str]:
    """`scrapy` as the README runs it: the console script beside this Python (a child process
    started by spawn differs between the script and `python -m scrapy`: see newscrawl/writer.py)."""
    script = Path(PY).parent / "scrapy"
    return [str(script)] if script.exists() else [PY, "-m", "scrapy"]


def crawl_command(kind: str, base_url: str, run_dir: Path, database: Path,
                  *, as_module: bool = False) -> tuple[list[str], dict[str, str]]:
    """The crawl of one kind; `as_module` runs `python -m scrapy`, whose main thread py-spy's
    stacks name (bench/profile_groups.py), instead of the console script."""
    stats_out = run_dir / "stats.json"
    log_file = run_dir / "crawl.log"
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(run_dir / "data"), "PYTHONPATH": str(ROOT)}
    if kind in ("bare", "items"):
        items = ["--items", str(run_dir / "feed.jsonl")] if kind == "items" else []
        return [PY, "-m", "bench.bare_spider", "--base-url", base_url, "--stats-out", str(stats_out),
                "--log-file", str(log_file), *items], env
    scrapy = [PY, "-m", "scrapy"] if as_module else scrapy_command()
    return [*scrapy, "crawl", "asia", "-a", f"base_url={base_url}",
            "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", f"EXTENSIONS={stats_extension_setting()}", "-s", f"BENCH_STATS_OUT={stats_out}",
            "-s", f"LOG_FILE={log_file}"], env


def tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def run_crawl(kind: str, size: int, rep: int, server: NginxMirror, run_dir: Path, database: Path,
              timeout: float, base_url: Optional[str] = None) -> CrawlRun:
    """One crawl against nginx (or base_url, e.g. the MirrorServer itself), measured."""
    run_dir.mkdir(parents=True, exist_ok=True)
    command, env = crawl_command(kind, base_url or server.base_url, run_dir, database)
    position = server.log_position()
    with open(run_dir / "stderr.txt", "wb") as err:
        measured = run_measured(command, ROOT, env, stdout=err, stderr=err, timeout=timeout)
    served, fallbacks = server.requests_since(position)
    run = CrawlRun(kind, size, rep, measured.returncode, round(measured.wall_seconds, 3), round(measured.peak_rss_mb, 1),
                   round(measured.cpu_seconds, 3), server_requests=served, server_fallbacks=fallbacks, log=str(run_dir / "crawl.log"))
    stats_file = run_dir / "stats.json"
    if stats_file.exists():
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        run.stats = {k: stats[k] for k in KEPT_STATS if k in stats}
        run.elapsed_seconds = float(stats.get("elapsed_time_seconds", 0.0))
        run.pages = int(stats.get("response_received_count", 0))
        run.requests = int(stats.get("downloader/request_count", 0))
        run.items = int(stats.get("item_scraped_count", 0))
    if measured.returncode != 0 or run.stats.get("finish_reason") != "finished" or measured.timed_out:
        run.error = (f"exit {measured.returncode}, finish_reason {run.stats.get('finish_reason')}"
                     f"{', timed out' if measured.timed_out else ''}\n{tail(run_dir / 'crawl.log')}\n{tail(run_dir / 'stderr.txt')}")
    where = " (on MirrorServer)" if base_url else ""
    print(f"  {kind:7} n={size} #{rep}{where}: {run.pages} pages in {run.elapsed_seconds:.1f}s "
          f"= {run.pages_per_second:.0f} pages/s ({run.pages_per_cpu_second:.0f} per CPU-s), peak RSS {run.peak_rss_mb:.0f} MB"
          f"{'  FAILED: ' + run.error.splitlines()[0] if run.error else ''}", flush=True)
    return run


def alternate(size: int, server: NginxMirror, work: Path, reps: int, timeout: float) -> tuple[list[CrawlRun], Optional[Path]]:
    """bare, items, ours, bare, items, ours, ...: each ours run into a fresh SQLite file.
    items = bare plus Scrapy's item path (bench/bare_spider.py --items): what yielding and
    exporting an item a page costs before any work of ours."""
    runs: list[CrawlRun] = []
    last_database: Optional[Path] = None
    for rep in range(1, reps + 1):
        runs.append(run_crawl("bare", size, rep, server, work / f"bare-{rep}", work / "unused.sqlite", timeout))
        runs.append(run_crawl("items", size, rep, server, work / f"items-{rep}", work / "unused.sqlite", timeout))
        run_dir = work / f"ours-{rep}"
        shutil.rmtree(run_dir, ignore_errors=True)
        database = run_dir / "news.sqlite"
        run = run_crawl("ours", size, rep, server, run_dir, database, timeout)
        runs.append(run)
        if not run.error:
            last_database = database
    return runs, last_database


def recrawl(size: int, server: NginxMirror, work: Path, database: Path, reps: int, timeout: float) -> list[CrawlRun]:
    """`scrapy crawl asia` again on an archive that a full crawl of the same, unchanged mirror made."""
    return [run_crawl("recrawl", size, rep, server, work / f"recrawl-{rep}", database, timeout) for rep in range(1, reps + 1)]


def profile(kind: str, size: int, server: NginxMirror, work: Path, timeout: float) -> dict[str, Any]:
    """One more crawl (ours into a fresh SQLite file, or the bare one), sampled by py-spy from outside."""
    run_dir = work / f"profile-{kind}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    spy = shutil.which("py-spy", path=str(Path(PY).parent)) or shutil.which("py-spy")
    if not spy:
        return {"error": "py-spy is not installed (pip install -r requirements.txt)"}
    command, env = crawl_command(kind, server.base_url, run_dir, run_dir / "news.sqlite", as_module=True)
    raw = run_dir / "py-spy.txt"
    # --subprocesses: the archive is written by a child process (newscrawl/writer.py), sampled too
    spy_command = [spy, "record", "--rate", str(PROFILE_RATE), "--full-filenames", "--format", "raw", "--subprocesses",
                   "--output", str(raw), "--", *command]
    with open(run_dir / "py-spy.log", "wb") as log:
        measured = run_measured(spy_command, ROOT, env, stdout=log, stderr=log, timeout=timeout)
    if measured.returncode != 0 or not raw.exists():
        return {"error": f"py-spy exit {measured.returncode} (ptrace not allowed?): {tail(run_dir / 'py-spy.log', 5)}"}
    summary = summarise(raw)
    stats_file = run_dir / "stats.json"
    pages = int(json.loads(stats_file.read_text(encoding="utf-8")).get("response_received_count", 0)) if stats_file.exists() else 0
    for group in [*summary["groups"], *summary["writer"]["groups"]]:
        group["ms_per_page"] = round(group["samples"] * 1000 / PROFILE_RATE / pages, 3) if pages else None
    summary.update({"kind": kind, "size": size, "pages": pages, "raw": str(raw), "wall_seconds": round(measured.wall_seconds, 1)})
    return summary


def export(size: int, work: Path, database: Path, reps: int, timeout: float) -> dict[str, Any]:
    """`scrapy export` of an archive to a file: lines/s and peak RSS (when the command exists).
    An export that selects nothing (--since 2999-01-01) times the start-up, to subtract."""
    if not (ROOT / "newscrawl" / "commands" / "export.py").exists():
        return {"error": "not run: newscrawl/commands/export.py is not there yet"}
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(work / "export-data"), "PYTHONPATH": str(ROOT)}
    command = [*scrapy_command(), "export", "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}"]
    results: list[dict[str, Any]] = []
    for rep in range(1, reps + 1):
        row: dict[str, Any] = {}
        for kind, extra in (("empty", ["--since", "2999-01-01"]), ("full", [])):
            target = work / f"export-{rep}.jsonl"
            with open(target, "wb") as out, open(work / f"export-{rep}.err", "wb") as err:
                measured: Measured = run_measured(command + extra, ROOT, env, stdout=out, stderr=err, timeout=timeout)
            with open(target, "rb") as fh:
                lines = sum(1 for _ in fh)
            target.unlink()
            row[kind] = {"returncode": measured.returncode, "lines": lines, "wall_seconds": round(measured.wall_seconds, 3),
                         "peak_rss_mb": round(measured.peak_rss_mb, 1)}
            if measured.returncode != 0:
                row["error"] = tail(work / f"export-{rep}.err")
                break
        if "error" in row:
            results.append(row)
            break
        full, empty = row["full"], row["empty"]
        streaming = full["wall_seconds"] - empty["wall_seconds"]
        row.update({"lines": full["lines"], "wall_seconds": full["wall_seconds"], "peak_rss_mb": full["peak_rss_mb"],
                    "startup_seconds": empty["wall_seconds"], "empty_peak_rss_mb": empty["peak_rss_mb"],
                    "lines_per_second": round(full["lines"] / full["wall_seconds"]),
                    "lines_per_second_streaming": round(full["lines"] / streaming) if streaming > 0 else 0})
        results.append(row)
        print(f"  export  n={size} #{rep}: {full['lines']} lines in {full['wall_seconds']:.2f}s (start-up {empty['wall_seconds']:.2f}s), "
              f"peak RSS {full['peak_rss_mb']:.0f} MB", flush=True)
    return {"size": size, "runs": results}


def extraction(out: Path, timeout: float) -> dict[str, Any]:
    """bench/extraction.py (the extraction engineer's script), when it exists: its report as printed."""
    script = ROOT / "bench" / "extraction.py"
    if not script.exists():
        return {"error": "not run: bench/extraction.py is not there yet"}
    log = out / "extraction.txt"
    with open(log, "wb") as fh:
        measured = run_measured([PY, "-m", "bench.extraction"], ROOT, {**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=fh, stderr=subprocess.STDOUT, timeout=timeout)
    return {"returncode": measured.returncode, "output": log.read_text(encoding="utf-8", errors="replace"),
            "wall_seconds": round(measured.wall_seconds, 1)}


# the whole run ------------------------------------------------------------------------

def bench_size(size: int, sizes: list[int], out: Path, reps: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every step on the mirror of `size` articles, served by nginx for the time of it."""
    print(f"== {size} articles", flush=True)
    mirror = ensure_mirror(out, size)
    work = out / "runs" / f"n{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    entry: dict[str, Any] = {"mirror": mirror}
    with NginxMirror(Path(mirror["root"]), out / "nginx" / f"n{size}") as server:
        assert server.config is not None
        entry["server"] = {"routes_nginx": server.config.routes_served, "routes_fallback": server.config.routes_fallback,
                           **check_against_mirror_server(server)}
        print(f"  nginx answers like MirrorServer on {entry['server']['checked']} requests: "
              f"{len(entry['server']['mismatches'])} mismatches", flush=True)
        # warm-up (not counted): the page cache and nginx's open-file cache, for both kinds alike
        warm = run_crawl("bare", size, 0, server, work / "warm-up", work / "unused.sqlite", args.timeout)
        if size == min(sizes):
            # why nginx: the same bare crawl against the mirror's own Python server
            python = run_crawl("bare", size, 0, server, work / "bare-on-mirrorserver", work / "unused.sqlite", args.timeout,
                               base_url=server.fallback.base_url)
            entry["mirrorserver_vs_nginx"] = {"mirrorserver_pages_per_second": python.pages_per_second,
                                              "nginx_pages_per_second": warm.pages_per_second}
        runs, database = alternate(size, server, work, reps, args.timeout)
        entry["runs"] = [r.as_dict() for r in runs]
        if database is not None:
            entry["recrawl"] = [r.as_dict() for r in recrawl(size, server, work, database, 1 if args.quick else 2, args.timeout)]
            entry["export"] = export(size, work, database, 2 if args.quick else 3, args.timeout)
        if not args.no_profile and size == max(sizes):
            print("  profiling one more crawl of each kind with py-spy ...", flush=True)
            entry["profile"] = {kind: profile(kind, size, server, work, args.timeout) for kind in ("ours", "bare")}
    return entry


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 articles only, 2 repetitions (for development)")
    parser.add_argument("--sizes", default=None, help="comma-separated mirror sizes (default 2000,20000; --quick 2000)")
    parser.add_argument("--reps", type=int, default=None, help="rounds of bare, bare + items, ours per size (default 3; --quick 2)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="mirrors, databases, logs (git-ignored)")
    parser.add_argument("--results", type=Path, default=None, help="default bench/RESULTS.md (--quick: OUT/RESULTS-quick.md)")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profiles of one crawl of each kind")
    parser.add_argument("--no-extraction", action="store_true", help="skip bench/extraction.py")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to one crawl")
    parser.add_argument("--report-only", action="store_true", help="rewrite the results file from OUT's last results JSON")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("2000" if args.quick else "2000,20000")).split(",")]
    reps = args.reps or (2 if args.quick else 3)
    results_file = args.results or (args.out / "RESULTS-quick.md" if args.quick else ROOT / "bench" / "RESULTS.md")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results_json = out / ("results-quick.json" if args.quick else "results.json")
    if args.report_only:
        write_report(json.loads(results_json.read_text(encoding="utf-8")), results_file)
        return 0
    started = time.time()
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)), "quick": args.quick,
        "command": " ".join(["bash bench/run.sh", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(), "versions": versions(), "reps": reps, "sizes": {},
    }
    for size in sizes:
        entry = bench_size(size, sizes, out, reps, args)
        if "profile" in entry:
            results["profile"] = entry.pop("profile")
        results["sizes"][str(size)] = entry
    results["extraction"] = {"error": "not run: --no-extraction"} if args.no_extraction else extraction(out, args.timeout)
    results["finished_seconds"] = round(time.time() - started)
    results_json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    write_report(results, results_file)
    return 0


def write_report(results: dict[str, Any], results_file: Path) -> None:
    """The results file, keeping the hand-written notes of the one it replaces."""
    results_file.parent.mkdir(parents=True, exist_ok=True)
    previous = results_file.read_text(encoding="utf-8") if results_file.exists() else ""
    results_file.write_text(render_results(results, previous), encoding="utf-8")
    print(f"results: {results_file} ({results['finished_seconds']} s)", flush=True)


if __name__ == "__main__":
    # a SIGTERM unwinds like Ctrl-C, so nginx and the crawl in flight are stopped on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    raise SystemExit(main())
