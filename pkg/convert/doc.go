// Package convert rewrites Karpenter manifests of the APIs that came before v1
// (karpenter.sh/v1alpha5 Provisioner with karpenter.k8s.aws/v1alpha1 AWSNodeTemplate,
// karpenter.sh/v1beta1 NodePool with karpenter.k8s.aws/v1beta1 EC2NodeClass) into the
// karpenter.sh/v1 NodePool and karpenter.k8s.aws/v1 EC2NodeClass this project serves.
//
// It is pure: it reads manifests and returns objects, with the changes it made to each
// in plain words. It keeps the behaviour the old manifest asked for where the old API
// had a default that v1 no longer has (nodes that never expire, requirement defaults,
// the metadata hop limit). What v1 requires and an old manifest left out (the node
// class of a NodePool, the role and selectors of a node class) comes from Options,
// the way Karpenter's getting-started guide sets a cluster up. Anything without a v1
// form is an error that names the document and the field, and then no object is
// returned at all: a migration is either whole or not started.
package convert
