"""The README's first command: build the bundled mirror, serve it, crawl it, summarise.

    .venv/bin/python -m newscrawl.demo [--articles 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from newscrawl.cli import main_ending_quietly
from newscrawl.config import PROJECT_ROOT, default_data_dir
from newscrawl.db import Archive
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from newscrawl.summary import crawl_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="Asia articles in the mirror (default 200)")
    args = parser.parse_args(argv)

    data_dir = default_data_dir()
    mirror_dir = data_dir / "mirror"
    manifest = build_mirror(mirror_dir, n_asia=args.articles)
    print(f"Mirror: {len(manifest['articles'])} articles ({len(manifest['asia_ids'])} on the Asia index) in {mirror_dir}")
    feeds = data_dir / "feeds"
    before = set(feeds.glob("*.jsonl")) if feeds.exists() else set()
    log_file = data_dir / "logs" / "demo-crawl.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with MirrorServer(mirror_dir) as server:
        print(f"Serving it on {server.base_url}; crawling (log: {log_file}) ...", flush=True)
        command = [sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={server.base_url}", "-s", f"LOG_FILE={log_file}"]
        status = subprocess.call(command, cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(data_dir)})
    new_feeds = sorted(set(feeds.glob("*.jsonl")) - before) if feeds.exists() else []
    archive = Archive(f"sqlite:///{data_dir / 'news.sqlite'}")
    print(crawl_summary(archive, feed=new_feeds[-1] if new_feeds else None))
    archive.close()
    return status


if __name__ == "__main__":
    raise SystemExit(main_ending_quietly(main))  # `... | head`: no BrokenPipeError traceback
