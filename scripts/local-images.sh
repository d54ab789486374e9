#!/usr/bin/env bash
# Builds the sandbox image for the local stack and loads it into the local cluster (kind or
# minikube), as the image SandboxHost runs on platform kubernetes: `agentyard-sandbox:local`, or
# `agentyard-sandbox:local-scientific` with SANDBOX_PYTHON=scientific (the stack's
# sandbox.interpreter; components/sandbox-host/image.ts names it the same way).
# Usage: [SANDBOX_PYTHON=scientific] npm run image:sandbox:local [-- kind|minikube] (default: whichever is installed)
set -euo pipefail
cd "$(dirname "$0")/.."

interpreter=${SANDBOX_PYTHON:-minimal}
case "$interpreter" in
  minimal) tag=agentyard-sandbox:local ;;
  scientific) tag=agentyard-sandbox:local-scientific ;;
  *) echo "SANDBOX_PYTHON: expected minimal or scientific, got $interpreter" >&2; exit 2 ;;
esac
docker build --build-arg "SANDBOX_PYTHON=$interpreter" -t "$tag" sandbox

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
