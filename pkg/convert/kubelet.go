package convert

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/util/validation/field"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// kubeletMove is a NodePool's kubelet settings on their way to its EC2NodeClass,
// where v1 keeps them.
type kubeletMove struct {
	from    *Object
	path    *field.Path
	class   string
	kubelet map[string]any
}

// kubelet reads a NodePool's (or Provisioner's) kubelet settings and checks them
// against v1's. containerRuntime is gone: v1 nodes run containerd.
func (c *docConv) kubelet(f fields, key string, np *Object) (map[string]any, bool) {
	k, ok := f.object(key)
	if !ok {
		return nil, false
	}
	if runtime, ok := k.str("containerRuntime"); ok {
		if runtime != "containerd" {
			c.fail(k.child("containerRuntime"), "unsupported value %q: v1 nodes run containerd only (Kubernetes 1.24 removed dockershim)", runtime)
		}
		np.change("%s dropped: v1 nodes always run containerd", k.child("containerRuntime"))
	}
	decodeAs[ec2v1.KubeletConfiguration](c, k.path, k.m)
	return k.m, len(k.m) > 0
}

// moveKubelets puts each NodePool's kubelet settings on the EC2NodeClass it names,
// which must be among the converted documents. Two NodePools may share one only with
// the same settings.
func (cv *conversion) moveKubelets() {
	setBy := map[*Object]*Object{}
	for _, m := range cv.kubelets {
		c := &docConv{doc: m.from.From, probs: &cv.probs}
		class, problem := cv.nodeClassFor(m.class)
		if problem != "" {
			c.fail(m.path, "v1 keeps kubelet settings on the EC2NodeClass, and %s", problem)
			continue
		}
		if first, ok := setBy[class]; ok {
			if !reflect.DeepEqual(get(class.Object, "spec", "kubelet"), m.kubelet) {
				c.fail(m.path, "differs from the kubelet settings of NodePool %q, and both name EC2NodeClass %q, which holds one kubelet in v1: give this NodePool an EC2NodeClass of its own", first.From.Name, m.class)
			}
		} else {
			setBy[class] = m.from
			set(class.Object, m.kubelet, "spec", "kubelet")
			class.change("spec.kubelet: from NodePool %q (v1 moved kubelet from the NodePool to the EC2NodeClass)", m.from.From.Name)
		}
		m.from.change("%s -> EC2NodeClass %q spec.kubelet", m.path, m.class)
	}
}

// nodeClassFor returns the converted EC2NodeClass named name, or why there is none.
func (cv *conversion) nodeClassFor(name string) (*Object, string) {
	var found []*Object
	for _, o := range cv.objects {
		if o.Object["kind"] == "EC2NodeClass" && get(o.Object, "metadata", "name") == name {
			found = append(found, o)
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Sprintf("EC2NodeClass %q is not among the documents: convert them together (give both files with -f)", name)
	case len(found) > 1:
		return nil, fmt.Sprintf("several documents make EC2NodeClass %q", name)
	case found[0].Unchanged != "":
		return nil, fmt.Sprintf("EC2NodeClass %q is v1 already: move these settings to its spec.kubelet by hand", name)
	}
	return found[0], ""
}
