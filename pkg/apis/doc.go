// Package apis holds the API types the autoscaler reads and writes:
//
//   - karpenter/v1: karpenter.sh/v1 NodePool and NodeClaim, field for field as in Karpenter.
//   - ec2/v1: karpenter.k8s.aws/v1 EC2NodeClass.
//   - tailor/v1alpha1: tailor.sh/v1alpha1 CapacityRequest, our own hand-off from the
//     scheduler plugin to the launcher.
//   - wellknown: the labels, annotations, taints and finalizers both sides agree on.
//
// Deepcopy functions and the CRDs in manifests/crds are generated: run `make generate`.
package apis
