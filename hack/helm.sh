#!/usr/bin/env bash
# Builds the helm binary (hack/tools/helm pins its version) from the Go module proxy
# into a cache folder outside the work tree, keyed by version, and prints its path.
# Reuses a binary already there. Used by the chart tests (test/integration/chart) and
# by anyone who wants to render or install charts/tailor without a helm of their own.
set -euo pipefail

HELM_VERSION=v3.21.4
# The Kubernetes version helm assumes when no cluster is asked (helm template, lint):
# that of the k8s.io modules it is built with (client-go v0.36 -> 1.36), as helm's own
# Makefile sets it.
KUBE_MAJOR=1
KUBE_MINOR=36
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${TAILOR_ASSETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tailor}
dir="$cache/helm-$HELM_VERSION"

if [ ! -x "$dir/helm" ]; then
  echo "building helm $HELM_VERSION into $dir (about 2 minutes cold)" >&2
  mkdir -p "$dir"
  v=helm.sh/helm/v3/internal/version
  ldflags="-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$KUBE_MAJOR
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KUBE_MINOR
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$KUBE_MAJOR
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR"
  (cd "$root/hack/tools/helm" &&
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/helm.tmp" helm.sh/helm/v3/cmd/helm)
  mv "$dir/helm.tmp" "$dir/helm"
fi
echo "$dir/helm"
