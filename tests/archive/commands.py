"""The reading commands (`scrapy search`, `diff`, `changes`) run as a user runs them, and what
the mirror's corpus says an article's searchable text is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

from tests.archive.conftest import ExportRun
from tests.conftest import PROJECT_ROOT


def run_scrapy(command: str, database_url: str, *args: str, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None,
               prefix: Sequence[str] = ()) -> ExportRun:
    """`scrapy COMMAND` in a subprocess, on this archive (`prefix`: a command it runs under)."""
    full = [*prefix, sys.executable, "-m", "scrapy", command, "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", *args]
    done = subprocess.run(full, cwd=cwd, capture_output=True, timeout=120, env=env)
    return ExportRun(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


def error_lines(stderr: str) -> list[str]:
    """The one-line errors a command gives (argparse's form, under python -m scrapy)."""
    return [line for line in stderr.splitlines() if ": error: " in line]


def searchable_text(expected: dict[str, Any]) -> str:
    """An expected item's title, lead, body, tags and authors: what the index covers."""
    return "\n".join([expected["title"], expected["lead"] or "", expected["body"], *expected["tags"], *expected["authors"]])
