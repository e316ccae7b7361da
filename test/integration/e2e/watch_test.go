package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
)

// watcher records, every 500 ms while a disruption test runs, every claim
// seen (its last version, when it was first seen being deleted, and last
// seen not being deleted), the
// fewest Running pods of each app of ns, and nodes tainted
// karpenter.sh/disrupted whose claim is neither being deleted nor replaced.
type watcher struct {
	s    *stack
	ns   string
	stop chan struct{}
	done chan struct{}

	mu         sync.Mutex
	seen       map[string]*karpv1.NodeClaim
	deletedAt  map[string]time.Time
	aliveAt    map[string]time.Time
	fewest     map[string]int
	suspects   map[string]bool // nodes tainted and kept at the last poll
	violations []string
	// requested holds the pods each capacity request seen was for.
	requested map[string][]tailorv1alpha1.PodReference
}

func (s *stack) watch(ns string) *watcher {
	w := &watcher{s: s, ns: ns, stop: make(chan struct{}), done: make(chan struct{}),
		seen: map[string]*karpv1.NodeClaim{}, requested: map[string][]tailorv1alpha1.PodReference{}, deletedAt: map[string]time.Time{}, aliveAt: map[string]time.Time{}, fewest: map[string]int{}}
	go func() {
		defer close(w.done)
		for {
			w.poll()
			select {
			case <-w.stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *watcher) end() {
	close(w.stop)
	<-w.done
}

func (w *watcher) poll() {
	ctx := context.Background()
	var list karpv1.NodeClaimList
	var nodes corev1.NodeList
	var pods corev1.PodList
	var requests tailorv1alpha1.CapacityRequestList
	if w.s.kube.List(ctx, &list) != nil || w.s.kube.List(ctx, &nodes) != nil || w.s.kube.List(ctx, &pods, client.InNamespace(w.ns)) != nil ||
		w.s.kube.List(ctx, &requests) != nil {
		return
	}
	polled := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range requests.Items {
		w.requested[r.Name] = r.Spec.Pods
	}
	byNode := map[string]*karpv1.NodeClaim{}
	for i := range list.Items {
		claim := &list.Items[i]
		w.seen[claim.Name] = claim
		byNode[claim.Status.NodeName] = claim
		if claim.DeletionTimestamp != nil && w.deletedAt[claim.Name].IsZero() {
			w.deletedAt[claim.Name] = claim.DeletionTimestamp.Time
		}
		if claim.DeletionTimestamp == nil {
			w.aliveAt[claim.Name] = polled
		}
	}
	// Claims and nodes are listed one after the other, so a claim deleted (or
	// a replacement rolled back) in between looks kept for one poll: only a
	// node seen so in two polls in a row counts.
	suspects := map[string]bool{}
	for _, node := range nodes.Items {
		claim := byNode[node.Name]
		tainted := slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Key == wellknown.DisruptedTaintKey })
		if !tainted || claim == nil || claim.DeletionTimestamp != nil || claim.Annotations[tailorv1alpha1.DisruptionReasonAnnotationKey] != "" {
			continue
		}
		suspects[node.Name] = true
		if w.suspects[node.Name] {
			w.violations = append(w.violations, fmt.Sprintf("%s node %s tainted, its nodeclaim %s neither deleting nor being replaced", time.Now().Format("15:04:05"), node.Name, claim.Name))
		}
	}
	w.suspects = suspects
	running := map[string]int{}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			running[p.Labels["app"]]++
		}
	}
	for app, n := range running {
		if old, ok := w.fewest[app]; !ok || n < old {
			w.fewest[app] = n
		}
	}
}

// resetFewest starts counting the fewest Running pods again (after a scale).
func (w *watcher) resetFewest() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fewest = map[string]int{}
}

// replacedBy maps each replacement request to the claims that named it.
func (w *watcher) replacedBy() map[string][]*karpv1.NodeClaim {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]*karpv1.NodeClaim{}
	for _, claim := range w.seen {
		for _, name := range strings.Split(claim.Annotations[tailorv1alpha1.DisruptionReplacementsAnnotationKey], ",") {
			if name != "" {
				out[name] = append(out[name], claim)
			}
		}
	}
	return out
}

// expectReplacedBeforeDrained checks each claim that named replacements was
// deleted only once every one of them was initialized, and returns how many
// such claims were deleted.
func (w *watcher) expectReplacedBeforeDrained() int {
	w.s.t.Helper()
	byRequest := map[string]*karpv1.NodeClaim{}
	w.mu.Lock()
	for _, claim := range w.seen {
		if r := claims.Request(claim); r != "" {
			byRequest[r] = claim
		}
	}
	w.mu.Unlock()
	checked := map[string]bool{}
	for request, olds := range w.replacedBy() {
		next := byRequest[request]
		for _, old := range olds {
			// Deleted after it was last seen alive; when the drain was quicker
			// than a poll, that is all that is known.
			deleted := w.deletedAt[old.Name]
			if deleted.IsZero() {
				deleted = w.aliveAt[old.Name]
			}
			if _, still := w.s.snapshot().claims[old.Name]; still && w.deletedAt[old.Name].IsZero() {
				continue
			}
			checked[old.Name] = true
			var initialized time.Time
			if next != nil {
				for _, c := range next.Status.Conditions {
					if c.Type == karpv1.ConditionTypeInitialized && c.Status == "True" {
						initialized = c.LastTransitionTime.Time
					}
				}
			}
			if initialized.IsZero() || initialized.After(deleted) {
				w.s.t.Errorf("nodeclaim %s was deleted at %s, before its replacement %s initialized (%v)", old.Name, deleted.Format(time.RFC3339), request, initialized)
			}
		}
	}
	return len(checked)
}

// expectNoTaintedKept fails on the violations seen, and on any node still
// tainted karpenter.sh/disrupted at the end.
func (w *watcher) expectNoTaintedKept() {
	w.s.t.Helper()
	w.mu.Lock()
	for _, v := range w.violations {
		w.s.t.Error(v)
	}
	w.mu.Unlock()
	for _, node := range w.s.snapshot().nodes {
		for _, t := range node.Spec.Taints {
			if t.Key == wellknown.DisruptedTaintKey {
				w.s.t.Errorf("node %s is still tainted %s at the end", node.Name, t.Key)
			}
		}
	}
}
