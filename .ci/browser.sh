#!/usr/bin/env bash
# The browser the picture tests drive (tests/pictures/): headless Chromium from the Debian
# package `chromium`. Playwright (a dev dependency) drives it by path and downloads no
# browser of its own, so this package is the only browser the tests use.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v chromium-browser >/dev/null 2>&1 || bash debian.sh chromium chromium
