package convert

import (
	"encoding/json"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// provisioner converts a karpenter.sh/v1alpha5 Provisioner into a NodePool, and its
// inline spec.provider, if any, into an EC2NodeClass of the same name.
func (cv *conversion) provisioner(c *docConv, root fields) {
	np := cv.newObject(c, root, karpv1.GroupVersion, "NodePool")
	spec, ok := root.object("spec")
	rootDone(root, ok)
	if !ok {
		c.fail(root.child("spec"), "required")
		return
	}
	out := map[string]any{}
	if labels, ok := c.nodeLabels(spec, "labels"); ok {
		set(out, labels, "template", "metadata", "labels")
		np.change("spec.labels -> spec.template.metadata.labels")
	}
	if annotations, ok := c.nodeAnnotations(spec, "annotations", np); ok {
		set(out, annotations, "template", "metadata", "annotations")
		np.change("spec.annotations -> spec.template.metadata.annotations")
	}
	tmpl := cv.provisionerTemplate(c, spec, np)
	disruption, expireAfter := c.alphaDisruption(spec, np)
	out["disruption"] = disruption
	tmpl["expireAfter"] = expireAfter
	set(out, tmpl, "template", "spec")
	if limits, ok := spec.object("limits"); ok {
		c.alphaLimits(limits, out, np)
	}
	c.keepWeight(spec, out)
	spec.done(map[string]string{"kubelet": "unknown field: v1alpha5 reads kubelet settings from spec.kubeletConfiguration"})
	np.Object["spec"] = out
}

// provisionerTemplate returns spec.template.spec of the NodePool: requirements,
// taints, the node class reference, and the kubelet settings sent to the node class.
func (cv *conversion) provisionerTemplate(c *docConv, spec fields, np *Object) map[string]any {
	tmpl := map[string]any{}
	reqs, ok := c.requirements(spec, "requirements")
	if ok {
		np.change("spec.requirements -> spec.template.spec.requirements")
	}
	tmpl["requirements"] = alphaRequirementDefaults(reqs, np)
	for _, key := range []string{"taints", "startupTaints"} {
		if taints, ok := c.taints(spec, key); ok {
			tmpl[key] = taints
			np.change("spec.%s -> spec.template.spec.%s", key, key)
		}
	}
	class := cv.provisionerNodeClass(c, spec, np)
	if class != "" {
		tmpl["nodeClassRef"] = nodeClassRef(class)
	}
	if kubelet, ok := c.kubelet(spec, "kubeletConfiguration", np); ok && class != "" {
		cv.kubelets = append(cv.kubelets, kubeletMove{from: np, path: spec.child("kubeletConfiguration"), class: class, kubelet: kubelet})
	}
	return tmpl
}

// provisionerNodeClass returns the name of the EC2NodeClass the NodePool references:
// the AWSNodeTemplate of spec.providerRef, the one made from spec.provider, or else
// the one --node-class names.
func (cv *conversion) provisionerNodeClass(c *docConv, spec fields, np *Object) string {
	ref, hasRef := spec.object("providerRef")
	provider, hasProvider := spec.object("provider")
	switch {
	case hasRef && hasProvider:
		c.fail(spec.child("provider"), "cannot be set with spec.providerRef (v1alpha5 refused both too): keep one")
		return ""
	case hasRef:
		name := c.providerRef(ref)
		np.change("spec.providerRef -> spec.template.spec.nodeClassRef (group karpenter.k8s.aws, kind EC2NodeClass, name %s)", name)
		return name
	case hasProvider:
		name := c.doc.Name
		cv.inlineProvider(c, provider, name)
		np.change("spec.provider -> EC2NodeClass %q, the next document; spec.template.spec.nodeClassRef names it", name)
		return name
	}
	return c.missingNodeClass(spec.child("providerRef"), np, "a v1 NodePool needs an EC2NodeClass; name the AWSNodeTemplate of this Provisioner here")
}

func (c *docConv) providerRef(ref fields) string {
	if kind, ok := ref.str("kind"); ok && kind != "AWSNodeTemplate" {
		c.fail(ref.child("kind"), "unsupported value %q: want AWSNodeTemplate", kind)
	}
	if apiVersion, ok := ref.str("apiVersion"); ok && apiVersion != "karpenter.k8s.aws/v1alpha1" {
		c.fail(ref.child("apiVersion"), "unsupported value %q: want karpenter.k8s.aws/v1alpha1", apiVersion)
	}
	name, ok := ref.str("name")
	if !ok || name == "" {
		c.fail(ref.child("name"), "required")
	}
	ref.done(nil)
	return name
}

// inlineProvider adds the EC2NodeClass made from a Provisioner's spec.provider.
func (cv *conversion) inlineProvider(c *docConv, provider fields, name string) {
	provider.take("apiVersion") // extensions.karpenter.sh/v1alpha1
	provider.take("kind")       // AWS
	class := &Object{From: c.doc}
	class.change("made from spec.provider of Provisioner %q: v1 keeps AWS settings in an EC2NodeClass", name)
	spec := c.nodeClassSpec(provider, true, class)
	class.Object = map[string]any{
		"apiVersion": ec2v1.GroupVersion.String(),
		"kind":       "EC2NodeClass",
		"metadata":   map[string]any{"name": name},
		"spec":       spec,
	}
	cv.objects = append(cv.objects, class)
}

func (c *docConv) alphaLimits(limits fields, out map[string]any, np *Object) {
	if resources, ok := limits.take("resources"); ok {
		decodeAs[corev1.ResourceList](c, limits.child("resources"), resources)
		out["limits"] = resources
		np.change("spec.limits.resources -> spec.limits")
	}
	limits.done(nil)
}

// numberOf returns n as a JSON number, as decoded documents hold numbers.
func numberOf(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
