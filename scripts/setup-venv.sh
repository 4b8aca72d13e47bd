#!/usr/bin/env bash
# Creates .venv at the project root with every pinned dependency (idempotent: a venv
# whose requirements did not change since the last install is left as it is).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
if [ -x .venv/bin/python ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  # a venv made half-way (python3 -m venv without Debian's python3-venv leaves one without pip)
  echo "Making .venv again: it has no pip"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want="$(sha256sum requirements.txt setup.py | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  .venv/bin/python -m pip install --quiet --no-deps -e . > .venv/editable-install.log 2>&1
  echo "$want" > "$stamp"
fi
