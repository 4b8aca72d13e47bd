"""Extraction quality and speed: our parsers against trafilatura, on the same pages.

    .venv/bin/python -m bench.extraction [--sample 300] [--n-asia 2000] [--repeats 3]

Pages: every golden article page (tests/golden), the real legacy page with its human ground
truth (less the closing disclaimer), and a random sample of article pages from a mirror
built afresh into a temporary folder (`build_mirror(n_asia=2000)`), whose manifest gives each
page's expected item. Body F1 is the article-extraction benchmark's (4-word shingles,
newscrawl/parsers/scoring.py); "fields exact" is the share of pages where every other field
of our item equals the expected one (trafilatura has no such fields to compare).

Each page is timed for each extractor in turn (interleaved, so that other load on the
machine weighs on both alike), in CPU time of this process (`time.process_time`, so that
other processes' load counts less); a page's time is the fastest of `--repeats` runs. Ours is the
whole of what the crawler does: parse_article() then clean_article(). Exit status 1 when
ours is not ahead of every trafilatura setting on both mean body F1 and milliseconds per page.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import trafilatura

from newscrawl.cleaning import clean_article
from newscrawl.items import Article
from newscrawl.mirror.build import build_mirror
from newscrawl.parsers import parse_article
from newscrawl.parsers.scoring import body_score, field_mismatches

PROJECT = Path(__file__).resolve().parents[1]
GOLDEN = PROJECT / "tests" / "golden"
REAL_PAGE = PROJECT.parent / "shared" / "real-pages" / "sputnik-legacy-article-1077343476.html"
REAL_TRUTH = REAL_PAGE.with_name("sputnik-legacy-article-1077343476.expected-body.json")
REAL_URL = "https://sputniknews.com/columnists/201911181077343476-royal-self-indicting-arrogance/"
DISCLAIMER = "The views and opinions expressed in the article do not necessarily reflect those of Sputnik."

# trafilatura's settings for body text; the best of them is the one to beat
TRAFILATURA_SETTINGS: dict[str, dict[str, Any]] = {
    "trafilatura": {"include_comments": False, "include_tables": False},
    "trafilatura precision": {"include_comments": False, "include_tables": False, "favor_precision": True},
    "trafilatura recall": {"include_comments": False, "include_tables": False, "favor_recall": True},
}


@dataclass
class Case:
    name: str
    url: str
    html: str
    expected: dict[str, Any]  # the expected item; only "body" for the real page's ground truth


@dataclass
class Tally:
    f1: list[float] = field(default_factory=list)
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    exact_pages: int = 0
    mismatches: list[str] = field(default_factory=list)

    def add(self, expected_body: str, body: Optional[str], seconds: float) -> None:
        score = body_score(expected_body, body)
        self.f1.append(score.f1)
        self.precision.append(score.precision)
        self.recall.append(score.recall)
        self.seconds.append(seconds)

    @property
    def ms_per_page(self) -> float:
        return 1000 * statistics.mean(self.seconds)


def golden_cases() -> list[Case]:
    cases = []
    for path in sorted(GOLDEN.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["kind"] == "article":
            html = path.with_suffix(".html").read_bytes().decode("utf-8")
            cases.append(Case(f"golden/{path.stem}", doc["url"], html, doc["expected"]))
    return cases


def real_case() -> Case:
    (entry,) = json.loads(REAL_TRUTH.read_text(encoding="utf-8")).values()
    paragraphs = entry["articleBody"].split("\n\n")
    if paragraphs[-1].strip() == DISCLAIMER:
        paragraphs = paragraphs[:-1]
    html = REAL_PAGE.read_bytes().decode("utf-8")
    return Case("real/1077343476 (human ground truth)", REAL_URL, html, {"body": "\n\n".join(paragraphs)})


def mirror_cases(out: Path, n_asia: int, sample: int, seed: int) -> list[Case]:
    manifest = build_mirror(out, n_asia=n_asia)
    routes = json.loads((out / "routes.json").read_text(encoding="utf-8"))
    ids = sorted(i for i, a in manifest["articles"].items() if a["layout"] != "real")
    chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
    cases = []
    for article_id in chosen:
        article = manifest["articles"][article_id]
        html = (out / routes[article["paths"][0]]["file"]).read_bytes().decode("utf-8")
        cases.append(Case(f"mirror/{article_id}", article["url"], html, article["expected"]))
    return cases


def ours(case: Case) -> Article:
    result = parse_article(case.html, case.url, case.url)
    assert result.article is not None
    return clean_article(result.article)


def timed(run: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.process_time()
        value = run()
        best = min(best, time.process_time() - start)
    return value, best


def measure(cases: list[Case], repeats: int) -> dict[str, Tally]:
    tallies = {name: Tally() for name in ("newscrawl", *TRAFILATURA_SETTINGS)}
    for warm in (lambda: ours(cases[0]), lambda: trafilatura.extract(cases[0].html)):
        warm()  # imports and lazy set-up out of the first page's time
    for case in cases:
        article, seconds = timed(lambda: ours(case), repeats)
        item = asdict(article)
        mine = tallies["newscrawl"]
        mine.add(case.expected["body"], item["body"], seconds)
        wrong = field_mismatches(case.expected, item)
        if wrong:
            mine.mismatches.append(f"{case.name}: {sorted(wrong)}")
        else:
            mine.exact_pages += 1
        for name, settings in TRAFILATURA_SETTINGS.items():
            body, seconds = timed(lambda: trafilatura.extract(case.html, url=case.url, **settings), repeats)
            tallies[name].add(case.expected["body"], body, seconds)
    return tallies


def report(tallies: dict[str, Tally], pages: int) -> bool:
    print(f"{pages} pages; body F1 over 4-word shingles; time = CPU time of parse (+ clean for ours), fastest of the repeats\n")
    print(f"{'extractor':<24}{'F1 mean':>9}{'F1 min':>9}{'P mean':>9}{'R mean':>9}{'ms/page':>10}{'fields exact':>15}")
    for name, tally in tallies.items():
        exact = f"{tally.exact_pages}/{pages}" if name == "newscrawl" else "-"
        print(f"{name:<24}{statistics.mean(tally.f1):9.4f}{min(tally.f1):9.4f}{statistics.mean(tally.precision):9.4f}"
              f"{statistics.mean(tally.recall):9.4f}{tally.ms_per_page:10.3f}{exact:>15}")
    mine = tallies.pop("newscrawl")
    best = max(tallies.items(), key=lambda kv: statistics.mean(kv[1].f1))
    fastest = min(tallies.items(), key=lambda kv: kv[1].ms_per_page)
    f1_ahead = all(statistics.mean(mine.f1) > statistics.mean(t.f1) for t in tallies.values())
    speedup = fastest[1].ms_per_page / mine.ms_per_page
    print(f"\nbest trafilatura F1: {best[0]} ({statistics.mean(best[1].f1):.4f}); ours {statistics.mean(mine.f1):.4f}")
    print(f"ours is {speedup:.1f}x as fast as the fastest trafilatura setting ({fastest[0]}, {fastest[1].ms_per_page:.3f} ms)")
    for line in mine.mismatches[:10]:
        print(f"  fields not exact: {line}")
    ahead = f1_ahead and speedup > 1
    print("ours ahead on both F1 and speed: " + ("yes" if ahead else "NO"))
    return ahead


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=300, help="mirror pages to sample (default 300)")
    parser.add_argument("--n-asia", type=int, default=2000, help="size of the mirror to build (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="which pages the sample takes")
    parser.add_argument("--repeats", type=int, default=3, help="runs per page and extractor; the fastest counts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-extraction-") as tmp:
        started = time.perf_counter()
        cases = golden_cases() + [real_case()] + mirror_cases(Path(tmp), args.n_asia, args.sample, args.seed)
        print(f"mirror of {args.n_asia} Asia articles built and sampled in {time.perf_counter() - started:.1f} s")
    tallies = measure(cases, args.repeats)
    return 0 if report(tallies, len(cases)) else 1


if __name__ == "__main__":
    sys.exit(main())
