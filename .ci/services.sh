#!/usr/bin/env bash
# Install the services the tests start themselves: redis-server (Debian package), for the
# team server's shared state (tests/team: Redis state, the shared rate bucket, replicas).
#
# Idempotent: does nothing when redis-server is on PATH. Needs root (CI runs as root) or
# sudo; without either it says how to install it and exits 0, so the Redis tests are
# skipped with a reason (CI=1 makes them fail instead).
set -uo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "services.sh: redis-server missing; install it with: apt-get install -y redis-server" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null \
  && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
  || echo "services.sh: could not install redis-server (apt-get failed)" >&2
# The package starts a system-wide server on port 6379; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then
  "${SUDO[@]}" systemctl stop redis-server >/dev/null 2>&1 || true
fi
exit 0
