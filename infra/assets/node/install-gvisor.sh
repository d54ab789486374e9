#!/bin/bash
# Installs gVisor on an EKS node (Amazon Linux 2023) from a pinned release, before kubelet starts.
#
# It runs as the text/x-shellscript part of the sandbox node group's user data. cloud-init runs
# that part in cloud-final, and nodeadm-run.service (which starts containerd and kubelet) runs
# After=cloud-final.service (awslabs/amazon-eks-ami, templates/al2023/runtime/rootfs/etc/systemd/
# system/nodeadm-run.service), so runsc is in place before the first pod can be scheduled here.
# containerd's `runsc` runtime handler comes from the NodeConfig part of the same user data.
#
# Release layout and steps: https://gvisor.dev/docs/user_guide/install/ ("Install latest
# release" and "Point release"): since 2026-07 a release is gvisor.tar.bz2 (runsc,
# containerd-shim-runsc-v1 and the gvisor-bin/ sidecars runsc looks for next to itself) with a
# .sha512 beside it. /usr/local/bin is on containerd's PATH (systemd's default), where the shim
# must be (https://gvisor.dev/docs/user_guide/containerd/quick_start/).
set -euo pipefail

GVISOR_RELEASE="${GVISOR_RELEASE:-20260817.0}"
GVISOR_BASE_URL="${GVISOR_BASE_URL:-https://storage.googleapis.com/gvisor/releases/release}"
INSTALL_DIR="${INSTALL_DIR:-/usr/local/bin}"

arch="$(uname -m)"
case "$arch" in
  x86_64 | aarch64) ;;
  *)
    echo "install-gvisor: gVisor has no release for $arch" >&2
    exit 1
    ;;
esac
url="$GVISOR_BASE_URL/$GVISOR_RELEASE/$arch"

# tar -j needs bzip2, which a minimal AL2023 image may lack.
if ! command -v bzip2 >/dev/null 2>&1; then
  dnf install -y bzip2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
curl --fail --silent --show-error --location --retry 5 --retry-connrefused --output gvisor.tar.bz2 "$url/gvisor.tar.bz2"
curl --fail --silent --show-error --location --retry 5 --retry-connrefused --output gvisor.tar.bz2.sha512 "$url/gvisor.tar.bz2.sha512"
# The .sha512 names the file it sums; -c fails on any mismatch, and set -e stops the install.
sha512sum --check --strict gvisor.tar.bz2.sha512

mkdir -p "$INSTALL_DIR"
tar --extract --bzip2 --file gvisor.tar.bz2 --directory "$INSTALL_DIR" --no-same-owner
chmod a+rx "$INSTALL_DIR/runsc" "$INSTALL_DIR/containerd-shim-runsc-v1"
"$INSTALL_DIR/runsc" --version
echo "install-gvisor: gVisor $GVISOR_RELEASE installed in $INSTALL_DIR"
