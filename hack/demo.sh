#!/usr/bin/env bash
# make demo: the main job on embedded defaults. Starts the local stack (a control
# plane, the scheduler as default-scheduler, the launcher on simulated AWS, kwok),
# applies hack/samples/demo.yaml, scales its Deployments from 0 to 200 replicas and
# shows pending pods become Running pods on launched nodes, then stops everything
# it started (also on Ctrl-C). KEEP=1 (or --keep) leaves the cluster up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
keep=${KEEP:-}
[ "${1:-}" = "--keep" ] && keep=1

started=
cleanup() {
  if [ -n "$started" ] && [ -z "$keep" ]; then ./hack/cluster.sh down; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f out/cluster.ready ]; then
  ./hack/cluster.sh up
  started=1
fi
export KUBECONFIG=$root/out/kubeconfig
go build -o bin/demo ./hack/demo
bin/demo --kubeconfig "$KUBECONFIG" -f hack/samples/demo.yaml
echo
echo "+ kubectl get nodeclaims   (the first 8)"
# sed reads to the end: head would close the pipe early, and pipefail fail on
# kubectl's SIGPIPE.
kubectl get nodeclaims 2>/dev/null | sed -n 1,9p
echo
echo "metrics (docs/metrics.md), while the cluster is up: launcher curl -s http://127.0.0.1:8080/metrics | grep ^tailor_; scheduler curl -sk https://127.0.0.1:10259/metrics | grep ^tailor_"
if [ -n "$keep" ]; then
  echo "the cluster stays up: export KUBECONFIG=$KUBECONFIG; make cluster-down stops it"
fi
