#!/usr/bin/env bash
# Make sure a Node.js >= 18 with npm is reachable as `node` / `npm`.
# Uses the system Node when it is new enough; otherwise installs the optional
# `nodejs-bin` wheel (Node 18.4, npm 8.12) into .venv and writes .venv/bin/node
# and .venv/bin/npm wrappers (the wheel's own bin/ shims are empty files, so
# they call `python -m nodejs` / `python -m nodejs.npm`).
# Prints the directory to put on PATH (empty when the system Node is used).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.venv
need=18
sys_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$sys_major" -ge "$need" ] && command -v npm >/dev/null 2>&1; then
  exit 0
fi
if [ ! -x "$venv/bin/node" ]; then
  echo "ensure_node: no Node.js >= $need on PATH (found major $sys_major); installing nodejs-bin into .venv" >&2
  "$venv/bin/python" -m pip install -q 'nodejs-bin[cmd]==18.4.0a4' >&2 || {
    echo "ensure_node: could not install nodejs-bin; install Node.js >= $need and re-run" >&2; exit 1; }
  printf '#!/bin/sh\nexec "%s" -m nodejs "$@"\n' "$venv/bin/python" > "$venv/bin/node"
  printf '#!/bin/sh\nexec "%s" -m nodejs.npm "$@"\n' "$venv/bin/python" > "$venv/bin/npm"
  chmod +x "$venv/bin/node" "$venv/bin/npm"
fi
echo "$venv/bin"
