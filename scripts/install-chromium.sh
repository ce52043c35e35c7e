#!/usr/bin/env bash
# Headless Chromium for the CLV report's browser test (playwright-core drives /usr/bin/chromium;
# it never downloads a browser). Idempotent: does nothing when Chromium is already installed.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium: present at $CHROMIUM" >&2
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium: installing with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium
  if [ -x "$CHROMIUM" ]; then
    echo "chromium: installed at $CHROMIUM"
    exit 0
  fi
  echo "chromium: apt-get finished but $CHROMIUM is missing" >&2
  exit 1
fi

cat >&2 <<'MSG'
chromium: /usr/bin/chromium not found, and this script can only install it as root with apt-get.
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium
  elsewhere:      install Chromium and link it to /usr/bin/chromium
The CLV report browser test (test/integration/clv-report.test.ts) needs it; everything else runs without.
MSG
exit 0
