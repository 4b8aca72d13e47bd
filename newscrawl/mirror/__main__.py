"""Command line: build, serve, put a fault-injecting proxy in front of a mirror, or write golden files.

python -m newscrawl.mirror build --out DIR [--articles N] [--edition 2] [--seed S] [--robots-blocks-services] [--scripted] [--now TIME] [--hostile] [--markup-text]
python -m newscrawl.mirror serve --root DIR [--port 0]
python -m newscrawl.mirror faults --upstream URL [--port 0] [--seed 0] [--rate 0.2] [--times 1] [--faults a,b] [--mirror-root DIR] [--record FILE]
python -m newscrawl.mirror golden --out tests/golden
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from newscrawl.cli import main_ending_quietly

from .build import build_mirror
from .faults import FAULTS, FaultProxy, mirror_article_targets
from .hostile import add_hostile_pages, add_markup_article
from .golden import write_golden
from .server import MirrorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.mirror", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write a mirror into a folder")
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the mirror into (pages, routes.json, manifest.json)")
    build.add_argument("--articles", type=int, default=200, metavar="N", help="Asia articles on the index (default 200)")
    build.add_argument("--edition", type=int, default=1, choices=(1, 2),
                       help="1: the site as first crawled; 2: the same site later, a few articles edited and a few new (default 1)")
    build.add_argument("--seed", type=int, default=1, help="seed of the generated articles: the same seed builds the same mirror (default 1)")
    build.add_argument("--robots-blocks-services", action="store_true", help="add 'Disallow: /services/' to robots.txt")
    build.add_argument("--scripted", action="store_true", help="add the pages a script builds (live blogs, photo stories)")
    build.add_argument("--hostile", action="store_true",
                       help="render two index articles again as a 20 MB article and one of 50,000 READ MORE cards (hostile.py)")
    build.add_argument("--markup-text", action="store_true", dest="markup_text",
                       help="render an index article again with <script> and <img onerror> in its text, escaped (hostile.py)")
    build.add_argument("--now", type=_time, default=None, metavar="TIME",
                       help="ISO time (or 'now'): the edition-2 changes are published within the day before it")
    serve = sub.add_parser("serve", help="serve a built mirror on 127.0.0.1 until killed")
    serve.add_argument("--root", type=Path, required=True, metavar="DIR", help="a folder written by build")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one, printed)")
    faults = sub.add_parser("faults", help="serve a proxy in front of a mirror that spoils a seeded share of its article answers")
    faults.add_argument("--upstream", required=True, help="the mirror's base URL, e.g. http://127.0.0.1:8000")
    faults.add_argument("--port", type=int, default=0, help="the proxy's port on 127.0.0.1 (default 0: a free one, printed)")
    faults.add_argument("--seed", type=int, default=0, help="which URLs get which fault: the same seed spoils the same URLs (default 0)")
    faults.add_argument("--rate", type=float, default=0.2, help="share of article URLs spoiled (0 to 1)")
    faults.add_argument("--times", type=int, default=1, help="answers spoiled per spoiled URL before it is served clean")
    faults.add_argument("--faults", type=_fault_list, default=FAULTS, metavar="A,B",
                        help=f"fault classes to deal in turn (default all: {','.join(FAULTS)})")
    faults.add_argument("--mirror-root", type=Path, default=None,
                        help="the built mirror behind the upstream: spoil exactly rate x its article pages, every class")
    faults.add_argument("--record", type=Path, default=None, help="write what was spoiled here as JSON on exit")
    golden = sub.add_parser("golden", help="write golden page/expected pairs for parser tests")
    golden.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the .html/.json pairs (tests/golden)")
    return parser


def _time(value: str) -> datetime:
    if value == "now":
        return datetime.now(timezone.utc)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {value!r} (e.g. 2026-07-29T12:00:00Z, or 'now')") from None


def _fault_list(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in FAULTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown fault class {', '.join(unknown) or '(none)'}; known: {', '.join(FAULTS)}")
    return names


def _serve_until_killed(what: str, base_url: str) -> None:
    """Print where, then wait for Ctrl-C or SIGTERM (which unwinds like Ctrl-C, so the caller's stop runs)."""
    print(f"serving {what} on {base_url}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


def main(argv: Optional[list[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "build":
        started = time.perf_counter()
        try:
            manifest = build_mirror(args.out, n_asia=args.articles, edition=args.edition, seed=args.seed,
                                    robots_blocks_services=args.robots_blocks_services, now=args.now,
                                    scripted=args.scripted)
        except ValueError as exc:  # a bad --articles or --now: say which, no traceback
            parser.error(str(exc))
        if args.hostile:
            add_hostile_pages(args.out)
        if args.markup_text:
            add_markup_article(args.out)
        counts = json.dumps(manifest["counts"])
        print(f"built edition {args.edition} into {args.out} in {time.perf_counter() - started:.2f}s: {counts}", flush=True)
    elif args.command == "serve":
        server = MirrorServer(args.root, port=args.port).start()
        try:
            _serve_until_killed(str(args.root), server.base_url)
        finally:
            server.stop()
    elif args.command == "faults":
        try:
            targets = mirror_article_targets(args.mirror_root) if args.mirror_root else None
            proxy = FaultProxy(args.upstream, seed=args.seed, rate=args.rate, times=args.times, faults=args.faults,
                               targets=targets, port=args.port, record_path=args.record).start()
        except (ValueError, OSError) as exc:  # a bad rate, upstream, mirror folder or port: say which, no traceback
            parser.error(str(exc))
        try:
            _serve_until_killed(f"{args.upstream} with faults (seed {args.seed}, rate {args.rate}, times {args.times})",
                                proxy.base_url)
        finally:
            proxy.stop()
    else:
        names = write_golden(args.out)
        print(f"wrote {len(names)} golden pages into {args.out}: {', '.join(names)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main_ending_quietly(main))  # `... build | head -1`: no BrokenPipeError traceback
