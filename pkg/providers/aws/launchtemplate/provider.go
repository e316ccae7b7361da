// Package launchtemplate ensures the EC2 launch templates instances of a NodeClaim
// launch from: one per AMI (and pod limit) among the instance types the claim may
// use, named by a hash of everything in it, so an unchanged template is reused and
// a changed one gets a new name instead of being edited under running fleets.
package launchtemplate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

// ensuredTTL is how long a template known to exist is trusted without asking EC2:
// names are content hashes, so the only way one goes stale is a deletion behind our
// back, and such a template is re-created at most this long after (Forget drops a
// name at once, e.g. when a fleet reports it missing).
const ensuredTTL = 5 * time.Minute

// LaunchTemplate is an ensured launch template and the instance types to launch
// from it.
type LaunchTemplate struct {
	Name          string
	ImageID       string
	InstanceTypes []*cloudprovider.InstanceType
}

// Provider ensures and deletes launch templates. It is safe for concurrent use.
type Provider struct {
	ec2      sdk.EC2API
	settings settings.Settings
	clock    clock.PassiveClock

	mu      sync.Mutex
	ensured map[string]time.Time
}

// NewProvider returns a Provider that calls EC2 through ec2.
func NewProvider(ec2 sdk.EC2API, s settings.Settings) *Provider {
	return &Provider{ec2: ec2, settings: s.Defaults(), clock: clock.RealClock{}, ensured: map[string]time.Time{}}
}

// EnsureAll makes sure a launch template exists for each group of instanceTypes
// that share an AMI of the node class (and a pod limit), and returns them. Types no
// AMI suits are left out; it fails when none is left, or the node class has not
// resolved.
func (p *Provider) EnsureAll(ctx context.Context, nodeClass *ec2v1.EC2NodeClass, nodeClaim *karpv1.NodeClaim,
	instanceTypes []*cloudprovider.InstanceType, capacityType string) ([]LaunchTemplate, error) {
	if err := resolved(nodeClass); err != nil {
		return nil, cloudprovider.NewNodeClassNotReadyError(fmt.Errorf("ensuring launch templates of ec2nodeclass %s, %w", nodeClass.Name, err))
	}
	groups, err := groupByAMI(nodeClass.Status.AMIs, instanceTypes, nodeClass.Spec.Kubelet)
	if err != nil {
		return nil, fmt.Errorf("ensuring launch templates of ec2nodeclass %s, %w", nodeClass.Name, err)
	}
	out := make([]LaunchTemplate, 0, len(groups))
	for _, g := range groups {
		t, err := p.buildTemplate(nodeClass, nodeClaim, g, capacityType)
		if err != nil {
			return nil, fmt.Errorf("building launch template for AMI %s, %w", g.ami.ID, err)
		}
		if err := p.ensure(ctx, t); err != nil {
			return nil, err
		}
		out = append(out, LaunchTemplate{Name: t.name, ImageID: g.ami.ID, InstanceTypes: g.types})
	}
	return out, nil
}

// resolved says what a node class lacks for launching.
func resolved(nc *ec2v1.EC2NodeClass) error {
	var missing []error
	if len(nc.Status.AMIs) == 0 {
		missing = append(missing, errors.New("no AMI resolved"))
	}
	if len(nc.Status.SecurityGroups) == 0 {
		missing = append(missing, errors.New("no security group resolved"))
	}
	if nc.Status.InstanceProfile == "" {
		missing = append(missing, errors.New("no instance profile resolved"))
	}
	return errors.Join(missing...)
}

// ensure creates the template unless it is known or found to exist.
func (p *Provider) ensure(ctx context.Context, t template) error {
	if p.known(t.name) {
		return nil
	}
	out, err := p.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{t.name}})
	if err == nil && len(out.LaunchTemplates) > 0 {
		p.remember(t.name)
		return nil
	}
	if err != nil && !sdk.IsNotFound(err) {
		return fmt.Errorf("describing launch template %s, %w", t.name, err)
	}
	if _, err := p.ec2.CreateLaunchTemplate(ctx, t.input); err != nil {
		if !sdk.IsAlreadyExists(err) {
			return fmt.Errorf("creating launch template %s, %w", t.name, err)
		}
	} else {
		klog.FromContext(ctx).Info("created launch template", "launchTemplate", t.name, "imageID", t.group.ami.ID, "instanceTypes", len(t.group.types))
	}
	p.remember(t.name)
	return nil
}

func (p *Provider) known(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.ensured[name]
	return ok && p.clock.Since(at) < ensuredTTL
}

func (p *Provider) remember(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ensured[name] = p.clock.Now()
}

// Forget drops names from the cache of ensured templates, so the next EnsureAll
// checks them with EC2 again.
func (p *Provider) Forget(names ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		delete(p.ensured, n)
	}
}

// DeleteAll deletes the launch templates of a node class (found by their cluster
// and ec2nodeclass tags). Templates already gone are not an error.
func (p *Provider) DeleteAll(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) error {
	in := &ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + ClusterTagKey), Values: []string{p.settings.ClusterName}},
		{Name: aws.String("tag:" + wellknown.EC2NodeClassLabelKey), Values: []string{nodeClass.Name}},
	}}
	var names []string
	pages := ec2.NewDescribeLaunchTemplatesPaginator(p.ec2, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing launch templates of ec2nodeclass %s, %w", nodeClass.Name, err)
		}
		for _, lt := range out.LaunchTemplates {
			names = append(names, aws.ToString(lt.LaunchTemplateName))
		}
	}
	var errs []error
	for _, name := range names {
		p.Forget(name)
		_, err := p.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String(name)})
		if err != nil && !sdk.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting launch template %s, %w", name, err))
			continue
		}
		klog.FromContext(ctx).Info("deleted launch template", "launchTemplate", name, "ec2nodeclass", klog.KObj(nodeClass))
	}
	return errors.Join(errs...)
}
