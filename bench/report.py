"""bench/RESULTS.md from the results of bench/run.py (hand-written notes survive a re-run)."""

from __future__ import annotations

import re
import statistics
from typing import Any, Optional

NOTES_START = "<!-- notes: kept when bench/run.py rewrites this file -->"
NOTES_END = "<!-- /notes -->"
TARGET_RATIO = 0.85
TARGET_RSS_MB = 250.0
TARGET_RECRAWL = 0.02
TARGET_EXPORT = 20_000


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _ok(passed: Optional[bool]) -> str:
    return "n/a" if passed is None else ("**met**" if passed else "**missed**")


def _runs(entry: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in entry.get("runs", []) if r["kind"] == kind and not r["error"]]


def rss_parts(run: dict[str, Any]) -> tuple[float, float]:
    """(main process, writer process) peak RSS of a crawl, MB. wait4's ru_maxrss is the larger
    of the two, not their sum, so each comes from the crawl's stats: the main's own high-water
    mark (RUSAGE_SELF when the spider closes, bench/statsdump.py) and the writer's
    (newscrawl/writer/peak_rss_mb). Without them (bare Scrapy, older results): wait4's figure
    and no writer."""
    stats = run.get("stats", {})
    main = float(stats.get("bench/main_peak_rss_mb") or run["peak_rss_mb"])
    return main, float(stats.get("newscrawl/writer/peak_rss_mb") or 0.0)


def _rss_text(main: float, writer: float) -> str:
    """'160 (130 + 30)': the two processes' peaks summed, the honest upper bound of the crawl's memory."""
    return f"{main + writer:.0f} ({main:.0f} + {writer:.0f})" if writer else f"{main:.0f}"


def main_cpu_ms(run: dict[str, Any]) -> Optional[float]:
    """The crawl process's own CPU ms a page (RUSAGE_SELF when the spider closes, start-up
    included; bench/statsdump.py), without its writer process: the figure that bounds pages/s,
    as one process runs on one core at most."""
    seconds = run.get("stats", {}).get("bench/main_cpu_seconds")
    return float(seconds) * 1000 / run["pages"] if seconds is not None and run.get("pages") else None


def parsing_free_bound(bare_main_ms: float, ours_main_ms: float, parsing_share: float) -> float:
    """ours/bare pages/s if the main process paid nothing for parsing (moved elsewhere for free):
    both crawls are bound by their main process's CPU, and parsing takes `parsing_share` of ours'."""
    return bare_main_ms / (ours_main_ms * (1 - parsing_share))


def _median_main_cpu_ms(runs: list[dict[str, Any]]) -> float:
    return _median([x for x in map(main_cpu_ms, runs) if x is not None])


def throughput(entry: dict[str, Any]) -> dict[str, Any]:
    bare, ours, items = _runs(entry, "bare"), _runs(entry, "ours"), _runs(entry, "items")
    parts = [rss_parts(r) for r in ours]
    worst = max(parts, key=sum, default=(0.0, 0.0))
    by_rep = {r["rep"]: r for r in bare}

    def to_bare(runs: list[dict[str, Any]]) -> list[float]:
        """pages/s of each run over the bare run of the same round"""
        return [r["pages_per_second"] / by_rep[r["rep"]]["pages_per_second"] for r in runs
                if r["rep"] in by_rep and by_rep[r["rep"]]["pages_per_second"]]

    ratios, items_ratios = to_bare(ours), to_bare(items)
    return {
        "bare_pps": [round(r["pages_per_second"]) for r in bare], "ours_pps": [round(r["pages_per_second"]) for r in ours],
        "bare_median": _median([r["pages_per_second"] for r in bare]), "ours_median": _median([r["pages_per_second"] for r in ours]),
        "ratios": [round(x, 3) for x in ratios], "ratio_median": _median(ratios),
        "items_pps": [round(r["pages_per_second"]) for r in items], "items_median": _median([r["pages_per_second"] for r in items]),
        "items_ratios": [round(x, 3) for x in items_ratios], "items_ratio_median": _median(items_ratios),
        "items_main_cpu_ms": _median_main_cpu_ms(items),
        "cpu_ratio_median": _median([o["pages_per_cpu_second"] / by_rep[o["rep"]]["pages_per_cpu_second"] for o in ours
                                     if o["rep"] in by_rep and by_rep[o["rep"]]["pages_per_cpu_second"]]),
        "bare_cpu_ms": _median([1000 / r["pages_per_cpu_second"] for r in bare if r["pages_per_cpu_second"]]),
        "ours_cpu_ms": _median([1000 / r["pages_per_cpu_second"] for r in ours if r["pages_per_cpu_second"]]),
        "bare_main_cpu_ms": _median_main_cpu_ms(bare), "ours_main_cpu_ms": _median_main_cpu_ms(ours),
        "bare_pages": _median([r["pages"] for r in bare]), "ours_pages": _median([r["pages"] for r in ours]),
        "bare_rss": _median([r["peak_rss_mb"] for r in bare]), "ours_rss": _median([r["peak_rss_mb"] for r in ours]),
        "ours_rss_max": max((r["peak_rss_mb"] for r in ours), default=0.0),
        # main + writer: medians of each part, and the run whose sum is the highest
        "ours_main_rss": _median([m for m, _ in parts]), "ours_writer_rss": _median([w for _, w in parts]),
        "ours_total_rss": _median([m + w for m, w in parts]), "ours_worst_rss": worst,
        # the writer's CPU, as the crawl's reaped children's when the spider closes (bench/statsdump.py)
        "ours_writer_cpu_ms": _median([r["stats"]["bench/children_cpu_seconds"] * 1000 / r["pages"] for r in ours
                                       if "bench/children_cpu_seconds" in r["stats"] and r["pages"]]),
        "bare_wall": _median([r["wall_seconds"] for r in bare]), "ours_wall": _median([r["wall_seconds"] for r in ours]),
        "ours_requests": _median([r["requests"] for r in ours]), "bare_requests": _median([r["requests"] for r in bare]),
        "ours_items": _median([r["items"] for r in ours]), "fallbacks": sum(r["server_fallbacks"] for r in bare + ours),
        "failed": [r for r in entry.get("runs", []) if r["error"]],
    }


def render_results(results: dict[str, Any], previous: str = "") -> str:
    sizes = sorted(results["sizes"], key=int)
    figures = {size: throughput(results["sizes"][size]) for size in sizes}
    machine, versions = results["machine"], results["versions"]
    lines = [
        "# Benchmarks", "",
        f"Generated by `{results['command']}` on {results['started']} ({results['finished_seconds']} s in all); "
        "figures are medians of runs taken in turn (bare, bare + items, ours, bare, ...) on the same mirror in the same run.",
        "Regenerate with `bash bench/run.sh` (see the README's Benchmarks section).", "",
        "## Machine and versions", "",
        f"- {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB RAM, Linux {machine['kernel']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in machine['load_at_start'])} (shared machine: absolute figures move, ratios hold better)",
        "- " + ", ".join(f"{k} {v}" for k, v in versions.items()), "",
        "## Targets", "",
        "| target | figure | verdict |", "|---|---|---|",
    ]
    lines += _target_rows(results, sizes, figures)
    lines += ["", "## Mirrors and server", "",
              "| articles | pages (200) | routes | built in | routes nginx answers | routes left to the MirrorServer fallback | requests compared with MirrorServer | mismatches |",
              "|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        entry = results["sizes"][size]
        counts, server = entry["mirror"]["counts"], entry["server"]
        built = f"{entry['mirror']['built_seconds']:.1f} s" if entry["mirror"]["built_seconds"] else "cached"
        lines.append(f"| {int(size):,} | {counts['pages_200']:,} | {counts['routes']:,} | {built} | {server['routes_nginx']:,} | "
                     f"{server['routes_fallback']} | {server['checked']} | {len(server['mismatches'])} |")
    for size in sizes:
        versus = results["sizes"][size].get("mirrorserver_vs_nginx")
        if versus:
            lines += ["", f"Why nginx: the bare crawl of the {int(size):,}-article mirror made {versus['mirrorserver_pages_per_second']:.0f} "
                      f"pages/s against the mirror's own Python server and {versus['nginx_pages_per_second']:.0f} pages/s against nginx "
                      "(warm-up run, single runs)."]
    writer_cpu = [f"{figures[size]['ours_writer_cpu_ms']:.2f} ms/page at {int(size):,} articles"
                  for size in sizes if figures[size]["ours_writer_cpu_ms"]]
    lines += ["", "## Throughput and memory: bare Scrapy (the ceiling) against `scrapy crawl asia`", "",
              "pages/s = responses received / the crawl's elapsed time (Scrapy's core stats, start-up excluded).", "",
              "CPU ms/page = user + system time (start-up included) per page of the crawl process and of its children "
              "that it waited for (wait4's rusage counts reaped descendants), so ours includes the archive's writer "
              "process, which the crawl joins before it exits (checked with a spawn pool worker burning 1.5 CPU-seconds: "
              "the launcher read 1.93 s, the parent's own being 0.04 s)"
              + (f"; in these runs the writer's part of ours (the crawl's reaped children's CPU when the spider closes) was "
                 + ", ".join(writer_cpu) if writer_cpu else "")
              + ". It moves far less than pages/s when other work shares the machine, so its ratio is the steadier figure.", "",
              "main CPU ms/page = the crawl process alone (RUSAGE_SELF when the spider closes, bench/statsdump.py), "
              "without the writer: one process runs on one core at most, so this is what bounds pages/s.", "",
              "bare + items = the bare crawl yielding an Article a page, cut from the page's text without parsing, "
              "through three pass-through pipelines (as many as ours has) into a JSON Lines feed "
              "(`python -m bench.bare_spider --items FEED`): what Scrapy's item path costs any crawl that stores "
              "its pages, before any work of ours. Run in the same rotation: bare, bare + items, ours.", "",
              "peak RSS = bare: the crawl process's high-water mark (wait4 ru_maxrss); ours: **main + writer**, the "
              "two processes' own high-water marks added (the upper bound of what the crawl holds at once; wait4's "
              "ru_maxrss would be the larger of the two, not their sum). main = the crawl process alone "
              "(RUSAGE_SELF read when the spider closes, by bench/statsdump.py; Scrapy's `memusage/max` is sampled "
              "only every 60 s, so it misses the peak of a short crawl); writer = `newscrawl/writer/peak_rss_mb` "
              "(the writer's RUSAGE_SELF, reported when it is closed). Medians of each part.", "",
              "| articles | bare pages/s (runs) | bare + items pages/s (runs; / bare) | ours pages/s (runs) | ours/bare (per pair) | CPU ms/page bare / ours (ratio) | main CPU ms/page bare / ours (ratio) | requests bare / ours | items stored | wall s bare / ours | peak RSS MB bare / ours (main + writer) |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        f = figures[size]
        items = (f"{f['items_median']:.0f} ({', '.join(map(str, f['items_pps']))}; **{f['items_ratio_median']:.2f}**)"
                 if f["items_pps"] else "-")
        main_cpu = (f"{f['bare_main_cpu_ms']:.2f} / {f['ours_main_cpu_ms']:.2f} ({f['bare_main_cpu_ms'] / f['ours_main_cpu_ms']:.2f})"
                    if f["bare_main_cpu_ms"] and f["ours_main_cpu_ms"] else "-")
        lines.append(
            f"| {int(size):,} | **{f['bare_median']:.0f}** ({', '.join(map(str, f['bare_pps']))}) | {items} | **{f['ours_median']:.0f}** "
            f"({', '.join(map(str, f['ours_pps']))}) | **{f['ratio_median']:.2f}** ({', '.join(f'{x:.2f}' for x in f['ratios'])}) | "
            f"{f['bare_cpu_ms']:.2f} / {f['ours_cpu_ms']:.2f} ({f['cpu_ratio_median']:.2f}) | {main_cpu} | {f['bare_requests']:.0f} / {f['ours_requests']:.0f} | {f['ours_items']:.0f} | {f['bare_wall']:.1f} / {f['ours_wall']:.1f} | "
            f"{f['bare_rss']:.0f} / {_rss_text(f['ours_main_rss'], f['ours_writer_rss'])} |")
    for size in sizes:
        for failed in figures[size]["failed"]:
            lines += ["", f"Failed run ({failed['kind']} n={size} #{failed['rep']}):", "```", failed["error"][:2000], "```"]
    lines += _profile_section(results.get("profile"))
    lines += _bound_section(results.get("profile"), figures)
    lines += _recrawl_section(results, sizes, figures)
    lines += _export_section(results, sizes)
    lines += _extraction_section(results.get("extraction", {}))
    lines += ["", "## Commands", "", "```bash",
              "bash bench/run.sh            # everything; writes bench/RESULTS.md (10 to 15 minutes on 2 cores)",
              "bash bench/run.sh --quick    # 2,000 articles, 2 rounds; writes bench/out/RESULTS-quick.md",
              "# what it runs, per mirror size N (bench/out/ holds mirrors, logs, databases, py-spy output):",
              "python -m newscrawl.mirror build --out bench/out/mirrors/nN --articles N",
              "nginx -p bench/out/nginx/nN -c nginx.conf        # generated by bench/nginx_mirror.py",
              "python -m bench.bare_spider --base-url URL        # the ceiling",
              "python -m bench.bare_spider --base-url URL --items feed.jsonl   # the ceiling with Scrapy's item path",
              "scrapy crawl asia -a base_url=URL -s NEWSCRAWL_DATABASE_URL=sqlite:///fresh.sqlite -s AUTOTHROTTLE_ENABLED=False",
              "scrapy crawl asia ... (same database again)        # the re-crawl",
              "py-spy record --rate 250 --full-filenames --format raw --subprocesses -o py-spy.txt -- python -m scrapy crawl asia ...",
              "python -m bench.profile_groups py-spy.txt",
              "scrapy export -s NEWSCRAWL_DATABASE_URL=sqlite:///that.sqlite > export.jsonl",
              "python -m bench.extraction", "```"]
    lines += ["", _notes(previous), ""]
    return "\n".join(lines)


def _target_rows(results: dict[str, Any], sizes: list[str], figures: dict[str, dict[str, Any]]) -> list[str]:
    rows = []
    for size in sizes:
        f = figures[size]
        rows.append(f"| full crawl >= {TARGET_RATIO} of bare pages/s ({int(size):,} articles) | {f['ratio_median']:.2f} "
                    f"(per CPU-second: {f['cpu_ratio_median']:.2f}) | "
                    f"{_ok(f['ratio_median'] >= TARGET_RATIO if f['ratios'] else None)} |")
    big, small = sizes[-1], sizes[0]
    # the crawl's memory is its two processes': main + writer (see the throughput table's note)
    main, writer = figures[big]["ours_worst_rss"]
    rss = main + writer
    rows.append(f"| peak RSS <= {TARGET_RSS_MB:.0f} MB at {int(big):,} articles | {rss:.0f} MB main + writer "
                f"(worst run: {main:.0f} main + {writer:.0f} writer) | {_ok(rss <= TARGET_RSS_MB if rss else None)} |")
    if big != small and figures[small]["ours_total_rss"] and figures[small]["bare_rss"]:
        before, after = figures[small], figures[big]
        growth = after["ours_total_rss"] / before["ours_total_rss"]
        bare_growth = after["bare_rss"] / before["bare_rss"]
        rows.append(f"| peak RSS not growing with the mirror ({int(small):,} -> {int(big):,}) | x{growth:.2f} main + writer "
                    f"({_rss_text(before['ours_main_rss'], before['ours_writer_rss'])} -> "
                    f"{_rss_text(after['ours_main_rss'], after['ours_writer_rss'])} MB; bare Scrapy x{bare_growth:.2f}) | "
                    f"{_ok(growth <= 1.1)} |")
    for size in sizes:
        share = _recrawl_share(results["sizes"][size], figures[size])
        rows.append(f"| re-crawl <= {TARGET_RECRAWL:.0%} of the first crawl's requests ({int(size):,}) | "
                    f"{'-' if share is None else f'{share:.2%}'} | {_ok(None if share is None else share <= TARGET_RECRAWL)} |")
    export = results["sizes"][big].get("export", {})
    good = [r for r in export.get("runs", []) if not r.get("error")]
    if good:
        rate = _median([r["lines_per_second"] for r in good])
        streaming = _median([r["lines_per_second_streaming"] for r in good])
        rows.append(f"| export >= {TARGET_EXPORT:,} articles/s ({int(big):,}) | {rate:,.0f}/s whole process, {streaming:,.0f}/s "
                    f"after start-up | {_ok(rate >= TARGET_EXPORT)} |")
        small_export = [r for r in results["sizes"][small].get("export", {}).get("runs", []) if not r.get("error")]
        if big != small and small_export:
            before, after = _median([r["peak_rss_mb"] for r in small_export]), _median([r["peak_rss_mb"] for r in good])
            rows.append(f"| export memory flat ({int(small):,} -> {int(big):,}) | {before:.0f} -> {after:.0f} MB | "
                        f"{_ok(after <= before * 1.15)} |")
    else:
        rows.append(f"| export >= {TARGET_EXPORT:,} articles/s | {export.get('error', 'failed')} | n/a |")
    rows.append(_extraction_row(results.get("extraction", {})))
    return rows


def _extraction_row(extraction: dict[str, Any]) -> str:
    """From bench/extraction.py's printed report: its speed-up line and its exit status
    (0 when ours is ahead of every trafilatura setting on both F1 and speed)."""
    target = "| parsers >= 5x faster than trafilatura at a higher body F1 |"
    if extraction.get("error"):
        return f"{target} {extraction['error']} | n/a |"
    speed = re.search(r"([\d.]+)x as fast as (the fastest trafilatura setting[^\n]*)", extraction.get("output", ""))
    f1 = re.search(r"best trafilatura F1: [^\n]*", extraction.get("output", ""))
    figure = "; ".join(m.group(0) for m in (speed, f1) if m) or "see Extraction below"
    met = extraction.get("returncode") == 0 and speed is not None and float(speed.group(1)) >= 5
    return f"{target} {figure} | {_ok(met)} |"


def _recrawl_share(entry: dict[str, Any], f: dict[str, Any]) -> Optional[float]:
    runs = [r for r in entry.get("recrawl", []) if not r["error"]]
    if not runs or not f["ours_requests"]:
        return None
    return float(_median([r["requests"] for r in runs])) / f["ours_requests"]


def _bound_section(profiles: Optional[dict[str, dict[str, Any]]], figures: dict[str, dict[str, Any]]) -> list[str]:
    """What is left for our own work under the throughput target, and what moving parsing out of
    the crawl process could give at best, from this run's own figures."""
    lines = ["", "## What bounds the full crawl's pages/s", ""]
    for size, figure in figures.items():
        if not (figure["items_ratio_median"] and figure["items_main_cpu_ms"] and figure["bare_main_cpu_ms"]
                and figure["ours_main_cpu_ms"]):
            continue
        allowed = figure["bare_main_cpu_ms"] / TARGET_RATIO
        lines.append(f"- {int(size):,} articles: bare + items makes **{figure['items_ratio_median']:.2f}** of bare's pages/s, "
                     f"so Scrapy's item path alone costs {100 * (1 - figure['items_ratio_median']):.0f} of the "
                     f"{100 * (1 - TARGET_RATIO):.0f} points below bare that the {TARGET_RATIO} target allows. In the crawl "
                     f"process's CPU: {TARGET_RATIO} allows {allowed:.2f} ms/page (bare {figure['bare_main_cpu_ms']:.2f} / "
                     f"{TARGET_RATIO}); bare + items takes {figure['items_main_cpu_ms']:.2f}, "
                     f"leaving **{max(allowed - figure['items_main_cpu_ms'], 0):.2f} ms/page** for all our work on a page "
                     f"(parsing, cleaning, dedup, the hand-over to the writer, the spider's bookkeeping), which takes "
                     f"{figure['ours_main_cpu_ms'] - figure['items_main_cpu_ms']:.2f} now.")
    ours = (profiles or {}).get("ours") or {}
    figure = figures.get(str(ours.get("size")))
    parsing = next((g for g in ours.get("groups", []) if g["group"].startswith("parsing")), None)
    if figure and parsing is not None and figure["bare_main_cpu_ms"] and figure["ours_main_cpu_ms"]:
        bound = parsing_free_bound(figure["bare_main_cpu_ms"], figure["ours_main_cpu_ms"], parsing["share"])
        lines.append(f"- With parsing moved out of the crawl process for free ({int(ours['size']):,} articles): "
                     f"bare's main CPU {figure['bare_main_cpu_ms']:.2f} ms/page / (ours' {figure['ours_main_cpu_ms']:.2f} x "
                     f"(1 - parsing's {parsing['share']:.1%} of its main thread, py-spy)) = **{bound:.2f}** of bare's pages/s "
                     "at best.")
    return lines if len(lines) > 3 else []


def _profile_section(profiles: Optional[dict[str, dict[str, Any]]]) -> list[str]:
    lines = ["", "## Where the full crawl's time goes (py-spy)", ""]
    if not profiles:
        return lines + ["Not run (--no-profile)."]
    ours, bare = profiles.get("ours", {}), profiles.get("bare", {})
    if ours.get("error"):
        return lines + [f"Not available: {ours['error']}"]
    # older results (py-spy without --subprocesses) have no writer part
    writer = ours.get("writer") or {}
    writer_groups = {g["group"]: g for g in writer.get("groups", [])}
    lines += [f"One more crawl of each kind on the {int(ours['size']):,}-article mirror (ours into a fresh SQLite file), sampled "
              f"at 250 Hz from outside the processes: {ours['samples']:,} busy samples of ours' main "
              + (f"thread and {writer['samples']:,} of its writer process (py-spy --subprocesses)" if writer else
                 "thread (its writer process not sampled: recorded without --subprocesses)")
              + f", {bare.get('samples', 0):,} of bare's main thread. "
              "Each sample goes to the innermost frame of its stack that belongs to a group "
              "(lxml under a parser is parsing, SQLAlchemy under the store pipeline is the database); ms/page = the group's "
              "samples / 250 / pages. Raw stacks: `" + ours["raw"] + "`.", "",
              "The archive is written by a child process (newscrawl/writer.py, near-duplicate search included), so the "
              "crawl's main thread, whose busy time bounds pages/s, no longer carries the database; the machine's total "
              "CPU per page (main + writer here, CPU ms/page in the throughput table) still includes it.", "",
              "| group | share of ours' main thread | ours main thread ms/page | ours writer process ms/page | ours both ms/page | bare ms/page |",
              "|---|---|---|---|---|---|"]
    bare_groups = {g["group"]: g for g in bare.get("groups", [])}
    for group in ours["groups"]:
        other = bare_groups.get(group["group"], {})
        main_ms = group["ms_per_page"] or 0
        writer_ms = (writer_groups.get(group["group"], {}).get("ms_per_page") or 0) if writer else None
        lines.append(f"| {group['group']} | {group['share']:.1%} | {main_ms:.3f} | {_ms(writer_ms)} | "
                     f"{main_ms + (writer_ms or 0):.3f} | {other.get('ms_per_page') or 0:.3f} |")
    total_ours = sum(g["ms_per_page"] or 0 for g in ours["groups"])
    total_writer = sum(g.get("ms_per_page") or 0 for g in writer.get("groups", [])) if writer else None
    total_bare = sum(g.get("ms_per_page") or 0 for g in bare.get("groups", []))
    lines.append(f"| **all (busy)** | 100% | **{total_ours:.3f}** | **{_ms(total_writer)}** | "
                 f"**{total_ours + (total_writer or 0):.3f}** | **{total_bare:.3f}** |")
    lines += ["", "Hottest functions of ours' main thread (self time) | share", "---|---"]
    lines += [f"`{t['function']}` | {t['share']:.1%}" for t in ours["top_self"][:12]]
    lines += ["", "Our functions in the main thread, inclusive | share", "---|---"]
    lines += [f"`{t['function']}` | {t['share']:.1%}" for t in ours["top_ours_inclusive"][:15]]
    if writer.get("samples"):
        lines += ["", "Hottest functions of the writer process (self time; shares of its busy samples) | share", "---|---"]
        lines += [f"`{t['function']}` | {t['share']:.1%}" for t in writer["top_self"][:12]]
        lines += ["", "Our functions in the writer process, inclusive | share", "---|---"]
        lines += [f"`{t['function']}` | {t['share']:.1%}" for t in writer["top_ours_inclusive"][:10]]
    return lines


def _ms(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def _recrawl_section(results: dict[str, Any], sizes: list[str], figures: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["", "## Re-crawl of the unchanged archive", "",
             "`scrapy crawl asia` again on the database of the last full crawl, same mirror; NEWSCRAWL_REFRESH_DAYS at its default.", "",
             "| articles | requests first crawl / re-crawl | share | seconds first / re-crawl (elapsed) | wall s | articles not fetched again | peak RSS MB (main + writer) |",
             "|---|---|---|---|---|---|---|"]
    for size in sizes:
        runs = [r for r in results["sizes"][size].get("recrawl", []) if not r["error"]]
        f = figures[size]
        if not runs:
            lines.append(f"| {int(size):,} | not run | | | | | |")
            continue
        requests = _median([r["requests"] for r in runs])
        elapsed = _median([r["elapsed_seconds"] for r in runs])
        first_elapsed = _median([r["elapsed_seconds"] for r in _runs(results["sizes"][size], "ours")])
        skipped = _median([r["stats"].get("newscrawl/incremental/archived_not_fetched", 0) for r in runs])
        lines.append(f"| {int(size):,} | {f['ours_requests']:.0f} / {requests:.0f} | {requests / f['ours_requests']:.2%} | "
                     f"{first_elapsed:.1f} / {elapsed:.1f} ({elapsed / first_elapsed:.0%}) | {_median([r['wall_seconds'] for r in runs]):.1f} | "
                     f"{skipped:.0f} | {_rss_text(_median([rss_parts(r)[0] for r in runs]), _median([rss_parts(r)[1] for r in runs]))} |")
    return lines


def _export_section(results: dict[str, Any], sizes: list[str]) -> list[str]:
    lines = ["", "## `scrapy export` of the archive", ""]
    rows = []
    for size in sizes:
        export = results["sizes"][size].get("export", {})
        if export.get("error"):
            return lines + [f"Not run: {export['error'].removeprefix('not run: ')}. The step runs by itself once the command lands."]
        good = [r for r in export.get("runs", []) if not r.get("error")]
        bad = [r for r in export.get("runs", []) if r.get("error")]
        if bad:
            rows.append(f"| {int(size):,} | failed: {bad[0]['error'][:300]!r} | | | | | |")
        if good:
            rows.append(
                f"| {int(size):,} | {_median([r['lines'] for r in good]):,.0f} | {_median([r['wall_seconds'] for r in good]):.2f} | "
                f"{_median([r['startup_seconds'] for r in good]):.2f} | **{_median([r['lines_per_second'] for r in good]):,.0f}** | "
                f"{_median([r['lines_per_second_streaming'] for r in good]):,.0f} | "
                f"{_median([r['empty_peak_rss_mb'] for r in good]):.0f} / {_median([r['peak_rss_mb'] for r in good]):.0f} |")
    return lines + ["`scrapy export` to a file, whole process; start-up = the same command selecting nothing (`--since 2999-01-01`).", "",
                    "| articles | lines | wall s | start-up s | lines/s | lines/s after start-up | peak RSS MB empty / full |",
                    "|---|---|---|---|---|---|---|", *rows]


def _extraction_section(extraction: dict[str, Any]) -> list[str]:
    lines = ["", "## Extraction: our parsers against trafilatura (bench/extraction.py)", ""]
    if extraction.get("error"):
        return lines + [f"Not run: {extraction['error'].removeprefix('not run: ')}; the runner calls it once it exists."]
    return lines + [f"`python -m bench.extraction` (exit {extraction['returncode']}, {extraction['wall_seconds']} s):", "",
                    "```", extraction["output"].rstrip()[-6000:], "```"]


def _notes(previous: str) -> str:
    """The hand-written analysis between the notes markers of the previous file, kept as it was."""
    if NOTES_START in previous and NOTES_END in previous:
        return NOTES_START + previous.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0] + NOTES_END
    return f"{NOTES_START}\n## Notes\n\n(analysis by hand)\n{NOTES_END}"
