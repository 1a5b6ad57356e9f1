#!/usr/bin/env bash
# Install Janus WebRTC Server (Debian package `janus`, 1.1.2), the peer the benchmarks compare
# Plaza with (../shared/design/BENCHMARKS.md, bench/peers/janus.ts).
#
# Debian's package rather than a source build: dev boxes and CI only reach Debian apt and the npm
# registry. The benchmark does not use /etc/janus: it starts Janus with its own configs
# (bench/janus/*.jcfg). Idempotent: when `janus` is on PATH it only prints its version.
set -euo pipefail

SUDO=""

if ! command -v janus >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    # CI runs as root; for local non-root runs fall back to sudo if available.
    if command -v sudo >/dev/null 2>&1; then
      SUDO="sudo"
    else
      echo "setup-janus: 'janus' is missing and we are not root (no sudo): install the Debian package 'janus' as root" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive # CI has no stdin: never prompt
  # Refresh the package lists only when apt does not know the package yet (fresh containers ship
  # without lists); otherwise installing straight away saves a network round.
  if ! apt-cache show janus >/dev/null 2>&1; then
    $SUDO apt-get update
  fi
  # --no-install-recommends: the benchmark needs only the server binary and its plugins.
  if ! $SUDO apt-get install -y --no-install-recommends janus; then
    echo "setup-janus: 'apt-get install janus' failed" >&2
    exit 1
  fi
fi

# The Debian package enables and starts a janus.service where systemd runs. Its default config
# listens on 8188, the port the benchmark's own Janus takes: stop it (bench/peers/janus.ts refuses
# to benchmark a Janus it did not start).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet janus 2>/dev/null; then
  ${SUDO:-} systemctl disable --now janus || echo "setup-janus: could not stop janus.service; stop it before npm run bench" >&2
fi

# Janus has no --version (it prints its banner, then fails on the unknown option); `--help` exits 0
# after the same banner, whose first line is the version. A broken install fails here. (Captured
# first: piping straight into `head` would end janus with SIGPIPE, a failure under pipefail.)
banner="$(janus --help)"
echo "${banner%%$'\n'*}"
