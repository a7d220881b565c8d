#!/usr/bin/env bash
# The services the tests start themselves: redis-server (Debian package), for the team
# server's shared state (tests/team: Redis state, the shared rate bucket, replicas).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v redis-server >/dev/null 2>&1; then
  bash debian.sh redis-server redis-server
  # The package starts a system-wide server on port 6379; the tests start their own.
  if command -v systemctl >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]]; then systemctl stop redis-server >/dev/null 2>&1 || true
    else sudo -n systemctl stop redis-server >/dev/null 2>&1 || true; fi
  fi
fi
exit 0
