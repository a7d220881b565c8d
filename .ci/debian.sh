#!/usr/bin/env bash
# Install a Debian package the tests need, unless its program is on PATH already:
#   bash .ci/debian.sh <program> <package>
# Needs root (CI runs as root) or sudo; without either it says how to install it and exits 0,
# so the tests that need it are skipped with a reason (with CI set they fail instead).
set -uo pipefail
program="$1" package="$2"

if command -v "$program" >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "debian.sh: $program missing; install it with: apt-get install -y $package" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null \
  && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null \
  || echo "debian.sh: could not install $package (apt-get failed)" >&2
exit 0
