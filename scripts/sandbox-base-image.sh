#!/usr/bin/env bash
# No registry is reachable here, so the Dockerfile's base image (node:20-bookworm-slim) is made
# locally: Debian bookworm from debootstrap plus this machine's Node 20 and npm, imported under
# the name the Dockerfile uses. Needs DOCKER_HOST, root, debootstrap. Usage: sandbox-base-image.sh DIR
set -euo pipefail

dir=${1:?usage: sandbox-base-image.sh DIR}
tag=node:20-bookworm-slim
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag already present"
  exit 0
fi

rootfs="$dir/rootfs"
if [[ ! -x "$rootfs/bin/sh" ]]; then
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 || {
    tail -20 "$dir/debootstrap.log" >&2
    exit 1
  }
fi

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
rm -rf "$rootfs/usr/local/lib/node_modules/npm"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
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
echo "$tag imported"
