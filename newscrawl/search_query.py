"""The query language of `scrapy search`: one syntax on SQLite and PostgreSQL.

    korea sanctions          both words (AND between terms is implied)
    "prime minister"         a phrase: these words in this order
    denucl*                  a prefix: any word that starts with it ("prime minis*" a phrase ending in one)
    korea OR japan           either;  AND is allowed too
    korea NOT japan          korea without japan; `-japan` says the same
    (korea OR japan) trade   parentheses group

AND, OR and NOT are operators in capitals only ("or" is a word). Words are matched as the
index holds them: case and diacritics folded, English stems ("sanctions" finds "sanction").
A term holding punctuation ("Jong-un", "U.S.") is a phrase of its words. A query is parsed
here, then written for the engine: an FTS5 MATCH expression with every term quoted (so no
user text reaches FTS5's own syntax) or a PostgreSQL tsquery built from phraseto_tsquery /
to_tsquery calls on bound parameters. A query this parser refuses is a QueryError, whose
message says what is wrong in one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from sqlalchemy import func, literal_column
from sqlalchemy.sql.expression import ColumnElement

# what the index's tokenizers keep as words: letters, digits (and, in FTS5, any non-ASCII character)
_WORD = re.compile(r"\w+")
_OPERATORS = ("AND", "OR", "NOT")


class QueryError(ValueError):
    """A query the search cannot run; the message says why, in one line."""


@dataclass(frozen=True)
class Term:
    """A word or a phrase (several words in order); `prefix`: its last word is a prefix."""

    text: str
    prefix: bool = False

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.text)


@dataclass(frozen=True)
class AllOf:
    """Every one of `include` and none of `exclude` (at least one include)."""

    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    """At least one of these."""

    options: tuple[Node, ...]


Node = Union[Term, AllOf, AnyOf]

# tokens: a quoted phrase (its star right after), a parenthesis, or a run of anything else
_TOKEN = re.compile(r'\s*(?:(?P<phrase>-?"[^"]*"\*?)|(?P<open>-?\()|(?P<close>\))|(?P<word>[^\s"()]+))')


def _tokens(query: str) -> list[str]:
    tokens = []
    position = 0
    while query[position:].strip():
        match = _TOKEN.match(query, position)
        if match is None:  # only an opening quote without its closing one matches nothing
            raise QueryError(f"a phrase is not closed: add the closing quote after {query[position:].strip()[:40]}")
        tokens.append(match.group(match.lastgroup or "word"))
        position = match.end()
    return tokens


class _Parser:
    """query := any; any := all ("OR" all)*; all := unit (["AND"] unit)*;
    unit := ["NOT" | "-"] primary; primary := word | "phrase" | "(" any ")"."""

    def __init__(self, query: str) -> None:
        self.tokens = _tokens(query)
        self.position = 0

    def peek(self, offset: int = 0) -> Optional[str]:
        at = self.position + offset
        return self.tokens[at] if 0 <= at < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty: give a word to search for")
        node = self.any()
        if self.peek() is not None:  # only a closing parenthesis stops `any` early
            raise QueryError("a parenthesis is closed that was never opened")
        return node

    def any(self) -> Node:
        options = [self.all()]
        while self.peek() == "OR":
            self.take()
            options.append(self.all())
        return options[0] if len(options) == 1 else AnyOf(tuple(options))

    def all(self) -> Node:
        include: list[Node] = []
        exclude: list[Node] = []
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            self.take()
            if token == "AND":
                if not include and not exclude:
                    raise QueryError("AND needs a term before it")
                if self.peek() in (None, "OR", ")", "AND"):
                    raise QueryError("AND needs a term after it")
                continue
            negated = token == "NOT" or (token.startswith("-") and len(token) > 1)
            if token == "NOT":
                if self.peek() in (None, "OR", ")", "AND", "NOT"):
                    raise QueryError("NOT needs a term after it")
                token = self.take()
            unit = self.primary(token[1:] if negated and token.startswith("-") else token)
            if unit is not None:
                (exclude if negated else include).append(unit)
        if include:
            return include[0] if len(include) == 1 and not exclude else AllOf(tuple(include), tuple(exclude))
        if exclude:
            raise QueryError("a query cannot only exclude: give a word the articles must hold as well")
        if "OR" in (self.peek(), self.peek(-1)):
            raise QueryError("OR needs a term on each side")
        if self.peek() == ")" and self.peek(-1) == "(":
            raise QueryError("the parentheses () hold no term")
        raise QueryError("the query holds no word to search for")

    def primary(self, token: str) -> Optional[Node]:
        if token == "(":
            inner = self.any()
            if self.peek() != ")":
                raise QueryError("a parenthesis is not closed: add the closing )")
            self.take()
            return inner
        prefix = token.endswith("*")
        text = token.rstrip("*")
        quoted = text.startswith('"')
        term = Term(text[1:-1] if quoted else text, prefix)
        if term.words:
            return term
        if quoted:
            raise QueryError(f"the phrase {text} holds no word to search for")
        return None  # punctuation alone ("&", "--"): the index holds no word of it


def parse_query(query: str) -> Node:
    """The query as a tree, or a QueryError saying in one line what is wrong."""
    return _Parser(query).parse()


def fts5_match(node: Node) -> str:
    """The tree as an FTS5 MATCH expression: every term a quoted string of its words, so that
    FTS5 reads no operator, column filter or special character from the user's text."""
    if isinstance(node, Term):
        return '"' + " ".join(node.words) + '"' + ("*" if node.prefix else "")
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(fts5_match(option) for option in node.options) + ")"
    expression = "(" + " AND ".join(fts5_match(part) for part in node.include) + ")"
    for part in node.exclude:  # FTS5's NOT is binary: what is left of it, without what is right
        expression = f"({expression} NOT {fts5_match(part)})"
    return expression


def postgres_tsquery(node: Node, config: str) -> ColumnElement[object]:
    """The tree as a PostgreSQL tsquery expression, the user's words in bound parameters
    (`config`, a text search configuration's name, is ours)."""
    regconfig = literal_column(f"'{config}'::regconfig")
    if isinstance(node, Term):
        words = node.words
        if node.prefix:  # to_tsquery's syntax, from word characters only: prime <-> minis:*
            return func.to_tsquery(regconfig, " <-> ".join(words) + ":*")
        return func.phraseto_tsquery(regconfig, " ".join(words))
    if isinstance(node, AnyOf):
        expression = postgres_tsquery(node.options[0], config)
        for option in node.options[1:]:
            expression = func.tsquery_or(expression, postgres_tsquery(option, config))
        return expression
    expression = postgres_tsquery(node.include[0], config)
    for part in node.include[1:]:
        expression = func.tsquery_and(expression, postgres_tsquery(part, config))
    for part in node.exclude:
        expression = func.tsquery_and(expression, func.tsquery_not(postgres_tsquery(part, config)))
    return expression
