#!/usr/bin/env bash
# Debian packages the tests use (Chromium for the rendering tests, PostgreSQL for the
# archive tests, nginx-light for the benchmark runner's smoke test, systemd for
# `systemd-analyze verify` of the deploy units; util-linux's setpriv and mount come with Debian).
# In CI a test that would skip for want of one of them fails instead (tests/ci_skips.py).
# Installs only what is missing; needs root or sudo for apt-get.
set -euo pipefail
wanted=(chromium postgresql nginx-light systemd util-linux)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
