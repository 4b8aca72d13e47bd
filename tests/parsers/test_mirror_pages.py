"""Every page a mirror serves for an article (main, AMP, print copies) against the item its
manifest expects: beyond the golden pages, every article of the session's mirror."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from newscrawl.parsers.scoring import field_mismatches
from newscrawl.urls import CURRENT_HOST, LEGACY_HOST
from tests.parsers.cases import MIRROR, parsed


def test_every_served_copy_of_every_article_gives_its_item(mirror_root: Path, manifest: dict[str, Any]) -> None:
    routes = json.loads((mirror_root / "routes.json").read_text(encoding="utf-8"))
    wrong: dict[str, Any] = {}
    copies = 0
    for article in manifest["articles"].values():
        for path in article["paths"]:
            html = (mirror_root / routes[path]["file"]).read_bytes().decode("utf-8")
            host = LEGACY_HOST if article["layout"] != "current" and path == article["paths"][0] else CURRENT_HOST
            result, item = parsed(html, f"https://{host}{path}")
            mismatches = field_mismatches(article["expected"], asdict(item), skip=())
            if mismatches or result.missing or result.errors:
                wrong[MIRROR + path] = (mismatches, result.missing, result.errors)
            copies += 1
    assert wrong == {}
    assert copies > len(manifest["articles"]), "AMP and print copies are among the pages"
