#!/usr/bin/env bash
# The main job on a fresh machine: installs into .venv, builds the bundled mirror of the
# site, serves it on 127.0.0.1, runs the Asia crawl on it and prints a summary.
# Usage: bash scripts/demo.sh [--articles N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-venv.sh
exec .venv/bin/python -m newscrawl.demo "$@"
