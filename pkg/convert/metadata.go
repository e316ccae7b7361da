package convert

import (
	"sort"
	"strings"
)

// serverSetMetadata are the metadata fields the API server set on the old object
// (a manifest saved with kubectl get -o yaml has them); a new object cannot carry them.
var serverSetMetadata = []string{
	"creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers",
	"generation", "managedFields", "ownerReferences", "resourceVersion", "selfLink", "uid",
}

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// objectMeta returns the metadata of the v1 object: name, labels and annotations as
// they were; what the API server set on the old object is dropped.
func (c *docConv) objectMeta(root fields, out *Object) map[string]any {
	meta := map[string]any{}
	f, ok := root.object("metadata")
	if !ok {
		c.fail(root.child("metadata"), "required: the object needs a name")
		return meta
	}
	if name, ok := f.str("name"); ok && name != "" {
		meta["name"] = name
	} else {
		c.fail(f.child("name"), "required")
	}
	if labels, ok := f.stringMap("labels"); ok {
		meta["labels"] = labels
	}
	if annotations, ok := f.stringMap("annotations"); ok {
		if _, had := annotations[lastAppliedAnnotation]; had {
			delete(annotations, lastAppliedAnnotation)
			out.change("metadata.annotations[%s] dropped: it holds the old object", lastAppliedAnnotation)
		}
		if len(annotations) > 0 {
			meta["annotations"] = annotations
		}
	}
	if _, ok := f.take("namespace"); ok {
		out.change("metadata.namespace dropped: NodePools and EC2NodeClasses belong to no namespace")
	}
	var dropped []string
	for _, key := range serverSetMetadata {
		if _, ok := f.take(key); ok {
			dropped = append(dropped, key)
		}
	}
	if len(dropped) > 0 {
		sort.Strings(dropped)
		out.change("metadata.%s dropped: the API server set them on the old object", strings.Join(dropped, ", "))
	}
	f.done(nil)
	return meta
}
