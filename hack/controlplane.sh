#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, etcd and kwok from the Go module
# proxy into a cache folder outside the work tree, keyed by version, and prints that
# folder. Reuses binaries already there. setup-envtest cannot download on machines
# without internet; this replaces it. kube-controller-manager (Deployments,
# ReplicaSets, PDB status, garbage collection) and kwok (keeps simulated nodes and
# their pods alive) are for the local stack and the end-to-end tests.
set -euo pipefail

KUBE_VERSION=v1.34.12
ETCD_VERSION=v3.6.4
KWOK_VERSION=v0.8.0
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${TAILOR_ASSETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tailor/controlplane}
dir="$cache/kube-$KUBE_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$dir"

pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34
 -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"

# The Kubernetes binaries share most of their packages: one go build compiles them
# once. etcd and kwok (modules of their own) build alongside it, on the other core.
build_kube() {
  if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kube-controller-manager" ]; then return; fi
  echo "building kube-apiserver and kube-controller-manager $KUBE_VERSION into $dir (about 8 minutes cold)" >&2
  local tmp="$dir/.kube-build"
  mkdir -p "$tmp"
  (cd "$root/hack/tools/kube-apiserver" &&
    go build -trimpath -ldflags "$ldflags" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
  mv "$tmp/kube-apiserver" "$tmp/kube-controller-manager" "$dir/"
  rmdir "$tmp"
}
build_etcd() {
  if [ -x "$dir/etcd" ]; then return; fi
  echo "building etcd $ETCD_VERSION into $dir (about 1 minute cold)" >&2
  (cd "$root/hack/tools/etcd" &&
    go build -trimpath -ldflags "-s -w" -o "$dir/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$dir/etcd.tmp" "$dir/etcd"
}
kwok_dir="$cache/kwok-$KWOK_VERSION"
build_kwok() {
  if [ -x "$kwok_dir/kwok" ]; then return; fi
  echo "building kwok $KWOK_VERSION into $kwok_dir (about 3 minutes cold)" >&2
  mkdir -p "$kwok_dir"
  (cd "$root/hack/tools/kwok" &&
    go build -trimpath -ldflags "-s -w" -o "$kwok_dir/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok)
  mv "$kwok_dir/kwok.tmp" "$kwok_dir/kwok"
}
build_kube & kube=$!
(build_etcd && build_kwok) & others=$!
status=0
wait $kube || status=$?
wait $others || status=$?
[ $status -eq 0 ] || { echo "building the control plane binaries failed" >&2; exit $status; }
if [ ! -s "$kwok_dir/stages.yaml" ]; then
  # kwok exits with "no stages found" without stage definitions: take the default
  # ones its module ships (fast node and pod lifecycle, node heartbeats).
  src=$(cd "$root/hack/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cat "$src/$f"; echo "---"
  done > "$kwok_dir/stages.yaml.tmp"
  mv "$kwok_dir/stages.yaml.tmp" "$kwok_dir/stages.yaml"
fi
ln -sf "$kwok_dir/kwok" "$dir/kwok"
ln -sf "$kwok_dir/stages.yaml" "$dir/kwok-stages.yaml"
if [ ! -e "$dir/kubectl" ]; then
  # envtest only needs kubectl for its optional KubeCtl helper; link it when present.
  if kubectl_bin=$(command -v kubectl); then ln -sf "$kubectl_bin" "$dir/kubectl"; fi
fi
echo "$dir"
