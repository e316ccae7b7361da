#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into a cache folder outside
# the work tree, keyed by version, and prints that folder. Reuses binaries already there.
# setup-envtest cannot download on machines without internet; this replaces it.
set -euo pipefail

KUBE_VERSION=v1.34.12
ETCD_VERSION=v3.6.4
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${TAILOR_ASSETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tailor/controlplane}
dir="$cache/kube-$KUBE_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$dir"

pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34
 -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"

if [ ! -x "$dir/kube-apiserver" ]; then
  echo "building kube-apiserver $KUBE_VERSION into $dir (about 6 minutes cold)" >&2
  (cd "$root/hack/tools/kube-apiserver" &&
    go build -trimpath -ldflags "$ldflags" -o "$dir/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$dir/kube-apiserver.tmp" "$dir/kube-apiserver"
fi
if [ ! -x "$dir/etcd" ]; then
  echo "building etcd $ETCD_VERSION into $dir (about 1 minute cold)" >&2
  (cd "$root/hack/tools/etcd" &&
    go build -trimpath -ldflags "-s -w" -o "$dir/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$dir/etcd.tmp" "$dir/etcd"
fi
if [ ! -e "$dir/kubectl" ]; then
  # envtest only needs kubectl for its optional KubeCtl helper; link it when present.
  if kubectl_bin=$(command -v kubectl); then ln -sf "$kubectl_bin" "$dir/kubectl"; fi
fi
echo "$dir"
