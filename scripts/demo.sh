#!/usr/bin/env bash
# The main job on a fresh machine: installs what the crawl needs (scripts/setup.sh: Debian's
# python3-venv and chromium when missing, .venv, a check of the browser), builds the bundled
# mirror of the site, serves it on 127.0.0.1, runs the Asia crawl on it and prints a summary.
# Usage: bash scripts/demo.sh [--articles N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
exec .venv/bin/python -m newscrawl.demo "$@"
