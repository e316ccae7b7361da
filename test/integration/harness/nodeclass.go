package harness

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// SimulatedNodeClass is the EC2NodeClass "default" of a simulated cluster: it
// resolves in the EC2 simulator (pkg/ec2sim), whose subnets and security groups
// carry karpenter.sh/discovery: <cluster> and which knows the node role
// KarpenterNodeRole-<cluster>.
func SimulatedNodeClass(cluster string) *ec2v1.EC2NodeClass {
	discovery := map[string]string{"karpenter.sh/discovery": cluster}
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: ec2v1.EC2NodeClassSpec{
			Role:                       "KarpenterNodeRole-" + cluster,
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: discovery}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: discovery}},
		},
	}
}
