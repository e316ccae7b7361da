#!/usr/bin/env bash
# The local stack in the background: `cluster.sh up` builds what it needs, starts
# hack/devcluster (control plane, kube-controller-manager, kwok, the scheduler as
# default-scheduler, the launcher in simulated mode) and returns once it is ready;
# `cluster.sh down` stops all of it. Point kubectl at out/kubeconfig.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/out
pidfile=$out/cluster.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

down() {
  if running; then
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "cluster: stopped"
  fi
  rm -f "$pidfile" "$out/cluster.ready"
}

up() {
  if running; then echo "cluster: already running (make cluster-down stops it); export KUBECONFIG=$out/kubeconfig"; return; fi
  export KUBEBUILDER_ASSETS=$(./hack/controlplane.sh)
  mkdir -p "$out" bin
  echo "cluster: building bin/scheduler bin/launcher bin/devcluster" >&2
  go build -o bin/ ./cmd/scheduler ./cmd/launcher ./hack/devcluster
  rm -f "$out/cluster.ready"
  nohup bin/devcluster --write-kubeconfig "$out/kubeconfig" --ready-file "$out/cluster.ready" \
    --log-dir "$out/logs" --bin bin "$@" > "$out/cluster.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 240); do
    [ -f "$out/cluster.ready" ] && break
    if ! running; then echo "cluster: failed to start; see $out/cluster.log and $out/logs/" >&2; tail -20 "$out/cluster.log" >&2; exit 1; fi
    sleep 0.5
  done
  [ -f "$out/cluster.ready" ] || { echo "cluster: not ready after 2 minutes; see $out/logs/" >&2; down; exit 1; }
  cat <<MSG
cluster: ready
  export KUBECONFIG=$out/kubeconfig
  kubectl get nodepools,ec2nodeclasses,nodeclaims
  logs: $out/logs/   EC2 simulator: AWS_ENDPOINT_URL=http://127.0.0.1:4566   launcher metrics: http://127.0.0.1:8080/metrics
  scheduler metrics: curl -sk https://127.0.0.1:10259/metrics | grep ^tailor_
  make cluster-down stops it
MSG
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
