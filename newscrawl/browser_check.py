"""Whether the crawl has a browser that works: Playwright starts the Chromium the crawl would
use, with the crawl's launch options, and reads a page whose article a script writes, as a
rendering does (newscrawl/rendering.py). scripts/setup.sh runs it last.

    .venv/bin/python -m newscrawl.browser_check [--chromium PATH]

Exit status 0 with one line naming the browser, or 1 with one line saying what is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Optional

from newscrawl.rendering import ARTICLE_TEXT, CHROMIUM_NAMES, INSTALL_HINT, RenderingConfig, find_chromium, wait_for_article_text

# a page whose article a script writes, a moment after it loads (as a live blog's does)
WRITTEN = "Written by the page's script."
PAGE = (
    '<html><body><div class="article__body"><div class="article__text"></div></div><script>'
    f"setTimeout(() => {{ document.querySelector('.article__text').textContent = {WRITTEN!r}; }}, 50);"
    "</script></body></html>"
)
WAIT_SECONDS = 10


class BrowserUnusable(Exception):
    """The one line that says why the crawl could not render a page."""


async def render_check(chromium: str) -> str:
    """The browser's version, once it rendered PAGE's script-written text; BrowserUnusable otherwise."""
    from playwright.async_api import Error as PlaywrightError, async_playwright

    config = RenderingConfig(enabled=True, configured_path=chromium, chromium_path=chromium,
                             wait_seconds=WAIT_SECONDS, timeout_seconds=WAIT_SECONDS * 3, routed=True)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**config.launch_options({}))
            try:
                page = await browser.new_page()
                await page.set_content(PAGE)
                await wait_for_article_text(page, WAIT_SECONDS * 1000)
                text = (await page.inner_text(ARTICLE_TEXT.split(",")[0])).strip()
                version = browser.version
            finally:
                await browser.close()
    except PlaywrightError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BrowserUnusable(f"{chromium} does not start or render a page: {first}; {INSTALL_HINT}") from None
    if text != WRITTEN:
        raise BrowserUnusable(f"{chromium} rendered the test page without the text its script writes ({text!r})")
    return version


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", metavar="PATH",
                        help="the Chrome/Chromium to check (default: the one the crawl finds, as NEWSCRAWL_CHROMIUM_PATH names it)")
    args = parser.parse_args(argv)
    chromium = find_chromium(args.chromium)
    if chromium is None:
        where = f"at {args.chromium}" if args.chromium else f"({', '.join(CHROMIUM_NAMES)} on PATH or in /usr/bin)"
        print(f"Browser: none found {where}: pages whose article a script builds cannot be stored; {INSTALL_HINT}",
              file=sys.stderr)
        return 1
    try:
        version = asyncio.run(render_check(chromium))
    except BrowserUnusable as exc:
        print(f"Browser: {exc}", file=sys.stderr)
        return 1
    print(f"Browser: {chromium} (Chromium {version}) renders the pages whose article a script builds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
