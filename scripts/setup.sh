#!/usr/bin/env bash
# Everything `scrapy crawl` needs on a Debian machine (the README's first command runs it):
#   1. the Debian packages of scripts/packages/crawl.txt that are missing: python3 and
#      python3-venv (for .venv), chromium (the browser for the pages whose article a script
#      builds: live blogs, photo stories), with apt-get (root or sudo)
#   2. .venv with the pinned Python packages (scripts/setup-venv.sh)
#   3. a check that the browser works: Playwright starts it and reads a page a script writes
# Idempotent: what is there already is left as it is.
# Usage: bash scripts/setup.sh [--dry-run] [--admindir DIR]   (for the Debian packages: see
# scripts/system-deps.sh --help; the venv is made all the same)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/system-deps.sh "$@" crawl
bash scripts/setup-venv.sh
.venv/bin/python -m newscrawl.browser_check
