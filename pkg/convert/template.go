package convert

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// deprecatedNodeAnnotations were node annotations that v1 no longer reads; each meant
// what karpenter.sh/do-not-disrupt means now.
var deprecatedNodeAnnotations = []string{wellknown.Group + "/do-not-consolidate", wellknown.Group + "/do-not-evict"}

// nodeLabels reads the labels put on every node, checking that each is a valid label.
func (c *docConv) nodeLabels(f fields, key string) (map[string]string, bool) {
	labels, ok := f.stringMap(key)
	for k, v := range labels {
		c.checkLabel(f.child(key).Key(k), k, v)
	}
	return labels, ok && len(labels) > 0
}

// nodeAnnotations reads the annotations put on every node; the ones v1 dropped become
// karpenter.sh/do-not-disrupt.
func (c *docConv) nodeAnnotations(f fields, key string, out *Object) (map[string]string, bool) {
	annotations, ok := f.stringMap(key)
	for _, old := range deprecatedNodeAnnotations {
		v, had := annotations[old]
		if !had {
			continue
		}
		delete(annotations, old)
		annotations[wellknown.DoNotDisruptAnnotationKey] = v
		out.change("%s: %s -> %s (v1 reads only the latter)", f.child(key), old, wellknown.DoNotDisruptAnnotationKey)
	}
	return annotations, ok && len(annotations) > 0
}

// requirements reads a list of node selector requirements (with minValues), checking
// its shape against v1 and that keys and values could be node labels.
func (c *docConv) requirements(f fields, key string) ([]any, bool) {
	v, ok := f.take(key)
	if !ok {
		return nil, false
	}
	reqs, fits := decodeAs[[]karpv1.NodeSelectorRequirementWithMinValues](c, f.child(key), v)
	for i, r := range reqs {
		path := f.child(key).Index(i)
		c.checkLabelKey(path.Child("key"), r.Key)
		for j, value := range r.Values {
			c.checkLabelValue(path.Child("values").Index(j), value)
		}
	}
	list, _ := v.([]any)
	return list, fits
}

// taints reads a list of taints, checking its shape against v1.
func (c *docConv) taints(f fields, key string) ([]any, bool) {
	v, ok := f.take(key)
	if !ok {
		return nil, false
	}
	taints, fits := decodeAs[karpv1.Taints](c, f.child(key), v)
	for i, t := range taints {
		c.checkLabelKey(f.child(key).Index(i).Child("key"), t.Key)
		c.checkLabelValue(f.child(key).Index(i).Child("value"), t.Value)
	}
	list, _ := v.([]any)
	return list, fits
}

func (c *docConv) checkLabel(path *field.Path, key, value string) {
	c.checkLabelKey(path, key)
	c.checkLabelValue(path, value)
}

func (c *docConv) checkLabelKey(path *field.Path, key string) {
	if msgs := validation.IsQualifiedName(key); len(msgs) > 0 {
		c.fail(path, "%q is not a valid label key: %s", key, strings.Join(msgs, "; "))
	}
}

func (c *docConv) checkLabelValue(path *field.Path, value string) {
	if msgs := validation.IsValidLabelValue(value); len(msgs) > 0 {
		c.fail(path, "%q is not a valid label value (is it a placeholder?): %s", value, strings.Join(msgs, "; "))
	}
}

// nodeClassRef is the v1 reference to the EC2NodeClass named name.
func nodeClassRef(name string) map[string]any {
	return map[string]any{"group": wellknown.AWSGroup, "kind": "EC2NodeClass", "name": name}
}
