#!/usr/bin/env bash
# Writes deepcopy functions next to the API types and CRD YAML into manifests/crds,
# with controller-gen pinned in hack/tools/controller-gen.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${GOBIN:-$(go env GOPATH)/bin}
cg="$root/bin/controller-gen"
mkdir -p "$root/bin"
if [ ! -x "$cg" ] || [ "$root/hack/tools/controller-gen/go.mod" -nt "$cg" ]; then
  (cd "$root/hack/tools/controller-gen" && go build -o "$cg" sigs.k8s.io/controller-tools/cmd/controller-gen)
fi
cd "$root"
"$cg" object:headerFile=hack/boilerplate.go.txt paths=./pkg/apis/...
rm -rf manifests/crds
"$cg" crd:allowDangerousTypes=false paths=./pkg/apis/... output:crd:artifacts:config=manifests/crds
# The embedded on-demand price table the AWS provider falls back on, from the
# project's own catalog.
go generate ./pkg/providers/aws/pricing/
# The project's catalog as the AWS provider converts it, embedded by the planner's
# I/O package so that the scheduler needs neither the simulator nor the SDK.
go generate ./pkg/planner/planio/
