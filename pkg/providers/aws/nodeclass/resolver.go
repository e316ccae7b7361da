// Package nodeclass resolves an EC2NodeClass's selectors into the concrete subnets,
// security groups, AMIs and instance profile that instances launch with, and says
// in status conditions exactly what did not resolve.
package nodeclass

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

// statusCacheTTL is how long a resolved status is reused for an unchanged node
// class: subnets, security groups and AMI releases change without the node class
// changing, and a minute bounds both how stale they get and the EC2, SSM and IAM
// calls per node class to about one round a minute.
const statusCacheTTL = time.Minute

// Condition reasons.
const (
	reasonResolved    = "Resolved"
	reasonNotResolved = "NotResolved"
	reasonReady       = "Ready"
	reasonNotReady    = "NotReady"
)

// Resolver resolves EC2NodeClasses. It is safe for concurrent use.
type Resolver struct {
	ec2      sdk.EC2API
	ssm      sdk.SSMAPI
	iam      sdk.IAMAPI
	settings settings.Settings
	clock    clock.PassiveClock

	mu    sync.Mutex
	cache map[string]cacheEntry
}

// cacheEntry is a fully resolved status of one generation of a node class.
type cacheEntry struct {
	generation int64
	resolvedAt time.Time
	status     ec2v1.EC2NodeClassStatus
}

// NewResolver returns a Resolver that calls AWS through the given clients.
func NewResolver(ec2 sdk.EC2API, ssm sdk.SSMAPI, iam sdk.IAMAPI, s settings.Settings, clk clock.PassiveClock) *Resolver {
	return &Resolver{ec2: ec2, ssm: ssm, iam: iam, settings: s.Defaults(), clock: clk, cache: map[string]cacheEntry{}}
}

// Resolve returns the node class's status: what its selectors match now, and one
// condition per part (SubnetsReady, SecurityGroupsReady, AMIsReady,
// InstanceProfileReady) plus Ready when all are true. A part that fails leaves its
// field empty and its condition false with the reason, the other parts still
// resolve, and the error joins the reasons. Only a fully resolved status is cached
// (per node class generation, for statusCacheTTL), so a failure is retried on the
// caller's next attempt.
func (r *Resolver) Resolve(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) (ec2v1.EC2NodeClassStatus, error) {
	if status, ok := r.cached(nodeClass); ok {
		return status, nil
	}
	status := ec2v1.EC2NodeClassStatus{}
	for _, c := range nodeClass.Status.Conditions {
		status.Conditions = append(status.Conditions, *c.DeepCopy())
	}
	var errs []error
	var err error

	status.Subnets, err = r.subnets(ctx, nodeClass.Spec.SubnetSelectorTerms)
	errs = append(errs, r.setCondition(&status, nodeClass, ec2v1.ConditionTypeSubnetsReady, "resolving subnets", err))
	status.SecurityGroups, err = r.securityGroups(ctx, nodeClass.Spec.SecurityGroupSelectorTerms)
	errs = append(errs, r.setCondition(&status, nodeClass, ec2v1.ConditionTypeSecurityGroupsReady, "resolving security groups", err))
	status.AMIs, err = r.amis(ctx, nodeClass)
	errs = append(errs, r.setCondition(&status, nodeClass, ec2v1.ConditionTypeAMIsReady, "resolving AMIs", err))
	status.InstanceProfile, err = r.instanceProfile(ctx, nodeClass)
	errs = append(errs, r.setCondition(&status, nodeClass, ec2v1.ConditionTypeInstanceProfileReady, "resolving instance profile", err))

	r.setReady(&status, nodeClass)
	if err := errors.Join(errs...); err != nil {
		return status, fmt.Errorf("resolving ec2nodeclass %s, %w", nodeClass.Name, err)
	}
	klog.FromContext(ctx).V(1).Info("resolved ec2nodeclass", "ec2nodeclass", klog.KObj(nodeClass),
		"subnets", len(status.Subnets), "securityGroups", len(status.SecurityGroups), "amis", len(status.AMIs),
		"instanceProfile", status.InstanceProfile)
	r.store(nodeClass, status)
	return status, nil
}

// Forget drops the cached status of a node class, e.g. when it is deleted.
func (r *Resolver) Forget(nodeClass *ec2v1.EC2NodeClass) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.cache, cacheKey(nodeClass))
}

func cacheKey(nodeClass *ec2v1.EC2NodeClass) string {
	if nodeClass.UID != "" {
		return string(nodeClass.UID)
	}
	return nodeClass.Name
}

func (r *Resolver) cached(nodeClass *ec2v1.EC2NodeClass) (ec2v1.EC2NodeClassStatus, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.cache[cacheKey(nodeClass)]
	if !ok || e.generation != nodeClass.Generation || r.clock.Since(e.resolvedAt) >= statusCacheTTL {
		return ec2v1.EC2NodeClassStatus{}, false
	}
	return *e.status.DeepCopy(), true
}

func (r *Resolver) store(nodeClass *ec2v1.EC2NodeClass, status ec2v1.EC2NodeClassStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cache[cacheKey(nodeClass)] = cacheEntry{generation: nodeClass.Generation, resolvedAt: r.clock.Now(), status: *status.DeepCopy()}
}

// setCondition records the outcome of one part and returns err wrapped with what
// was being done, or nil.
func (r *Resolver) setCondition(status *ec2v1.EC2NodeClassStatus, nodeClass *ec2v1.EC2NodeClass, condType, doing string, err error) error {
	c := metav1.Condition{
		Type:               condType,
		Status:             metav1.ConditionTrue,
		Reason:             reasonResolved,
		ObservedGeneration: nodeClass.Generation,
		LastTransitionTime: metav1.NewTime(r.clock.Now()),
	}
	if err != nil {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, reasonNotResolved, err.Error()
	}
	meta.SetStatusCondition(&status.Conditions, c)
	if err != nil {
		return fmt.Errorf("%s, %w", doing, err)
	}
	return nil
}

// setReady sets Ready: true when every part resolved, else false with the messages
// of the parts that did not.
func (r *Resolver) setReady(status *ec2v1.EC2NodeClassStatus, nodeClass *ec2v1.EC2NodeClass) {
	var notReady []string
	for _, t := range []string{ec2v1.ConditionTypeSubnetsReady, ec2v1.ConditionTypeSecurityGroupsReady,
		ec2v1.ConditionTypeAMIsReady, ec2v1.ConditionTypeInstanceProfileReady} {
		if c := meta.FindStatusCondition(status.Conditions, t); c == nil || c.Status != metav1.ConditionTrue {
			msg := t + " is False"
			if c != nil {
				msg += ": " + c.Message
			}
			notReady = append(notReady, msg)
		}
	}
	c := metav1.Condition{
		Type:               ec2v1.ConditionTypeReady,
		Status:             metav1.ConditionTrue,
		Reason:             reasonReady,
		ObservedGeneration: nodeClass.Generation,
		LastTransitionTime: metav1.NewTime(r.clock.Now()),
	}
	if len(notReady) > 0 {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, reasonNotReady, strings.Join(notReady, "; ")
	}
	meta.SetStatusCondition(&status.Conditions, c)
}
