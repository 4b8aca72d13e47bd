#!/usr/bin/env bash
# The benchmarks in one command, on a fresh machine too: installs nginx-light (Debian) and the
# venv, then runs bench/run.py, then bench/healing.py. Usage: bash bench/run.sh [--quick] [bench/run.py options]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-venv.sh
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's nginx-light"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
.venv/bin/python -m bench.run "$@"
# what healing an archive after a crawl through the fault proxy costs (bench/README.md)
exec .venv/bin/python -m bench.healing
