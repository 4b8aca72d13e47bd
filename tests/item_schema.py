"""Feed and export lines checked against the item's JSON Schema (newscrawl/schema/), with the
jsonschema library: types, required fields, no other field, and the formats it names."""

from __future__ import annotations

from typing import Any, Iterable

from jsonschema import Draft202012Validator

from newscrawl.schema import article_schema

ARTICLE_VALIDATOR = Draft202012Validator(article_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(line: Any) -> list[str]:
    """What is wrong with one line, each as `<JSON path>: <message>`; empty when it is valid."""
    return [f"{error.json_path}: {error.message}" for error in ARTICLE_VALIDATOR.iter_errors(line)]


def assert_lines_match_schema(lines: Iterable[dict[str, Any]]) -> int:
    """Every line valid; how many there were (none is a failure: an empty feed proves nothing)."""
    count, problems = 0, []
    for count, line in enumerate(lines, 1):
        problems += [f"line {count} (article {line.get('article_id')}): {error}" for error in schema_errors(line)]
    assert count, "no line to check"
    assert not problems, "\n".join(problems[:30])
    return count
