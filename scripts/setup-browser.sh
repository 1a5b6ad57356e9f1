#!/usr/bin/env bash
# Install the system Chromium used by the browser tests (test/browser/**).
#
# We deliberately use Debian's `chromium` package instead of `playwright install`:
# CI and dev boxes only reach the npm registry and Debian apt, and playwright-core
# drives the system Chromium over CDP via `executablePath` (see test/browser/harness.ts).
# Idempotent: when /usr/bin/chromium exists it only prints the version.
set -euo pipefail

CHROMIUM_BIN=/usr/bin/chromium

if [ ! -x "$CHROMIUM_BIN" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    # CI runs as root; for local non-root runs fall back to sudo if available.
    if command -v sudo >/dev/null 2>&1; then
      SUDO="sudo"
    else
      echo "setup-browser: $CHROMIUM_BIN missing and not root (no sudo); install 'chromium' via apt" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive # CI has no stdin: never prompt
  $SUDO apt-get update
  $SUDO apt-get install -y chromium
fi

# stderr hidden: Debian's wrapper can print a harmless "[: ... unexpected operator"
# from its /dev/shm size check in containers. A real failure still exits non-zero.
"$CHROMIUM_BIN" --version 2>/dev/null
