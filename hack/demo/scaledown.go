package main

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/whatif"
)

// scaleDown scales the Deployments to their demo-scale-down replicas, follows
// consolidation until the nodes and the cost have held for settled, and
// prints the cost before and after and that of a fresh plan of what is left.
func scaleDown(ctx context.Context, c client.Client, objs []*unstructured.Unstructured) error {
	before, nodesBefore, err := clusterCost(ctx, c)
	if err != nil {
		return err
	}
	want, err := scale(ctx, c, objs, scaleDownAnnotation)
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Printf("\nscaled the Deployments down to %d replicas; consolidation removes and replaces nodes (consolidateAfter 10s, 15s validation)\n", want)
	if err := followConsolidation(ctx, c, want, start); err != nil {
		return err
	}
	after, nodesAfter, err := clusterCost(ctx, c)
	if err != nil {
		return err
	}
	fmt.Println()
	if err := table(ctx, c, os.Stdout); err != nil {
		return err
	}
	in, err := whatif.FreshInput(ctx, c, "demo")
	if err != nil {
		return err
	}
	p, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		return err
	}
	plan, err := p.Plan(ctx, in)
	if err != nil {
		return err
	}
	fresh := whatif.Cost(plan)
	fmt.Printf("\nbefore the scale-down: %d nodes, $%.3f/h\n", nodesBefore, before)
	fmt.Printf("after consolidation:   %d nodes, $%.3f/h (settled %s after the scale-down)\n", nodesAfter, after, (time.Since(start) - settled).Round(time.Second))
	fmt.Printf("a fresh plan of the %d pods: %d nodes, $%.3f/h (consolidated cost is %.2fx of it)\n", len(in.Pods), len(plan.NewNodes), fresh, after/fresh)
	return nil
}

// followConsolidation looks every 3 s and prints what changed (or, at least,
// every 30 s) until want pods run and the nodes and cost have not changed
// for settled.
func followConsolidation(ctx context.Context, c client.Client, want int, start time.Time) error {
	fmt.Printf("%-7s %-8s %-10s %-11s %s\n", "TIME", "RUNNING", "NODECLAIMS", "DISRUPTING", "COST")
	var last string
	since, printed := time.Now(), time.Time{}
	for {
		var pods corev1.PodList
		var claims karpv1.NodeClaimList
		if err := c.List(ctx, &pods, client.InNamespace("demo")); err != nil {
			return err
		}
		if err := c.List(ctx, &claims); err != nil {
			return err
		}
		running, disrupting, cost := 0, 0, 0.0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				running++
			}
		}
		for i := range claims.Items {
			cl := &claims.Items[i]
			if cl.DeletionTimestamp != nil || cl.Annotations[tailorv1alpha1.DisruptionReasonAnnotationKey] != "" {
				disrupting++
			}
			cost += price(cl)
		}
		state := fmt.Sprintf("%d %d %d %.4f", running, len(claims.Items), disrupting, cost)
		if state != last || time.Since(printed) >= 30*time.Second {
			fmt.Printf("%-7s %-8d %-10d %-11d $%.3f/h\n", time.Since(start).Round(time.Second), running, len(claims.Items), disrupting, cost)
			printed = time.Now()
		}
		if state != last {
			last, since = state, time.Now()
		}
		if running == want && disrupting == 0 && time.Since(since) >= settled {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("consolidation had not settled when the demo gave up: %w", ctx.Err())
		case <-time.After(3 * time.Second):
		}
	}
}

// clusterCost is what the NodeClaims cost per hour, and how many there are.
func clusterCost(ctx context.Context, c client.Client) (float64, int, error) {
	var claims karpv1.NodeClaimList
	if err := c.List(ctx, &claims); err != nil {
		return 0, 0, err
	}
	total := 0.0
	for i := range claims.Items {
		total += price(&claims.Items[i])
	}
	return total, len(claims.Items), nil
}
