"""`scrapy browse`: the archive in a browser, through Datasette (read-only).

- app.py: the Datasette instance: the archive as the database `archive`, opened read-only
  (newscrawl.readers' URI, `PRAGMA query_only`, no write connection), the package's metadata
  (metadata.yaml), templates and static files (copied out of a scrapyd egg when run from one).
- plugin.py: the Datasette plugin: the home page's figures, the article page (its versions and
  their word diffs, from newscrawl.history), the charts page, cells linked to articles.
- article_page.py, charts.py: what those pages show, computed from the archive.
"""

from __future__ import annotations

ARCHIVE_DATABASE = "archive"  # the archive's name in Datasette's URLs: /archive/articles
