"""Where a profiled crawl spends its time, grouped by the part of newscrawl that asked for it.

Reads py-spy's raw (collapsed stack) output of a crawl:
    py-spy record -r 250 --full-filenames -f raw --subprocesses -o crawl.txt -- python -m scrapy crawl asia ...
py-spy samples from outside the process, so the crawl runs at its normal speed (a tracing
profiler such as cProfile or pyinstrument doubles the time of Scrapy's call-heavy code and
skews the shares). Idle samples are left out by py-spy: shares are of the main thread's busy
time (the one running the reactor, the spider and the pipelines); samples of other threads
(Twisted's thread pool, mostly parked in Queue.get) are counted apart.

The archive is written by a child process (newscrawl/writer.py). With --subprocesses, each
stack starts with one `process PID:"command line"` frame per level (the crawl's own: one;
its children's: the crawl's, then theirs). The writer (a child process whose stacks pass
through newscrawl/writer.py or concurrent.futures' worker) is summarised apart, every busy
sample of it; other children (multiprocessing's resource tracker) are only counted. A raw
file without process frames (recorded without --subprocesses) is all the crawl's own.

Each sample goes to the innermost frame of its stack that belongs to a group, so lxml and
parsel called by a parser count as parsing, SQLAlchemy called by the store pipeline counts
as the database, and newscrawl.text called by the cleaning pipeline counts as cleaning.

    python -m bench.profile_groups crawl.txt
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

# the project's own files, wherever the checkout is (py-spy gives absolute paths)
_CHECKOUT = str(Path(__file__).resolve().parents[1])
PROJECT = re.escape(_CHECKOUT)


def _ours(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^{PROJECT}/(?:{pattern})")


# (group, regex on a frame's file path); the innermost frame that matches one decides
GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("parsing (newscrawl/parsers)", _ours(r"newscrawl/parsers/")),
    ("cleaning (newscrawl/cleaning, pipelines/clean)", _ours(r"newscrawl/cleaning\.py$|pipelines/clean\.py$")),
    ("dedup (newscrawl/dedup, pipelines/dedup)", _ours(r"newscrawl/dedup\.py$|pipelines/dedup\.py$")),
    ("database (newscrawl/db, pipelines/store, sqlalchemy)",
     re.compile(f"^{PROJECT}/(?:newscrawl/db\\.py$|pipelines/store\\.py$)|/site-packages/sqlalchemy/")),
    ("spider, URLs, middlewares (spiders/, newscrawl/urls, middlewares)", _ours(r"spiders/|newscrawl/urls\.py$|newscrawl/middlewares\.py$")),
    ("feed export (scrapy feedexport, exporters)", re.compile(r"/scrapy/extensions/feedexport\.py$|/scrapy/exporters\.py$")),
    ("our extensions (newscrawl/extensions: progress, lock, job dir, log file)", _ours(r"newscrawl/extensions\.py$|newscrawl/locks\.py$")),
    ("scheduler queues (priority queues; disk queues and pickling under a JOBDIR)",
     re.compile(r"/scrapy/squeues\.py$|/queuelib/|/scrapy/pqueues\.py$")),
)
STARTUP = "start-up (imports)"
OTHER = "scrapy/twisted/asyncio other"
MAIN_THREAD_ROOT = "_run_module_as_main"
OURS = _ours(r"newscrawl/(?!commands/)|pipelines/|spiders/")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")
# py-spy --subprocesses: a command line may hold ';' (`-c "...import main;main(7)"`), so the
# process frames are matched whole, not split on ';'
_PROCESS = re.compile(r'process (?P<pid>\d+):"(?P<command>.*?)"(?:;|$)')
# a child process running these is the archive's writer (a ProcessPoolExecutor worker)
WRITER = re.compile(f"^{PROJECT}/newscrawl/writer\\.py$|/concurrent/futures/process\\.py$")

Frame = tuple[str, str, str]  # function, path, line
Process = tuple[int, str]  # pid, command line


@dataclass
class Sample:
    """One line of py-spy's raw output: a distinct stack and how many samples had it."""

    processes: list[Process]  # outermost first; empty when recorded without --subprocesses
    frames: list[Frame]  # outermost first
    count: int


def parse_frame(text: str) -> Frame:
    match = _FRAME.match(text)
    if match is None:
        return text, "", ""
    return match["function"], match["path"], match["line"] or ""


def read_samples(path: Path) -> list[Sample]:
    """py-spy raw output: one '[process frames;]outer;...;inner count' line per distinct stack."""
    samples = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not (stack and count.isdigit()):
            continue
        processes: list[Process] = []
        position = 0
        while (match := _PROCESS.match(stack, position)) is not None:
            processes.append((int(match["pid"]), match["command"]))
            position = match.end()
        rest = stack[position:]
        samples.append(Sample(processes, [parse_frame(f) for f in rest.split(";")] if rest else [], int(count)))
    return samples


def read_stacks(path: Path) -> list[tuple[list[Frame], int]]:
    """The stacks without their process frames, whichever process they are of."""
    return [(sample.frames, sample.count) for sample in read_samples(path)]


def group_of(stack: list[Frame]) -> str:
    # whatever a module does while it is imported (e.g. declaring tables) is start-up
    if any(path.startswith("<frozen importlib") for _, path, _ in stack):
        return STARTUP
    for function, path, _ in reversed(stack):
        for name, pattern in GROUPS:
            if pattern.search(path):
                return name
    return OTHER


def _short(path: str) -> str:
    # the checkout's own files by their path in it, wherever it is cloned
    for marker in ("/site-packages/", f"{_CHECKOUT}/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _summary(stacks: list[tuple[list[Frame], int]], limit: int) -> dict[str, Any]:
    """Samples per group and their shares, the hottest leaf functions and our hottest functions."""
    total = sum(count for _, count in stacks)
    groups: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for stack, count in stacks:
        groups[group_of(stack)] += count
        if stack:
            function, where, line = stack[-1]
            leaves[f"{function} ({_short(where)}:{line})"] += count
        else:  # py-spy saw the process busy outside Python code (e.g. starting up)
            leaves["(no Python frame)"] += count
        for name in {f"{f} ({_short(p)})" for f, p, _ in stack if OURS.search(p)}:
            ours[name] += count  # inclusive: once per sample however deep the recursion
    order = [name for name, _ in GROUPS] + [STARTUP, OTHER]
    share = (lambda n: round(n / total, 4)) if total else (lambda n: 0.0)
    return {
        "samples": total,
        "groups": [{"group": name, "samples": groups[name], "share": share(groups[name])} for name in order],
        "top_self": [{"function": f, "share": share(n)} for f, n in leaves.most_common(limit)],
        "top_ours_inclusive": [{"function": f, "share": share(n)} for f, n in ours.most_common(limit)],
    }


def summarise(path: Path, limit: int = 15) -> dict[str, Any]:
    """The crawl process's main thread (as `samples`, `groups`, ...) and, apart, the writer
    process (`writer`: every busy sample of it, the same groups and lists)."""
    every = read_samples(path)
    # the crawl's own process: one process frame, or none in a file without them
    crawl = [s for s in every if len(s.processes) <= 1]
    main = [(s.frames, s.count) for s in crawl if s.frames and s.frames[0][0] == MAIN_THREAD_ROOT]
    children = [s for s in every if len(s.processes) >= 2]
    # decided per process, so the writer's start-up (imports, before it runs a batch) is its own too
    writer_pids = {s.processes[-1][0] for s in children if any(WRITER.search(p) for _, p, _ in s.frames)}
    writer = [(s.frames, s.count) for s in children if s.processes[-1][0] in writer_pids]
    summary = _summary(main, limit)
    return {
        **summary,
        "other_thread_samples": sum(s.count for s in crawl) - summary["samples"],
        "writer": {"pids": sorted(writer_pids), **_summary(writer, limit)},
        "other_process_samples": sum(s.count for s in children) - sum(count for _, count in writer),
    }


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="py-spy raw output")
    args = parser.parse_args(argv)
    print(json.dumps(summarise(args.raw), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
