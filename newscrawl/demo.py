"""The README's first command: build the bundled mirror, serve it, crawl it, summarise.

The crawl shows its progress and prints its summary itself, as every `scrapy crawl` does.

    .venv/bin/python -m newscrawl.demo [--articles 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from newscrawl.cli import main_ending_quietly
from newscrawl.config import PROJECT_ROOT, default_data_dir
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="Asia articles in the mirror (default 200)")
    args = parser.parse_args(argv)

    data_dir = default_data_dir()
    mirror_dir = data_dir / "mirror"
    # with the pages a script builds (live blogs, photo stories), as the live section has them:
    # the crawl renders them through the browser the set-up installed (its summary's "Rendered")
    manifest = build_mirror(mirror_dir, n_asia=args.articles, scripted=True)
    print(f"Mirror: {len(manifest['articles'])} articles ({len(manifest['asia_ids'])} on the Asia index, "
          f"{len(manifest['scripted'])} built by a script) in {mirror_dir}")
    log_file = data_dir / "logs" / "demo-crawl.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with MirrorServer(mirror_dir) as server:
        print(f"Serving it on {server.base_url}; crawling (log: {log_file}) ...", flush=True)
        # a progress line each second: the demo's crawl is over in seconds
        command = [sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={server.base_url}", "-s", f"LOG_FILE={log_file}",
                   "-s", "NEWSCRAWL_PROGRESS_INTERVAL=1"]
        return subprocess.call(command, cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(data_dir)})


if __name__ == "__main__":
    raise SystemExit(main_ending_quietly(main))  # `... | head`: no BrokenPipeError traceback
