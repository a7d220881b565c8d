#!/usr/bin/env bash
# Install the browser the picture tests drive (tests/pictures/): headless Chromium from the
# Debian package `chromium`. Playwright (a dev dependency) drives it by path and downloads no
# browser of its own, so this package is the only browser the tests use.
#
# Idempotent: does nothing when chromium is on PATH. Needs root (CI runs as root) or sudo;
# without either it says how to install it and exits 0, so the picture tests are skipped
# with a reason (with CI set they fail instead).
set -uo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "browser.sh: chromium missing; install it with: apt-get install -y chromium" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null \
  && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null \
  || echo "browser.sh: could not install chromium (apt-get failed)" >&2
exit 0
