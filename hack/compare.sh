#!/usr/bin/env bash
# Plans the generic, diverse and sample mixes at 1,000 and 5,000 pods with the
# project's planner and with Karpenter's provisioning scheduler (hack/compare)
# on the same inputs, writes each comparison to out/compare/<mix>-<n>.json and
# prints a table. The instance types are ../shared/bench's catalog when present
# (zones us-east-1a,b,c), else the project's own (and it says so).
set -euo pipefail
cd "$(dirname "$0")/.."

shared=../shared/bench/aws-us-east-1-instance-types.json
catalog=() zones=us-east-1a,us-east-1b,us-east-1c
if [[ -f $shared ]]; then
  catalog=(-catalog "$shared")
  echo "catalog: $shared" >&2
else
  zones=us-west-2a,us-west-2b,us-west-2c
  echo "catalog: the project's own ($shared is absent)" >&2
fi
sizes=${SIZES:-1000 5000}
mixes=${MIXES:-generic diverse sample}

go build -o bin/scheduler ./cmd/scheduler
go build -o bin/planinput ./hack/planinput
(cd hack/compare && go build -o ../../bin/compare .)
mkdir -p out/compare
for mix in $mixes; do
  pools=hack/compare/nodepools/cmr.yaml spot=0
  if [[ $mix == sample ]]; then
    pools=hack/compare/nodepools/cmr-spot.yaml spot=0.35
  fi
  for n in $sizes; do
    dir=out/compare/input/$mix-$n
    bin/planinput -mix "$mix" -n "$n" "${catalog[@]}" -zones "$zones" -nodepools "$pools" -spot-price-factor "$spot" -out "$dir"
    bin/compare -in "$dir" -nodepools "$pools" -zones "$zones" -spot-price-factor "$spot" -scheduler bin/scheduler > "out/compare/$mix-$n.json"
  done
done
bin/compare -table out/compare/*-*.json
