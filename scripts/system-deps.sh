#!/usr/bin/env bash
# The Debian packages newscrawl needs, from the lists in scripts/packages/ (one package a
# line, with why):
#   crawl   what `scrapy crawl` needs: Python and its venv module, Chromium (scripts/setup.sh)
#   tests   what the test suite needs besides: PostgreSQL, nginx-light (scripts/test.sh)
# Installs only the missing ones, with apt-get (as root, or through sudo).
#
# Usage: bash scripts/system-deps.sh [--dry-run] [--admindir DIR] LIST...
#   --dry-run       say what apt-get would install (its --simulate), install nothing
#   --admindir DIR  the dpkg database to read what is installed from (default /var/lib/dpkg;
#                   an empty one stands for a bare machine: the tests use it with --dry-run)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dry_run=0
admindir=/var/lib/dpkg
lists=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --admindir) admindir="$2"; shift ;;
    --admindir=*) admindir="${1#*=}" ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "system-deps.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) lists+=("$1") ;;
  esac
  shift
done
[ ${#lists[@]} -gt 0 ] || { echo "system-deps.sh: name a list: crawl, tests (see --help)" >&2; exit 2; }

wanted=()
declare -A why
for list in "${lists[@]}"; do
  file="$here/packages/$list.txt"
  [ -f "$file" ] || { echo "system-deps.sh: no package list $file" >&2; exit 2; }
  while read -r pkg reason; do
    case "$pkg" in ''|'#'*) continue ;; esac
    wanted+=("$pkg")
    why[$pkg]="${reason#\# }"
  done < "$file"
done

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "No dpkg/apt-get here (not Debian?): install these yourself if they are missing:" >&2
  for pkg in "${wanted[@]}"; do echo "  $pkg: ${why[$pkg]}" >&2; done
  exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query --admindir="$admindir" -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Debian packages to install (apt-get; root or sudo):"
for pkg in "${missing[@]}"; do echo "  $pkg: ${why[$pkg]}"; done

if [ "$dry_run" -eq 1 ]; then
  # apt's own answer, as on a machine with that dpkg database; the package lists read first if
  # this machine has never read them
  for pkg in "${missing[@]}"; do
    if ! apt-cache show "$pkg" >/dev/null 2>&1; then $sudo apt-get update -qq; break; fi
  done
  plan="$(apt-get --simulate -o Dir::State::status="$admindir/status" install --no-install-recommends "${missing[@]}")"
  echo "apt-get would install (dry run: nothing is installed):"
  for pkg in "${missing[@]}"; do
    grep "^Inst $pkg " <<<"$plan" | sed 's/^Inst /  /'
  done
  echo "  and $(grep -c '^Inst ' <<<"$plan") packages in all, with what they depend on"
  exit 0
fi

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
