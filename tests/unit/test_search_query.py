"""The search query language (newscrawl/search_query.py): what a query means, how it reaches
FTS5 (every term quoted), and the one-line errors for queries that cannot be parsed. Run on
the engines themselves in tests/archive/test_search.py."""

from __future__ import annotations

import random

import pytest
from sqlalchemy.dialects import postgresql

from newscrawl.history import starts_paragraph, tokens_of, word_diff, words_changed
from newscrawl.search_query import AllOf, AnyOf, QueryError, Term, fts5_match, parse_query, postgres_tsquery


@pytest.mark.parametrize(
    "query,tree",
    [
        ("korea", Term("korea")),
        ("North Korea", AllOf((Term("North"), Term("Korea")))),
        ("North AND Korea", AllOf((Term("North"), Term("Korea")))),
        ('"prime minister"', Term("prime minister")),
        ("denucl*", Term("denucl", prefix=True)),
        ('"prime minis"*', Term("prime minis", prefix=True)),
        ("korea OR japan", AnyOf((Term("korea"), Term("japan")))),
        ("korea NOT japan", AllOf((Term("korea"),), (Term("japan"),))),
        ("korea -japan", AllOf((Term("korea"),), (Term("japan"),))),
        ('(korea OR japan) trade -"kim jong un"',
         AllOf((AnyOf((Term("korea"), Term("japan"))), Term("trade")), (Term("kim jong un"),))),
        ("a OR b c", AnyOf((Term("a"), AllOf((Term("b"), Term("c")))))),  # AND binds tighter than OR
        ("and or not", AllOf((Term("and"), Term("or"), Term("not")))),  # operators only in capitals
        ("Trump & Kim", AllOf((Term("Trump"), Term("Kim")))),  # punctuation alone is no term
    ],
)
def test_a_query_means_what_the_syntax_says(query: str, tree: object) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize(
    "query,match",
    [
        ("korea", '"korea"'),
        ("Kim Jong-un", '("Kim" AND "Jong un")'),  # a hyphenated word is a phrase of its words
        ("U.S. sanctions", '("U S" AND "sanctions")'),
        ('"prime minis"*', '"prime minis"*'),
        ("korea -japan", '(("korea") NOT "japan")'),
        ("title:korea NEAR(a b) ^x", '("title korea" AND "NEAR" AND ("a" AND "b") AND "x")'),  # no FTS5 syntax gets through
        ("佐藤", '"佐藤"'),
    ],
)
def test_every_term_reaches_fts5_quoted(query: str, match: str) -> None:
    assert fts5_match(parse_query(query)) == match


def test_postgres_gets_the_words_as_bound_parameters() -> None:
    compiled = postgres_tsquery(parse_query("korea -\"kim jong\" OR minis*"), "english").compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert "korea" not in sql and "tsquery_or" in sql and "tsquery_not" in sql and "'english'::regconfig" in sql
    assert sorted(compiled.params.values()) == ["kim jong", "korea", "minis:*"]


@pytest.mark.parametrize(
    "query,message",
    [
        ("", "the query is empty"),
        ('"kim jong', "a phrase is not closed"),
        ("korea AND", "AND needs a term after it"),
        ("AND korea", "AND needs a term before it"),
        ("OR korea", "OR needs a term on each side"),
        ("korea OR", "OR needs a term on each side"),
        ("(korea", "a parenthesis is not closed"),
        ("korea)", "a parenthesis is closed that was never opened"),
        ("NOT korea", "a query cannot only exclude"),
        ("-korea", "a query cannot only exclude"),
        ("korea NOT", "NOT needs a term after it"),
        ("()", "the parentheses () hold no term"),
        ('""', 'the phrase "" holds no word'),
        ("&& --", "the query holds no word to search for"),
    ],
)
def test_a_query_that_cannot_be_parsed_says_why_in_one_line(query: str, message: str) -> None:
    with pytest.raises(QueryError) as error:
        parse_query(query)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_word_diff_keeps_paragraphs_and_rebuilds_both_texts() -> None:
    old = "First paragraph stays.\n\nThe cat sat on the mat.\n\nLast one."
    new = "First paragraph stays.\n\nThe dog sat on the mat today.\n\nA new paragraph.\n\nLast one."
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.op != "insert") == old
    assert "".join(p.text for p in pieces if p.op != "delete") == new
    assert [(p.op, p.text) for p in pieces] == [
        ("equal", "First paragraph stays.\n\nThe"), ("delete", " cat"), ("insert", " dog"), ("equal", " sat on the"),
        ("delete", " mat."), ("insert", " mat today.\n\nA new paragraph."), ("equal", "\n\nLast one."),
    ]
    assert words_changed(pieces) == (6, 2)
    assert tokens_of("a b\n\nc") == ["a", " b", "\n\nc"] and [starts_paragraph(t) for t in tokens_of("a b\n\nc")] == [False, False, True]


def test_a_sentence_added_to_a_paragraph_is_words_inserted() -> None:
    pieces = word_diff("One.\n\nEnd of it.\n\nLast.", "One.\n\nEnd of it. UPDATE: More came.\n\nLast.")
    assert [(p.op, p.text) for p in pieces] == [("equal", "One.\n\nEnd of it."), ("insert", " UPDATE: More came."), ("equal", "\n\nLast.")]


def test_a_sentence_replaced_reads_as_one_out_and_one_in() -> None:
    # the chance match "a" in both sentences does not cut them into pieces
    keep = "Talks resumed on Friday."
    pieces = word_diff(f"{keep} Analysts expect a deal in May.", f"{keep} UPDATE: The ministry said a decision was near.")
    assert [(p.op, p.text) for p in pieces] == [
        ("equal", keep), ("delete", " Analysts expect a deal in May."), ("insert", " UPDATE: The ministry said a decision was near."),
    ]
    assert words_changed(pieces) == (8, 6)


def test_word_diff_gives_both_texts_back_whatever_they_are() -> None:
    # random texts of a few words that share starts and ends ("cat" / "cats"), paragraphs among them
    rng = random.Random(3)
    words = ["a", "b", "cat", "cats", "dog", "the", "x."]

    def text() -> str:
        return "".join(rng.choice(words) + rng.choice([" ", " ", " ", "\n\n"]) for _ in range(rng.randint(0, 12))).rstrip()

    for _ in range(500):
        old, new = text(), text()
        pieces = word_diff(old, new)
        assert "".join(p.text for p in pieces if p.op != "insert") == old
        assert "".join(p.text for p in pieces if p.op != "delete") == new
        added, removed = words_changed(pieces)
        assert added - removed == len(new.split()) - len(old.split())
        assert all(p.text for p in pieces) and all(a.op != b.op for a, b in zip(pieces, pieces[1:]))
