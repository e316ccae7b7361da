#!/usr/bin/env bash
# The demo on embedded defaults, until the launcher lands: the planner on a sample
# workload (the same planning code and Filter plugins as the scheduler plugin, over
# the project's instance catalog); then a local control plane with the v1 API
# installed, the seed NodePools and EC2NodeClasses applied and listed the way users
# see them, and one wrong manifest refused with its reason; then the scheduler with
# the shipped second-scheduler configuration, which turns pending pods into
# CapacityRequests (no launcher yet: nothing turns them into nodes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p out
export KUBEBUILDER_ASSETS=$(./hack/controlplane.sh)
export KUBECONFIG=$root/out/kubeconfig
rm -f "$KUBECONFIG"

echo "# planning nodes for hack/samples/workload.yaml (scheduler plan)"
go build -o bin/scheduler ./cmd/scheduler
bin/scheduler plan --pods hack/samples/workload.yaml > out/plan.json
python3 - out/plan.json <<'PY' 2>/dev/null || cat out/plan.json
import json, sys
plan = json.load(open(sys.argv[1]))
for n in plan["nodes"]:
    print(f'  {n["instanceType"]:<14} {n["zone"]:<11} {n["capacityType"]:<10} ${n["pricePerHour"]:<8} {len(n["pods"])} pods: {", ".join(p.split("/")[1] for p in n["pods"])}')
print(f'  {plan["nodeCount"]} nodes, ${plan["totalPricePerHour"]}/h, {len(plan["unplaced"])} unplaced, planned in {plan["planningSeconds"]*1000:.1f} ms (full plan: out/plan.json)')
PY
echo

go build -o bin/devcluster ./hack/devcluster
bin/devcluster --write-kubeconfig "$KUBECONFIG" --publish-catalog default &
cluster=$!
trap 'kill $cluster 2>/dev/null; wait $cluster 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do [ -s "$KUBECONFIG" ] && break; sleep 0.5; done
[ -s "$KUBECONFIG" ] || { echo "control plane did not come up" >&2; exit 1; }

k() { echo "+ kubectl $*"; kubectl "$@" 2>&1 | grep -v 'version difference' || true; }
seeds=test/integration/testdata/seeds
k apply -f "$seeds/002-120-ec2nodeclass-default.yaml" -f "$seeds/002-482-nodepool-batch-processing.yaml" \
  -f "$seeds/002-289-nodepool-spot-nodes.yaml" -f "$seeds/002-440-nodepool-gpu-nodes.yaml"
k get nodepools
k get ec2nodeclasses
k get nodepool spot-nodes -o jsonpath='{.spec.disruption}{"\n"}'
echo "# a v1beta1-era NodePool: the API server says exactly what is wrong"
k apply -f - <<'YAML'
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: wrong}
spec:
  template:
    metadata: {labels: {kubernetes.io/hostname: pinned}}
    spec:
      requirements: [{key: karpenter.k8s.aws/instance-generation, operator: Gt, values: ["two"]}]
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
  disruption: {consolidationPolicy: WhenIdle, budgets: [{nodes: "150%"}]}
YAML
echo

echo "# the scheduler (manifests/scheduler/second-scheduler config) on pods that select it"
go build -o bin/scheduler ./cmd/scheduler
# The shipped configuration, run outside the cluster: no leader election, this kubeconfig.
{
  echo "clientConnection: {kubeconfig: $KUBECONFIG}"
  sed -n '/scheduler-config.yaml: |/,$p' manifests/scheduler/second-scheduler/03-configmap.yaml | tail -n +2 |
    sed 's/^    //; s/leaderElect: true/leaderElect: false/'
} > out/scheduler-config.yaml
bin/scheduler --config out/scheduler-config.yaml --secure-port 0 > out/scheduler.log 2>&1 &
scheduler=$!
trap 'kill $scheduler $cluster 2>/dev/null; wait $scheduler $cluster 2>/dev/null || true' EXIT
k create namespace demo
for i in 1 2 3 4 5 6; do
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web-$i, namespace: demo, labels: {app: web}}
spec:
  schedulerName: tailor-scheduler
  tolerations: [{key: batch-only, operator: Exists}]
  nodeSelector: {workload-type: batch}
  containers: [{name: web, image: nginx, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
---
YAML
done > out/demo-pods.yaml
k apply -f out/demo-pods.yaml
for _ in $(seq 1 60); do
  [ -n "$(kubectl get capacityrequests -o name 2>/dev/null)" ] && break
  sleep 0.5
done
sleep 2
k get capacityrequests
echo "+ kubectl get events -n demo --field-selector reason=WaitingForCapacity"
kubectl get events -n demo --field-selector reason=WaitingForCapacity -o custom-columns=POD:.involvedObject.name,MESSAGE:.message 2>&1 | grep -v 'version difference' || true
echo "(scheduler log: out/scheduler.log; the launcher, not written yet, will turn each request into a node)"
