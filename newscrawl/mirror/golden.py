"""Golden files for parser tests: one page of each kind beside its expected values.

`NAME.html` is the page exactly as the mirror serves it; `NAME.json` is
{"url": where it is served on the real host, "kind": "article" | "index", "expected": ...},
and for an article with blocks of kinds the parsers do not know, "unknown_blocks": {kind: blocks}.
For index pages, expected is {"links": [canonical article URLs in order], "next_url": path or null}.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Optional

from . import urls
from .build import build_mirror
from .corpus import real
from .generate import PAGE_SIZE, generate_site

GOLDEN_N_ASIA = 40
GOLDEN_SEED = 1
REAL_CURRENT_RIA = "real-current-ria-1794720292"

# golden name -> article role in the mirror
ARTICLE_PAGES: dict[str, str] = {
    "current-plain": "current-plain",
    "current-no-lead": "current-no-lead",
    "current-rich-blocks": "current-rich",
    "current-multi-author-native": "current-multi-author",
    "legacy-plain": "legacy-plain",
    "legacy-read-more": "legacy-read-more",
    "legacy-opinion-disclaimer": "opinion",
    "seed-legacy-1066021398": "seed",
    "real-legacy-1077343476": "real",
    "current-block-forms": "current-block-forms",
    "legacy-inline-cards": "legacy-inline-cards",
    # issue 15: links and dates as real pages write them
    "legacy-2016-url-served": "old-url-served",
    "current-dates-modified-unixtime": "dates-modified-unixtime",
    "current-dates-gmt-label": "dates-gmt-label",
    "current-dates-zoneless-metas": "dates-zoneless",
    "current-dates-modified-before-published": "dates-modified-before-published",
}


def _by_role(manifest: dict[str, Any], role: str) -> tuple[str, dict[str, Any]]:
    return next((i, a) for i, a in manifest["articles"].items() if role in a["roles"])


def _write(out: Path, name: str, html: bytes, url: str, kind: str, expected: dict[str, Any],
           unknown_blocks: Optional[dict[str, int]] = None) -> None:
    (out / f"{name}.html").write_bytes(html)
    doc: dict[str, Any] = {"url": url, "kind": kind, "expected": expected}
    if unknown_blocks:
        doc["unknown_blocks"] = unknown_blocks
    (out / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_golden(out: Path, n_asia: int = GOLDEN_N_ASIA, seed: int = GOLDEN_SEED) -> list[str]:
    """Build a small mirror in a temporary folder and copy the chosen pages; returns the names written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mirror-golden-") as tmp:
        root = Path(tmp)
        manifest = build_mirror(root, n_asia=n_asia, seed=seed)
        routes = json.loads((root / "routes.json").read_text(encoding="utf-8"))

        def page(route: str) -> bytes:
            return (root / routes[route]["file"]).read_bytes()

        for name, role in ARTICLE_PAGES.items():
            _, art = _by_role(manifest, role)
            _write(out, name, page(art["paths"][0]), art["url"], "article", art["expected"], art.get("unknown_blocks"))
            written.append(name)

        _, art = _by_role(manifest, "multi-url-current")
        amp = urls.amp_path(art["paths"][0])
        _write(out, "amp-current", page(amp), urls.CURRENT_HOST + amp, "article", art["expected"])
        written.append("amp-current")

        site = generate_site(n_asia, seed=seed)  # the same data the build used, for the index entries
        pages = [site.index[i:i + PAGE_SIZE] for i in range(0, len(site.index), PAGE_SIZE)]
        index_routes = manifest["index_pages"]
        chosen = {"index-asia": 0, "index-fragment-1": 1, "index-fragment-last": len(pages) - 1}
        for name, i in chosen.items():
            next_url = index_routes[i + 1] if i + 1 < len(index_routes) else None
            expected = {"links": [e.canonical for e in pages[i]], "next_url": next_url}
            _write(out, name, page(index_routes[i]), urls.CURRENT_HOST + index_routes[i], "index", expected)
            written.append(name)
        # the real legacy home page: the "b-stories" listing of the legacy section pages
        excerpt = real.HOMEPAGE_EXCERPT_FILE.read_bytes()
        _write(out, "real-legacy-home-b-stories", excerpt, urls.LEGACY_HOST + "/", "index",
               {"links": list(real.HOMEPAGE_EXCERPT_LINKS), "next_url": None})
        written.append("real-legacy-home-b-stories")
    # the real ria.ru page: the current layout's publishing system (not served by the mirror)
    _write(out, REAL_CURRENT_RIA, real.RIA_ARTICLE_FILE.read_bytes(), real.RIA_ARTICLE_URL, "article", real.ria_expected())
    written.append(REAL_CURRENT_RIA)
    return written

