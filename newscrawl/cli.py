"""What the project's commands share (scrapy export, scrapy health, python -m newscrawl.mirror,
python -m newscrawl.demo): a refusal in one line, and output to a pipe whose reader stops early.

`scrapy health | head -1`: once head has its line it exits, and the next write to stdout (or
the interpreter's last flush of it) fails with BrokenPipeError, a traceback or an "Exception
ignored" message. The command ends quietly instead, with exit status 141 (128 + SIGPIPE), as
the coreutils that the pipe's end kills: a shell prints nothing for it, and `set -o pipefail`
still tells a cut output (`scrapy export | gzip > f`, gzip gone) from a whole one.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from scrapy.exceptions import UsageError

# what a shell reports for a command killed by SIGPIPE
EXIT_BROKEN_PIPE = 128 + int(signal.SIGPIPE)


def refused(command: str, message: str) -> UsageError:
    """A bad option of `scrapy <command>`: one line on stderr, exit status 2. Raise what it
    returns: Scrapy's UsageError, without the usage block Scrapy prints for its message."""
    sys.stderr.write(f"scrapy {command}: error: {message}\n")
    sys.stderr.flush()
    return UsageError("", print_help=False)


@dataclass
class Pipe:
    broken: bool = False  # the reader of stdout went away before the output was all written


def stdout_gone() -> None:
    """stdout on /dev/null from now on: what stdout still buffers goes there at exit, so the
    interpreter's last flush does not fail again (and print "Exception ignored ...")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


@contextmanager
def reader_may_leave() -> Iterator[Pipe]:
    """Output to stdout inside the block (flushed at its end) ends quietly if the reader has
    gone: the block stops, and the Pipe it yields says so (exit with EXIT_BROKEN_PIPE)."""
    pipe = Pipe()
    try:
        yield pipe
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_gone()
        pipe.broken = True


def main_ending_quietly(main: Callable[[], int]) -> int:
    """A command-line main() whose printing ends quietly on a broken pipe; its exit status."""
    status = EXIT_BROKEN_PIPE
    with reader_may_leave() as pipe:
        status = main()
    return EXIT_BROKEN_PIPE if pipe.broken else status
