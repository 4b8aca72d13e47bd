"""How well an extraction matches what a page holds: the measure of tests and bench alike.

Body text is scored as the article-extraction benchmark (scrapinghub/article-extraction-benchmark,
`evaluate.py`) scores `articleBody`: word tokens (`\\w+`), shingles of 4 consecutive tokens
counted as a multiset, true positives = the shingles both texts hold (with multiplicity);
precision and recall per page, F1 their harmonic mean. Two empty texts match perfectly.
Every other field is compared exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Optional

SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class BodyScore:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def shingles(text: Optional[str], size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """The text's shingles with their counts; a text shorter than `size` words is one shingle."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1)))


def body_score(expected: Optional[str], got: Optional[str], size: int = SHINGLE_SIZE) -> BodyScore:
    truth, found = shingles(expected, size), shingles(got, size)
    true_positive = sum((truth & found).values())
    false_positive = sum(found.values()) - true_positive
    false_negative = sum(truth.values()) - true_positive
    if false_positive == false_negative == 0:
        return BodyScore(1.0, 1.0)
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else 0.0
    return BodyScore(precision, recall)


def body_f1(expected: Optional[str], got: Optional[str]) -> float:
    """F1 of the body's 4-word shingles against the expected body (1.0: the same words in the same order)."""
    return body_score(expected, got).f1


def field_mismatches(expected: Mapping[str, Any], got: Mapping[str, Any], skip: tuple[str, ...] = ("body",)) -> dict[str, tuple[Any, Any]]:
    """{field: (expected, got)} for every expected field that is not exactly what was extracted."""
    return {
        name: (value, got.get(name))
        for name, value in expected.items()
        if name not in skip and got.get(name) != value
    }
