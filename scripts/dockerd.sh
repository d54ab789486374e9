#!/usr/bin/env bash
# A private Docker engine for the image tests: its own socket and data root, no bridge, no
# iptables, so it changes nothing on the host's network. Usage: dockerd.sh start|stop DIR
set -euo pipefail

action=${1:?usage: dockerd.sh start|stop DIR}
dir=${2:?usage: dockerd.sh start|stop DIR}
mkdir -p "$dir"

case "$action" in
  start)
    # gVisor's runsc (Debian package runsc), when installed, as the runtime "runsc" with the
    # ptrace platform (no KVM needed), its own network stack without interfaces (the engine has no
    # bridge) and host unix sockets (each container is its own sandbox here, where a pod is one):
    # docker run --runtime runsc.
    config=()
    if [[ -x /usr/bin/runsc ]]; then
      printf '{"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=none", "--host-uds=all"]}}}\n' >"$dir/daemon.json"
      config=(--config-file "$dir/daemon.json")
    fi
    dockerd "${config[@]}" \
      --host "unix://$dir/docker.sock" \
      --data-root "$dir/data" \
      --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" \
      --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
      >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      if DOCKER_HOST="unix://$dir/docker.sock" docker version >/dev/null 2>&1; then
        echo "unix://$dir/docker.sock"
        exit 0
      fi
      sleep 0.5
    done
    echo "dockerd did not start; its log:" >&2
    cat "$dir/dockerd.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$dir/docker.pid" ]]; then
      kill "$(cat "$dir/docker.pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do
        [[ -f "$dir/docker.pid" ]] || break
        sleep 0.25
      done
    fi
    ;;
  *)
    echo "unknown action: $action" >&2
    exit 2
    ;;
esac
