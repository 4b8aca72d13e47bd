"""The item's JSON Schema (article.schema.json, beside this file): every field of a feed line
and of a `scrapy export` line, its type, format, nullability and meaning. Shipped in the
package (and so in the scrapyd egg): read it through importlib.resources, never by a path."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

ARTICLE_SCHEMA = "article.schema.json"


def article_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12), for a JSON Schema validator."""
    schema: dict[str, Any] = json.loads(resources.files(__name__).joinpath(ARTICLE_SCHEMA).read_text(encoding="utf-8"))
    return schema
