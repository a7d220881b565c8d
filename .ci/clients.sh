#!/usr/bin/env bash
# Python client libraries that cannot share the dev venv, each in its own venv under
# .ci/clients/<name>/ (git-ignored). Both need mcp<2, while the server needs mcp 2.x; the
# client matrix (tests/clients/) runs them as separate programs against the server.
#   langchain  langchain-mcp-adapters (requires mcp>=1.24,<2), langchain + langchain-openai
#              for the docs snippet (docs/clients/langchain_agent.py)
#   fastmcp3   fastmcp 3.x (pulls mcp 1.x; fastmcp 4.x is in the dev venv)
#
# Idempotent: a venv whose pins are unchanged is left alone. Offline-tolerant like npm.sh:
# when an install fails it says so and exits 0, so those tests are skipped with a reason
# (they fail under CI=true); CI_REQUIRE_CLIENTS=1 makes it a failure here instead.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.ci/clients"
PYTHON="${PYTHON:-python3}"

declare -A PINS=(
  [langchain]="langchain-mcp-adapters==0.3.2 langchain-core==1.8.3 langchain==1.5.2 langchain-openai==1.7.4"
  [fastmcp3]="fastmcp==3.4.11"
)

give_up() {
  echo "clients.sh: $1" >&2
  if [[ "${CI_REQUIRE_CLIENTS:-0}" == 1 ]]; then
    exit 1
  fi
  echo "clients.sh: continuing; the tests that need it will be skipped" >&2
}

for name in "${!PINS[@]}"; do
  venv="$PREFIX/$name"
  stamp="$venv/pins.txt"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "${PINS[$name]}" && -x "$venv/bin/python" ]]; then
    echo "clients.sh: $name is ready (${PINS[$name]})"
    continue
  fi
  rm -rf "$venv"
  # shellcheck disable=SC2086  # the pins are a word list on purpose
  if "$PYTHON" -m venv "$venv" &&
    timeout "${PIP_DEADLINE:-300}" "$venv/bin/pip" install -q ${PINS[$name]}; then
    echo "${PINS[$name]}" >"$stamp"
    echo "clients.sh: installed $name (${PINS[$name]})"
  else
    rm -rf "$venv"
    give_up "pip install ${PINS[$name]} failed (offline?)"
  fi
done
