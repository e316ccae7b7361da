package provisioner

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/catalog"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// catalogs converts the published InstanceTypeCatalogs into instance types,
// converting an object again only when it changed. Only the batch loop uses it.
type catalogs struct {
	converted map[string]convertedCatalog
}

type convertedCatalog struct {
	resourceVersion string
	nodeClass       string
	types           []*cloudprovider.InstanceType
}

// read returns the instance types of every EC2NodeClass that has a catalog.
func (c *catalogs) read(ctx context.Context, reader client.Reader) (map[string][]*cloudprovider.InstanceType, error) {
	var list tailorv1alpha1.InstanceTypeCatalogList
	if err := reader.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing instance type catalogs, %w", err)
	}
	if c.converted == nil {
		c.converted = map[string]convertedCatalog{}
	}
	seen := make(map[string]bool, len(list.Items))
	out := map[string][]*cloudprovider.InstanceType{}
	for i := range list.Items {
		obj := &list.Items[i]
		seen[obj.Name] = true
		conv, ok := c.converted[obj.Name]
		if !ok || conv.resourceVersion != obj.ResourceVersion {
			types, err := catalog.InstanceTypes(obj.Spec.InstanceTypes)
			if err != nil {
				return nil, fmt.Errorf("instance type catalog %s, %w", obj.Name, err)
			}
			conv = convertedCatalog{resourceVersion: obj.ResourceVersion, nodeClass: obj.Spec.NodeClass, types: types}
			c.converted[obj.Name] = conv
		}
		out[conv.nodeClass] = append(out[conv.nodeClass], conv.types...)
	}
	for name := range c.converted {
		if !seen[name] {
			delete(c.converted, name)
		}
	}
	return out, nil
}
