"""`scrapy browse`: the archive in a browser, through Datasette (newscrawl/browse/).

Serves the SQLite archive (NEWSCRAWL_DATABASE_URL) read-only on 127.0.0.1 at --port, with
newscrawl's own metadata, templates and plugin: a home page with a search box, the article
list (full-text search, facets, newest first), each article's page with its versions and
word diffs, canned queries and charts. Arbitrary SQL is on unless NEWSCRAWL_BROWSE_SQL is
False (or --no-sql). A bad port, setting or metadata file, a missing or unreadable archive,
or a PostgreSQL one: one line, exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
from pathlib import Path
from typing import Any, Callable, Optional

from scrapy.exceptions import UsageError
from sqlalchemy.engine import make_url

from newscrawl.cli import refused, stdout_gone
from newscrawl.command import ProjectCommand
from newscrawl.config import ConfigError, NewscrawlConfig
from newscrawl.readers import open_reader, sqlite_path

DEFAULT_PORT = 8001  # Datasette's own
HOST = "127.0.0.1"  # a team reaches it through a proxy in front (README: Browsing the archive)
SQL_SETTING = "NEWSCRAWL_BROWSE_SQL"
WARMED = ("/archive/articles", "/", "/charts")


def listening_socket(port: int) -> socket.socket:
    """A socket bound to HOST:port (0: any free port), so that a port in use is said before
    anything starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        reason = "another program listens there" if exc.errno == 98 else exc.strerror or str(exc)
        raise UsageError(f"cannot serve on {HOST}:{port}: {reason}; choose another --port", print_help=False) from None
    sock.listen(128)  # from now on a browser's request waits for the server instead of being refused
    return sock


def parse_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise UsageError(f"--port takes a port number from 1 to 65535 (0: any free port), not {value!r}", print_help=False)
    return port


class _Stopped(Exception):
    """SIGTERM: the server has stopped (or had not started yet)."""


def _stopped(_signal: int, _frame: object) -> None:
    raise _Stopped


def say(line: str) -> None:
    """A line on stdout; a reader that closed it (`| head -1`) stops no server: the rest goes nowhere."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        stdout_gone()


async def serve(datasette: Any, sock: socket.socket, ready: Callable[[], None]) -> None:
    import uvicorn

    await datasette.invoke_startup()
    await datasette.refresh_schemas()
    # the article list, home page and charts once before the first visitor: their counts are
    # then remembered (newscrawl.browse.facets), a large archive's seconds of SQL done here
    for path in WARMED:
        await datasette.client.get(path)
    ready()
    config = uvicorn.Config(datasette.app(), lifespan="on", log_level="warning", access_log=False)
    await uvicorn.Server(config).serve(sockets=[sock])


class Command(ProjectCommand):
    def syntax(self) -> str:
        return "[--port PORT] [--no-sql] [--metadata FILE]"

    def short_desc(self) -> str:
        return "Browse the archive in a web browser (Datasette, read-only, on 127.0.0.1)"

    def long_desc(self) -> str:
        return (
            "Serve the SQLite archive (NEWSCRAWL_DATABASE_URL) with Datasette, read-only, on 127.0.0.1:PORT: "
            "search and facets over the articles, each article with its versions and what each edit changed, "
            "canned queries and charts. Visitors may run their own (read-only) SQL unless "
            f"{SQL_SETTING}=False or --no-sql. Stops on Ctrl-C or SIGTERM. PostgreSQL archives: use "
            "scrapy search, diff, changes and export."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", metavar="PORT", default=str(DEFAULT_PORT),
                            help=f"port on {HOST} to serve on (default {DEFAULT_PORT}; 0: any free port, printed at start)")
        parser.add_argument("--no-sql", dest="no_sql", action="store_true",
                            help=f"no arbitrary SQL, only the pages and canned queries (as {SQL_SETTING}=False)")
        parser.add_argument("--metadata", metavar="FILE",
                            help="Datasette metadata (JSON or YAML) merged over newscrawl's, e.g. a password "
                                 "plugin's configuration (README: Browsing the archive)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.no_sql:
            self.settings.set(SQL_SETTING, False, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self._serve(args, opts)
        except UsageError as exc:  # one line, without Scrapy's usage block; exit status 2
            raise refused("browse", str(exc)) from None

    def _serve(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"browse takes no positional argument, got {' '.join(args)!r}", print_help=False)
        port = parse_port(opts.port)
        sql = self.settings.getbool(SQL_SETTING, True)  # True or False: checked with every setting (ProjectCommand)
        path = self._archive_path()
        from newscrawl.browse.app import load_metadata, make_datasette  # Datasette only for this command

        metadata = self._metadata(load_metadata, opts.metadata)
        sock = listening_socket(port)
        datasette = make_datasette(path, sql=sql, metadata=metadata, secret=os.environ.get("DATASETTE_SECRET"))
        url = f"http://{HOST}:{sock.getsockname()[1]}/"
        line = f"Serving the archive {path} at {url} (read-only{'' if sql else ', no arbitrary SQL'}; Ctrl-C stops)"
        # uvicorn stops on SIGINT and SIGTERM, then sends the signal again to the handler it
        # found: this one ends the command quietly with exit status 0 (as systemd's stop expects)
        signal.signal(signal.SIGTERM, _stopped)
        try:
            asyncio.run(serve(datasette, sock, lambda: say(line)))
        except (KeyboardInterrupt, _Stopped):
            pass
        finally:
            sock.close()

    def _archive_path(self) -> Path:
        assert self.settings is not None
        try:
            database_url = NewscrawlConfig.from_settings(self.settings).database_url
            if make_url(database_url).get_backend_name() != "sqlite":
                raise ConfigError(
                    "scrapy browse serves SQLite archives (Datasette reads SQLite) and this one is PostgreSQL: "
                    "read it with scrapy search, scrapy diff and scrapy changes, or take it out with scrapy export"
                )
            open_reader(database_url, "browse").dispose()  # one there, readable, at this newscrawl's schema
        except ConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        path = sqlite_path(database_url)
        assert path is not None  # open_reader refused anything else
        return path.resolve()

    @staticmethod
    def _metadata(load: Any, extra: Optional[str]) -> dict[str, Any]:
        if extra is None:
            return dict(load())
        try:
            return dict(load(Path(extra)))
        except OSError as exc:
            raise UsageError(f"--metadata {extra}: cannot read it ({exc.strerror or exc})", print_help=False) from None
        except Exception as exc:  # Datasette's parser: JSON or YAML it cannot read
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(f"--metadata {extra} is not JSON or YAML metadata: {reason}", print_help=False) from None
