#!/usr/bin/env bash
# Builds the sandbox image for the local stack and loads it into the local cluster (kind or
# minikube), as `agentyard-sandbox:local`, the image SandboxHost runs on platform kubernetes.
# Usage: npm run image:sandbox:local [-- kind|minikube] (default: whichever is installed)
set -euo pipefail
cd "$(dirname "$0")/.."

tag=agentyard-sandbox:local
docker build -t "$tag" sandbox

target=${1:-}
if [[ -z "$target" ]]; then
  if command -v kind >/dev/null 2>&1; then target=kind; elif command -v minikube >/dev/null 2>&1; then target=minikube; fi
fi
case "$target" in
  kind) kind load docker-image "$tag" --name "${KIND_CLUSTER:-kind}" ;;
  minikube) minikube image load "$tag" ;;
  "") echo "built $tag; no kind or minikube found to load it into" ;;
  *) echo "unknown target: $target (kind or minikube)" >&2; exit 2 ;;
esac
