"""What the reading commands (`scrapy search`, `diff`, `changes`) share besides newscrawl.cli
(one-line refusals, a reader that leaves the pipe): the archive opened read-only from the
settings (newscrawl.readers), their options' values checked, and output for people, in colour
on a terminal (`--color`, NO_COLOR)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from scrapy.settings import BaseSettings
from sqlalchemy import select
from sqlalchemy.engine import Engine

from newscrawl.cli import refused
from newscrawl.config import ConfigError, NewscrawlConfig, nearest
from newscrawl.db import ARTICLES
from newscrawl.readers import open_reader

COLOUR_CHOICES = ("auto", "always", "never")
_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "strike": "9"}


def open_archive(settings: BaseSettings, command: str) -> Engine:
    """The archive of NEWSCRAWL_DATABASE_URL, read-only and unmigrated; a bad setting or an
    archive it cannot read is refused (one line, exit status 2)."""
    try:
        return open_reader(NewscrawlConfig.from_settings(settings).database_url, command)
    except ConfigError as exc:
        raise refused(command, str(exc)) from None


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON Lines for programs instead of text for people")
    parser.add_argument("--color", choices=COLOUR_CHOICES, default="auto", metavar="WHEN",
                        help="colour the text: auto (on a terminal, unless NO_COLOR is set), always or never")


def instant(command: str, option: str, value: Optional[str], end_of_day: bool = False) -> Optional[str]:
    """An ISO date or time as the archive writes times: UTC, seconds, `Z` (naive means UTC);
    a date alone is its first second, or with end_of_day its last."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise refused(command, f"{option} takes an ISO date or time (2026-07-29 or 2026-07-29T13:00:00Z), not {value!r}") from None
    if end_of_day and len(value) == len("2026-07-29"):
        when = when.replace(hour=23, minute=59, second=59)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def count(command: str, option: str, value: int) -> int:
    if value < 0:
        raise refused(command, f"{option} takes a number, 0 (no limit) or more")
    return value


def check_section(command: str, engine: Engine, wanted: Optional[str]) -> None:
    """--section names a section the archive holds (in any case), or the command says which
    it holds, as `scrapy export` does: a typo is no empty answer."""
    if wanted is None:
        return
    query = select(ARTICLES.c.section).where(ARTICLES.c.section.is_not(None)).distinct().order_by(ARTICLES.c.section)
    with engine.connect() as conn:
        held = list(conn.execute(query).scalars())
    if any(section.lower() == wanted.lower() for section in held):
        return
    if not held:
        raise refused(command, f"--section {wanted}: the archive holds no article of any section yet")
    raise refused(command, f"--section {wanted}: the archive holds no article of that section{nearest(wanted.lower(), held)}; "
                           f"its sections: {', '.join(held)}")


class Output:
    """Lines on stdout for one command (inside newscrawl.cli.reader_may_leave); `paint`
    colours them when colour is on."""

    def __init__(self, colour: str = "auto") -> None:
        self.stream = sys.stdout
        if colour == "auto":
            self.colour = self.stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        else:
            self.colour = colour == "always"

    def paint(self, text: str, *styles: str) -> str:
        if not self.colour or not styles or not text:
            return text
        return "\x1b[" + ";".join(_STYLES[s] for s in styles) + "m" + text + "\x1b[0m"

    def marks(self, plain: str, *styles: str) -> tuple[str, str]:
        """What goes before and after a marked piece of text: colour codes, or `plain` on each side."""
        if not self.colour:
            return plain, plain
        return "\x1b[" + ";".join(_STYLES[s] for s in styles) + "m", "\x1b[0m"

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def json(self, value: dict[str, Any]) -> None:
        self.stream.write(json.dumps(value, ensure_ascii=False) + "\n")


def note(text: str) -> None:
    """A line for the person at the terminal, on stderr (stdout holds the results alone)."""
    print(text, file=sys.stderr)
