#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then runs pytest.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh                 # what the crawl needs, Chromium included
bash scripts/system-deps.sh tests     # and what the tests need besides (scripts/packages/tests.txt)
exec .venv/bin/python -m pytest "$@"
