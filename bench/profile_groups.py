"""Where a profiled crawl spends its time, grouped by the part of newscrawl that asked for it.

Reads py-spy's raw (collapsed stack) output of a crawl:
    py-spy record -r 250 --full-filenames -f raw -o crawl.txt -- python -m scrapy crawl asia ...
py-spy samples from outside the process, so the crawl runs at its normal speed (a tracing
profiler such as cProfile or pyinstrument doubles the time of Scrapy's call-heavy code and
skews the shares). Idle samples are left out by py-spy: shares are of the main thread's busy
time (the one running the reactor, the spider and the pipelines); samples of other threads
(Twisted's thread pool, mostly parked in Queue.get) are counted apart.

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
from pathlib import Path
from typing import Any, Optional

# the project's own files, wherever the checkout is (py-spy gives absolute paths)
PROJECT = re.escape(str(Path(__file__).resolve().parents[1]))


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

Frame = tuple[str, str, str]  # function, path, line


def parse_frame(text: str) -> Frame:
    match = _FRAME.match(text)
    if match is None:
        return text, "", ""
    return match["function"], match["path"], match["line"] or ""


def read_stacks(path: Path) -> list[tuple[list[Frame], int]]:
    """py-spy raw output: one 'outer;...;inner count' line per distinct stack."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append(([parse_frame(f) for f in stack.split(";")], int(count)))
    return stacks


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
    for marker in ("/site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def summarise(path: Path, limit: int = 15) -> dict[str, Any]:
    """Samples per group and their shares, the hottest leaf functions and our hottest functions."""
    every = read_stacks(path)
    stacks = [(stack, count) for stack, count in every if stack and stack[0][0] == MAIN_THREAD_ROOT]
    total = sum(count for _, count in stacks)
    groups: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for stack, count in stacks:
        groups[group_of(stack)] += count
        function, where, line = stack[-1]
        leaves[f"{function} ({_short(where)}:{line})"] += count
        for name in {f"{f} ({_short(p)})" for f, p, _ in stack if OURS.search(p)}:
            ours[name] += count  # inclusive: once per sample however deep the recursion
    order = [name for name, _ in GROUPS] + [STARTUP, OTHER]
    share = (lambda n: round(n / total, 4)) if total else (lambda n: 0.0)
    return {
        "samples": total,
        "other_thread_samples": sum(count for _, count in every) - total,
        "groups": [{"group": name, "samples": groups[name], "share": share(groups[name])} for name in order],
        "top_self": [{"function": f, "share": share(n)} for f, n in leaves.most_common(limit)],
        "top_ours_inclusive": [{"function": f, "share": share(n)} for f, n in ours.most_common(limit)],
    }


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="py-spy raw output")
    args = parser.parse_args(argv)
    print(json.dumps(summarise(args.raw), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
