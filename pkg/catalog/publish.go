package catalog

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// Publish makes the catalog objects of nodeClass hold types: it creates the
// families that are new, updates those that changed and deletes those that are
// gone. Unchanged families are not written.
func Publish(ctx context.Context, c client.Client, nodeClass string, types []*cloudprovider.InstanceType) error {
	var existing tailorv1alpha1.InstanceTypeCatalogList
	if err := c.List(ctx, &existing, client.MatchingLabels{tailorv1alpha1.NodeClassLabelKey: nodeClass}); err != nil {
		return fmt.Errorf("listing instance type catalogs of %s, %w", nodeClass, err)
	}
	current := make(map[string]*tailorv1alpha1.InstanceTypeCatalog, len(existing.Items))
	for i := range existing.Items {
		current[existing.Items[i].Name] = &existing.Items[i]
	}
	for _, want := range Objects(nodeClass, types) {
		have, ok := current[want.Name]
		delete(current, want.Name)
		if err := write(ctx, c, want, have, ok); err != nil {
			return err
		}
	}
	for _, stale := range current {
		if err := c.Delete(ctx, stale); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting instance type catalog %s, %w", stale.Name, err)
		}
	}
	return nil
}

func write(ctx context.Context, c client.Client, want, have *tailorv1alpha1.InstanceTypeCatalog, exists bool) error {
	if !exists {
		if err := c.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating instance type catalog %s, %w", want.Name, err)
		}
		return nil
	}
	if equality.Semantic.DeepEqual(want.Spec, have.Spec) && equality.Semantic.DeepEqual(want.Labels, have.Labels) {
		return nil
	}
	updated := have.DeepCopy()
	updated.Spec, updated.Labels = want.Spec, want.Labels
	if err := c.Update(ctx, updated); err != nil {
		return fmt.Errorf("updating instance type catalog %s, %w", want.Name, err)
	}
	return nil
}
