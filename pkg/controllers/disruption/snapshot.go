package disruption

import (
	"context"
	"slices"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/moves"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// createdMemory is how long a replacement request this process created counts
// as launching while the cache does not show it.
const createdMemory = time.Minute

// snapshot reads the cluster from the cache: NodeClaims with registered
// nodes, their pods and replacements under way, NodePools with what they can
// launch, PDBs, DaemonSets, capacity requests, and whether pods wait (a
// request's pods unbound, or fresh pending pods); pods are listed once.
func (c *Controller) snapshot(ctx context.Context) (Snapshot, error) {
	s := Snapshot{Now: c.clk.Now(), NodePools: map[string]*karpv1.NodePool{}, SpotToSpot: c.spotToSpot}
	var pools karpv1.NodePoolList
	if err := c.kube.List(ctx, &pools); err != nil {
		return s, err
	}
	for i := range pools.Items {
		s.NodePools[pools.Items[i].Name] = &pools.Items[i]
	}
	var pdbs policyv1.PodDisruptionBudgetList
	if err := c.kube.List(ctx, &pdbs); err != nil {
		return s, err
	}
	s.PDBs = pdbs.Items
	byNode, unbound, pending, err := c.listPods(ctx, s.Now)
	if err != nil {
		return s, err
	}
	var list karpv1.NodeClaimList
	if err := c.kube.List(ctx, &list); err != nil {
		return s, err
	}
	var requests tailorv1alpha1.CapacityRequestList
	if err := c.kube.List(ctx, &requests); err != nil {
		return s, err
	}
	awaited := awaitedRequests(requests.Items, unbound)
	s.Pending = pending || len(awaited) > 0
	s.Requests = c.requestStates(requests.Items, list.Items, s.Now)
	replacements := map[string]bool{}
	seen := map[string]bool{}
	for i := range list.Items {
		claim := &list.Items[i]
		if r := replacingOf(claim); r != nil {
			for _, name := range r.Requests {
				replacements[name] = true
			}
		}
		if claim.Status.NodeName == "" {
			continue
		}
		cand, err := c.candidate(ctx, claim, byNode[claim.Status.NodeName], s.Now)
		if err != nil || cand == nil {
			continue
		}
		seen[claim.Name] = true
		s.Candidates = append(s.Candidates, cand)
	}
	// The cache lists in no order; decisions break ties in this one, so the
	// same cluster gives the same commands pass after pass (validation
	// compares them).
	sort.Slice(s.Candidates, func(i, j int) bool { return s.Candidates[i].Claim.Name < s.Candidates[j].Claim.Name })
	for _, cand := range s.Candidates {
		name := claims.Request(cand.Claim)
		cand.Awaited = awaited[name] || replacements[name]
		cand.Expecting = moves.Awaits(cand.Node, cand.Pods, s.Now)
	}
	c.forget(seen)
	c.checkDrift(ctx, s.Candidates, s.Now)
	if c.planner != nil {
		inputs, daemons, err := c.planInputs(ctx, s.NodePools)
		if err != nil {
			return s, err
		}
		s.Plan = c.planFor(ctx, s.Candidates, inputs, daemons)
	}
	return s, nil
}

// listPods lists the pods once: the bound ones by node, the unbound ones, and
// whether one of them is a fresh pending pod.
func (c *Controller) listPods(ctx context.Context, now time.Time) (map[string][]*corev1.Pod, map[types.UID]bool, bool, error) {
	var pods corev1.PodList
	if err := c.kube.List(ctx, &pods); err != nil {
		return nil, nil, false, err
	}
	byNode, unbound, pending := map[string][]*corev1.Pod{}, map[types.UID]bool{}, false
	for i := range pods.Items {
		p := &pods.Items[i]
		switch {
		case p.Spec.NodeName != "":
			byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
		case p.DeletionTimestamp == nil:
			unbound[p.UID] = true
			pending = pending || (p.Status.Phase == corev1.PodPending && now.Sub(p.CreationTimestamp.Time) < freshPending)
		}
	}
	return byNode, unbound, pending, nil
}

// forget drops what is remembered of claims no longer seen.
func (c *Controller) forget(seen map[string]bool) {
	for name := range c.emptySince {
		if !seen[name] {
			delete(c.emptySince, name)
		}
	}
	for name := range c.pods {
		if !seen[name] {
			delete(c.pods, name)
		}
	}
	for name := range c.drift {
		if !seen[name] {
			delete(c.drift, name)
		}
	}
}

// driftCheck is when a claim's instance was last asked about drift, and the
// answer ("": none).
type driftCheck struct {
	at     time.Time
	reason cloudprovider.DriftReason
}

const (
	// driftCheckInterval is how often each instance is asked about drift from
	// its node class (AMI, subnets): an EC2 call per instance.
	driftCheckInterval = 5 * time.Minute
	// maxDriftChecks bounds the instances asked in one pass.
	maxDriftChecks = 20
)

// checkDrift asks the cloud provider about the instances not asked for
// driftCheckInterval, longest ago first and at most maxDriftChecks, and
// gives each candidate the last answer.
func (c *Controller) checkDrift(ctx context.Context, candidates []*Candidate, now time.Time) {
	if c.cloud == nil {
		return
	}
	due := slices.Clone(candidates)
	sort.SliceStable(due, func(i, j int) bool { return c.drift[due[i].Claim.Name].at.Before(c.drift[due[j].Claim.Name].at) })
	asked := 0
	for _, cand := range due {
		if asked == maxDriftChecks || now.Sub(c.drift[cand.Claim.Name].at) < driftCheckInterval {
			break
		}
		asked++
		reason, err := c.cloud.IsDrifted(ctx, cand.Claim)
		if err != nil {
			log.FromContext(ctx).V(1).Info("asking about drift", "nodeclaim", cand.Claim.Name, "error", err.Error())
			continue
		}
		c.drift[cand.Claim.Name] = driftCheck{at: now, reason: reason}
	}
	for _, cand := range candidates {
		cand.CloudDrift = string(c.drift[cand.Claim.Name].reason)
	}
}

// planInputs are the NodePools (with their instance types) that replacements
// may come from, and one pod per DaemonSet for new nodes to make room for. A
// NodePool whose types cannot be read is left out, and said so.
func (c *Controller) planInputs(ctx context.Context, pools map[string]*karpv1.NodePool) ([]planner.NodePoolInput, []*corev1.Pod, error) {
	var inputs []planner.NodePoolInput
	for _, name := range sortedKeys(pools) {
		np := pools[name]
		if np.DeletionTimestamp != nil || c.cloud == nil {
			continue
		}
		types, err := c.cloud.GetInstanceTypes(ctx, np)
		if err != nil {
			log.FromContext(ctx).Info("nodepool left out of replacements", "nodepool", name, "error", err.Error())
			continue
		}
		inputs = append(inputs, planner.NodePoolInput{NodePool: np, InstanceTypes: types})
	}
	var sets appsv1.DaemonSetList
	if err := c.kube.List(ctx, &sets); err != nil {
		return nil, nil, err
	}
	daemons := make([]*corev1.Pod, 0, len(sets.Items))
	for i := range sets.Items {
		daemons = append(daemons, planner.DaemonSetPod(&sets.Items[i]))
	}
	return inputs, daemons, nil
}

func (c *Controller) candidate(ctx context.Context, claim *karpv1.NodeClaim, pods []*corev1.Pod, now time.Time) (*Candidate, error) {
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: claim.Status.NodeName}, node); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	cand := &Candidate{Claim: claim, Node: node, Replacing: replacingOf(claim)}
	workload := false
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		cand.Pods = append(cand.Pods, p)
		workload = workload || IsWorkload(p)
	}
	if workload {
		delete(c.emptySince, claim.Name)
	} else if _, ok := c.emptySince[claim.Name]; !ok {
		c.emptySince[claim.Name] = now
	}
	cand.EmptySince = c.emptySince[claim.Name]
	fingerprint := podFingerprint(cand.Pods)
	if set, ok := c.pods[claim.Name]; !ok || set.fingerprint != fingerprint {
		c.pods[claim.Name] = podSet{fingerprint: fingerprint, since: now}
	}
	cand.StableSince = c.pods[claim.Name].since
	return cand, nil
}

// awaitedRequests are the capacity requests one of whose pods exists and is
// not bound yet (in unbound): their nodes are waited for.
func awaitedRequests(requests []tailorv1alpha1.CapacityRequest, unbound map[types.UID]bool) map[string]bool {
	out := map[string]bool{}
	for _, r := range requests {
		for _, ref := range r.Spec.Pods {
			if unbound[ref.UID] {
				out[r.Name] = true
				break
			}
		}
	}
	return out
}

// requestStates says of each capacity request whether its node is initialized
// or the launcher gave it up; a request removed after its node initialized
// is known by its claim (named after it), and one this process created in the
// last createdMemory is launching while the cache does not show it.
func (c *Controller) requestStates(requests []tailorv1alpha1.CapacityRequest, all []karpv1.NodeClaim, now time.Time) map[string]RequestState {
	out := make(map[string]RequestState, len(requests)+len(all))
	for i := range all {
		if claim := &all[i]; claims.Request(claim) != "" {
			out[claims.Request(claim)] = RequestState{Initialized: claims.IsTrue(claim, karpv1.ConditionTypeInitialized), Node: claim.Status.NodeName}
		}
	}
	for _, r := range requests {
		state := out[r.Name]
		for _, ref := range r.Spec.Pods {
			state.Pods = append(state.Pods, ref.UID)
		}
		if cond := meta.FindStatusCondition(r.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched); cond != nil &&
			cond.Status == metav1.ConditionFalse && cond.Reason == tailorv1alpha1.ReasonLaunchFailed {
			state.Failed = cond.Message
		}
		out[r.Name] = state
	}
	for name, made := range c.created {
		switch _, ok := out[name]; {
		case ok || now.Sub(made) > createdMemory:
			delete(c.created, name)
		default:
			out[name] = RequestState{}
		}
	}
	return out
}
