"""The item's JSON Schema (newscrawl/schema/article.schema.json) against the item class: every
field described, typed and required, and strict enough that a renamed, new, missing or
mistyped field, or a date or URL in another form, is refused."""

from __future__ import annotations

import copy
import dataclasses
import typing
from typing import Any, Callable

import pytest
from jsonschema import Draft202012Validator

from newscrawl.cleaning import content_hash
from newscrawl.items import ARTICLE_FIELDS, Article, Image, ReadMoreLink
from newscrawl.schema import article_schema
from tests.item_schema import schema_errors

SCHEMA = article_schema()


def valid_line() -> dict[str, Any]:
    body = "TOKYO (Sputnik) - Japan and South Korea agreed on Monday to resume talks.\n\nThe talks start in May."
    article = Article(
        article_id="1077343476", url="https://sputniknews.com/asia/201911181077343476-japan-korea-talks/", title="Talks resume",
        lead="Japan and South Korea agreed to talk.", body=body, dateline="TOKYO (Sputnik)", authors=["Jane Doe"],
        section="asia", tags=["Japan", "South Korea"], published_at="2019-11-18T08:05:00Z", modified_at=None,
        image=Image(url="https://cdn1.img.sputniknews.com/img/1077/34/10773434_0:0:3000:2000_1000x0_80_0_0_x.jpg",
                    caption="Tokyo", credit=None),
        read_more=[ReadMoreLink(url="https://sputniknews.com/asia/201911171077340000-earlier/", title=None)],
        language="en", layout="legacy", word_count=len(body.split()), content_hash=content_hash("Talks resume", body),
        fetched_url="http://127.0.0.1:8000/asia/201911181077343476-japan-korea-talks/", fetched_at="2026-11-28T10:00:00Z",
        duplicate_of=None,
    )
    return dataclasses.asdict(article)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert schema_errors(valid_line()) == []


def test_every_field_of_the_item_is_described_typed_and_required_in_order() -> None:
    properties = SCHEMA["properties"]
    assert tuple(properties) == ARTICLE_FIELDS and tuple(SCHEMA["required"]) == ARTICLE_FIELDS
    assert SCHEMA["additionalProperties"] is False
    for name, rule in properties.items():
        assert rule.get("description", "").strip(), f"{name} has no description"
        assert "type" in rule or "enum" in rule, f"{name} has no type"
    # the nested objects: every key of the item's TypedDicts, no other
    image = properties["image"]
    assert tuple(image["properties"]) == tuple(typing.get_type_hints(Image)) == tuple(image["required"])
    link = properties["read_more"]["items"]
    assert tuple(link["properties"]) == tuple(typing.get_type_hints(ReadMoreLink)) == tuple(link["required"])
    assert image["additionalProperties"] is False and link["additionalProperties"] is False


def test_nullability_follows_the_item_class() -> None:
    """A field typed Optional in the item may be null in the schema, and no other."""
    hints = typing.get_type_hints(Article)
    for name in ARTICLE_FIELDS:
        nullable = type(None) in typing.get_args(hints[name])
        allowed = SCHEMA["properties"][name]["type"]
        assert ("null" in allowed) == nullable, name
        line = valid_line()
        line[name] = None
        assert (schema_errors(line) == []) == nullable, name


def test_the_formats_it_names_are_checked() -> None:
    """date-time and uri are checked by the validator (their libraries are installed), not only annotated."""
    checkers = Draft202012Validator.FORMAT_CHECKER.checkers
    assert {"date-time", "uri"} <= set(checkers)


def change(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(line: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = line
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value
    return apply


def rename(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def apply(line: dict[str, Any]) -> None:
        line[new] = line.pop(old)
    return apply


def drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda line: line.pop(name) and None


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(rename("published_at", "published"), id="renamed-field"),
        pytest.param(change("summary", "a field the schema does not know"), id="new-field"),
        pytest.param(drop("modified_at"), id="missing-field"),
        pytest.param(change("image.width", 1000), id="new-image-key"),
        pytest.param(lambda line: line["read_more"][0].pop("title"), id="read-more-without-title"),
        pytest.param(change("title", ""), id="empty-title"),
        pytest.param(change("body", ""), id="empty-body"),
        pytest.param(change("lead", ""), id="empty-lead-instead-of-null"),
        pytest.param(change("authors", ["Jane Doe", "Jane Doe"]), id="author-twice"),
        pytest.param(change("published_at", "2019-11-18T08:05:00+00:00"), id="offset-not-z"),
        pytest.param(change("published_at", "2019-11-18T11:05:00+03:00"), id="local-time"),
        pytest.param(change("published_at", "2019-11-18"), id="date-without-time"),
        pytest.param(change("fetched_at", "2019-13-18T08:05:00Z"), id="month-13"),
        pytest.param(change("modified_at", "2019-02-30T08:05:00Z"), id="february-30"),
        pytest.param(change("fetched_at", "2019-11-18T08:05:00.123Z"), id="fractions-of-a-second"),
        pytest.param(change("url", "/asia/201911181077343476-japan-korea-talks/"), id="relative-url"),
        pytest.param(change("read_more.0.url", "ftp://sputniknews.com/x"), id="not-http"),
        pytest.param(change("image.url", "https://cdn1.img.sputniknews.com/a b.jpg"), id="url-with-space"),
        pytest.param(change("fetched_url", "http://127.0.0.1:8000/asia/é/"), id="fetched-url-not-a-uri"),
        pytest.param(change("article_id", 1077343476), id="id-as-number"),
        pytest.param(change("article_id", "sputnik-1077343476"), id="id-not-digits"),
        pytest.param(change("word_count", "15"), id="count-as-text"),
        pytest.param(change("layout", "amp"), id="unknown-layout"),
        pytest.param(change("section", "Asia & Pacific"), id="section-not-a-slug"),
        pytest.param(change("content_hash", "abc"), id="short-hash"),
        pytest.param(change("tags", "Japan, South Korea"), id="tags-as-text"),
        pytest.param(change("image", "https://cdn1.img.sputniknews.com/i.jpg"), id="image-as-url"),
    ],
)
def test_a_line_in_another_shape_is_refused(spoil: Callable[[dict[str, Any]], None]) -> None:
    line = copy.deepcopy(valid_line())
    spoil(line)
    assert schema_errors(line), line


def test_links_from_a_page_may_hold_non_ascii_characters() -> None:
    """url, image.url and read_more[].url are kept as the page wrote them (IRIs); fetched_url is what Scrapy fetched (a URI)."""
    line = valid_line()
    line["read_more"][0]["url"] = "https://example.com/тест/é"
    line["image"]["url"] = "https://cdn.example/фото.jpg"
    assert schema_errors(line) == []
