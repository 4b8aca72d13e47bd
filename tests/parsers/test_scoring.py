"""Body F1 as the article-extraction benchmark computes it, on texts small enough to count by hand."""

from __future__ import annotations

import pytest

from newscrawl.parsers.scoring import body_f1, body_score, field_mismatches, shingles


@pytest.mark.parametrize(
    "expected,got,f1",
    [
        ("a b c d e", "a b c d e", 1.0),
        ("", "", 1.0),
        ("a b c d e", "", 0.0),
        ("", "a b c d e", 0.0),
        ("a b c d e", "a b c d e f", 0.8),  # 2 of 3 shingles right, both expected found: P 2/3, R 1
        ("a b", "a b", 1.0),  # fewer words than a shingle: one shingle of them all
        ("a b", "a c", 0.0),
        ("x y z w x y z w", "x y z w", 1 / 3),  # a multiset: "x y z w" is expected twice, found once (R 1/5)
        ("Hello, world! It's me.", "Hello world It s me", 1.0),  # words, not punctuation
        ("one two three four\n\nfive six", "one two three four five six", 1.0),  # paragraph breaks are not words
    ],
)
def test_body_f1(expected: str, got: str, f1: float) -> None:
    assert body_f1(expected, got) == pytest.approx(f1)


def test_precision_and_recall() -> None:
    score = body_score("a b c d e", "a b c d e f")
    assert (score.precision, score.recall) == (pytest.approx(2 / 3), 1.0)
    assert shingles("x y z w x y z w")[("x", "y", "z", "w")] == 2


def test_field_mismatches_names_what_differs() -> None:
    expected = {"title": "T", "tags": ["a"], "body": "x", "lead": None}
    assert field_mismatches(expected, {"title": "T", "tags": ["a"], "body": "y", "lead": None}) == {}
    assert field_mismatches(expected, {"title": "T", "tags": [], "body": "y"}, skip=()) == {
        "tags": (["a"], []), "body": ("x", "y"),
    }
