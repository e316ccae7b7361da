package convert

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// nodePoolBeta converts a karpenter.sh/v1beta1 NodePool.
func (cv *conversion) nodePoolBeta(c *docConv, root fields) {
	np := cv.newObject(c, root, karpv1.GroupVersion, "NodePool")
	spec, ok := root.object("spec")
	rootDone(root, ok)
	if !ok {
		c.fail(root.child("spec"), "required")
		return
	}
	out := map[string]any{}
	tmpl := map[string]any{}
	if template, ok := spec.object("template"); ok {
		tmpl = cv.betaTemplate(c, template, np)
		out["template"] = tmpl
	} else {
		c.fail(spec.child("template"), "required")
	}
	if d, ok := spec.object("disruption"); ok {
		disruption, expireAfter := c.betaDisruption(d, np)
		if len(disruption) > 0 {
			out["disruption"] = disruption
		}
		if expireAfter != nil {
			set(tmpl, expireAfter, "spec", "expireAfter")
		}
	}
	if limits, ok := spec.take("limits"); ok {
		decodeAs[corev1.ResourceList](c, spec.child("limits"), limits)
		out["limits"] = limits
	}
	c.keepWeight(spec, out)
	spec.done(map[string]string{"nodeClassRef": "unknown field: a NodePool names its node class in spec.template.spec.nodeClassRef: indent it under template.spec"})
	np.Object["spec"] = out
}

// keepWeight copies spec.weight, which every version spells alike, to out.
func (c *docConv) keepWeight(spec fields, out map[string]any) {
	if weight, ok := spec.take("weight"); ok {
		decodeAs[int32](c, spec.child("weight"), weight)
		out["weight"] = weight
	}
}

// betaTemplate returns spec.template of the v1 NodePool.
func (cv *conversion) betaTemplate(c *docConv, template fields, np *Object) map[string]any {
	out := map[string]any{}
	if meta, ok := template.object("metadata"); ok {
		if labels, ok := c.nodeLabels(meta, "labels"); ok {
			set(out, labels, "metadata", "labels")
		}
		if annotations, ok := c.nodeAnnotations(meta, "annotations", np); ok {
			set(out, annotations, "metadata", "annotations")
		}
		meta.done(nil)
	}
	spec, ok := template.object("spec")
	template.done(nil)
	if !ok {
		c.fail(template.child("spec"), "required")
		return out
	}
	out["spec"] = cv.betaTemplateSpec(c, spec, np)
	return out
}

func (cv *conversion) betaTemplateSpec(c *docConv, spec fields, np *Object) map[string]any {
	out := map[string]any{}
	if reqs, ok := c.requirements(spec, "requirements"); ok {
		out["requirements"] = reqs
	} else {
		out["requirements"] = []any{}
		np.change("spec.template.spec.requirements unset -> [] (v1 requires the field)")
	}
	for _, key := range []string{"taints", "startupTaints"} {
		if taints, ok := c.taints(spec, key); ok {
			out[key] = taints
		}
	}
	if grace, ok := spec.take("terminationGracePeriod"); ok {
		decodeAs[metav1.Duration](c, spec.child("terminationGracePeriod"), grace)
		out["terminationGracePeriod"] = grace
	}
	var class string
	if ref, ok := spec.object("nodeClassRef"); ok {
		class = c.betaNodeClassRef(ref, np)
	} else {
		class = c.missingNodeClass(spec.child("nodeClassRef"), np, "a v1 NodePool must name its EC2NodeClass (v1beta1 required it too)")
	}
	if class != "" {
		out["nodeClassRef"] = nodeClassRef(class)
	}
	if kubelet, ok := c.kubelet(spec, "kubelet", np); ok && class != "" {
		cv.kubelets = append(cv.kubelets, kubeletMove{from: np, path: spec.child("kubelet"), class: class, kubelet: kubelet})
	}
	spec.done(map[string]string{
		"resources":   "unknown field: a v1 NodePool template has no resources (v1beta1 ignored them): remove it",
		"expireAfter": "unknown field: v1beta1 reads expireAfter from spec.disruption",
	})
	return out
}

// betaNodeClassRef reads a v1beta1 node class reference (apiVersion, kind, name) and
// returns the name; v1 names the group instead of the apiVersion.
func (c *docConv) betaNodeClassRef(ref fields, np *Object) string {
	apiVersion, hasVersion := ref.str("apiVersion")
	if hasVersion && groupOf(apiVersion) != wellknown.AWSGroup {
		c.fail(ref.child("apiVersion"), "unsupported value %q: the node class of a NodePool is a karpenter.k8s.aws EC2NodeClass", apiVersion)
	}
	if kind, ok := ref.str("kind"); ok && kind != "EC2NodeClass" {
		c.fail(ref.child("kind"), "unsupported value %q: want EC2NodeClass", kind)
	}
	name, ok := ref.str("name")
	if !ok || name == "" {
		c.fail(ref.child("name"), "required")
	}
	ref.done(nil)
	if hasVersion {
		np.change("spec.template.spec.nodeClassRef: apiVersion %s -> group %s, kind EC2NodeClass", apiVersion, wellknown.AWSGroup)
	} else {
		np.change("spec.template.spec.nodeClassRef: added group %s, kind EC2NodeClass (v1 requires them)", wellknown.AWSGroup)
	}
	return name
}

func groupOf(apiVersion string) string {
	group, _, _ := strings.Cut(apiVersion, "/")
	return group
}
