package api_test

import (
	"testing"
)

const validNodeClaim = `
apiVersion: karpenter.sh/v1
kind: NodeClaim
metadata:
  name: valid
  labels:
    karpenter.sh/nodepool: default
spec:
  requirements:
  - key: node.kubernetes.io/instance-type
    operator: In
    values: ["m5.large", "m5.xlarge"]
  resources:
    requests:
      cpu: "1"
      memory: 2Gi
  nodeClassRef:
    group: karpenter.k8s.aws
    kind: EC2NodeClass
    name: default
`

func TestNodeClaimSpecIsImmutable(t *testing.T) {
	nodeClaim := edited(t, validNodeClaim)
	env.ExpectApplied(t, nodeClaim)
	defer env.ExpectDeleted(t, nodeClaim)

	changed := edited(t, validNodeClaim, edit{"spec.requirements", `[{key: node.kubernetes.io/instance-type, operator: In, values: ["m5.24xlarge"]}]`})
	env.ExpectRejected(t, changed, "spec is immutable")

	relabelled := edited(t, validNodeClaim, edit{"metadata.labels", `{karpenter.sh/nodepool: default, team: data}`})
	env.ExpectApplied(t, relabelled)
}

func TestCapacityRequestRejected(t *testing.T) {
	const valid = `
apiVersion: tailor.sh/v1alpha1
kind: CapacityRequest
metadata:
  name: valid
spec:
  nodePool: default
  requirements:
  - key: topology.kubernetes.io/zone
    operator: In
    values: ["us-west-2a"]
  instanceTypes: ["m5.large", "m5.xlarge"]
`
	t.Run("accepted", func(t *testing.T) {
		request := edited(t, valid)
		env.ExpectApplied(t, request)
		env.ExpectDeleted(t, request)
	})
	t.Run("no instance types", func(t *testing.T) {
		env.ExpectRejected(t, edited(t, valid, edit{"spec.instanceTypes", `[]`}), "spec.instanceTypes", "should have at least 1 items")
	})
	t.Run("no nodepool", func(t *testing.T) {
		env.ExpectRejected(t, edited(t, valid, edit{"spec.nodePool", `~`}), "spec.nodePool: Required value")
	})
}
