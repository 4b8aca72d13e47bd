"""What the reading commands (`scrapy search`, `diff`, `changes`) share: the archive opened
read-only from the settings (newscrawl.readers), and their output: lines on stdout, in colour
on a terminal (`--color`, NO_COLOR), a reader that closes the pipe (`| head`) ending the
command quietly."""

from __future__ import annotations

import argparse
import json
import os
import sys
from types import TracebackType
from typing import Any, Optional

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from sqlalchemy.engine import Engine

from newscrawl.config import ConfigError, NewscrawlConfig
from newscrawl.readers import open_reader

COLOUR_CHOICES = ("auto", "always", "never")
_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "strike": "9"}


def open_archive(settings: BaseSettings, command: str) -> Engine:
    """The archive of NEWSCRAWL_DATABASE_URL, read-only and unmigrated; a bad setting or an
    archive it cannot read is a UsageError (one line, exit status 2)."""
    try:
        return open_reader(NewscrawlConfig.from_settings(settings).database_url, command)
    except ConfigError as exc:
        raise UsageError(str(exc), print_help=False) from None


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON Lines for programs instead of text for people")
    parser.add_argument("--color", choices=COLOUR_CHOICES, default="auto", metavar="WHEN",
                        help="colour the text: auto (on a terminal, unless NO_COLOR is set), always or never")


def positive_count(option: str, value: Optional[int]) -> int:
    if value is None or value < 0:
        raise UsageError(f"{option} takes a number, 0 (no limit) or more", print_help=False)
    return value


class Output:
    """stdout for one command: `paint` colours when colour is on; used as a context manager,
    a closed pipe ends the command quietly (what is left to write goes nowhere)."""

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

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException], _tb: Optional[TracebackType]) -> bool:
        try:
            if kind is None:
                self.stream.flush()
                return False
        except BrokenPipeError:
            kind = BrokenPipeError
        if kind is not BrokenPipeError:
            return False
        # `| head` has read enough: stdout goes to /dev/null, so the flush at exit fails no more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())
        os.close(devnull)
        return True


def note(text: str) -> None:
    """A line for the person at the terminal, on stderr (stdout holds the results alone)."""
    print(text, file=sys.stderr)
