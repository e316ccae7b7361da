// Command demo drives `make demo` on a running local stack (hack/cluster.sh): it
// applies hack/samples/demo.yaml, scales its Deployments from 0 to the replicas
// each names in tailor.sh/demo-replicas (200 in all), prints progress while pods
// go from Pending to Running (pending pods, NodeClaims, hourly cost), then the
// NodeClaims and the time it took. Then it scales them down to
// tailor.sh/demo-scale-down (60 in all) and follows consolidation bringing the
// hourly cost down until it settles, and prints the cost before and after and
// that of a fresh plan of the remaining pods.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/duration"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

const (
	replicasAnnotation  = "tailor.sh/demo-replicas"
	scaleDownAnnotation = "tailor.sh/demo-scale-down"
	// settled is how long the cost must hold for consolidation to count as
	// done: longer than a first decision takes (consolidateAfter 10 s, 15 s of
	// validation, passes every 10 s, pods still terminating).
	settled = 90 * time.Second
)

func main() {
	kubeconfig := flag.String("kubeconfig", "out/kubeconfig", "kubeconfig of the cluster")
	manifests := flag.String("f", "hack/samples/demo.yaml", "NodePool and Deployments to apply")
	timeout := flag.Duration("timeout", 20*time.Minute, "give up when the demo has not finished by then")
	flag.Parse()
	if err := run(*kubeconfig, *manifests, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, manifests string, timeout time.Duration) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 100
	c, err := client.New(cfg, client.Options{Scheme: apis.NewScheme()})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	objs, err := read(manifests)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := c.Patch(ctx, o, client.Apply, client.FieldOwner("tailor-demo"), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying %s %s, %w", o.GetKind(), o.GetName(), err)
		}
		fmt.Printf("applied %s/%s\n", o.GetKind(), o.GetName())
	}
	start := time.Now()
	want, err := scale(ctx, c, objs, replicasAnnotation)
	if err != nil {
		return err
	}
	fmt.Printf("\nscaled the Deployments from 0 to %d replicas\n", want)
	if err := follow(ctx, c, want, start); err != nil {
		return err
	}
	fmt.Printf("\nall %d pods Running %s after the scale-up\n\n", want, time.Since(start).Round(100*time.Millisecond))
	if err := table(ctx, c, os.Stdout); err != nil {
		return err
	}
	return scaleDown(ctx, c, objs)
}

func read(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		o := &unstructured.Unstructured{}
		if err := dec.Decode(&o.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("reading %s, %w", path, err)
		}
		if len(o.Object) > 0 {
			out = append(out, o)
		}
	}
}

// scale sets each Deployment's replicas to the number in its annotation.
func scale(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, annotation string) (int, error) {
	total := 0
	for _, o := range objs {
		n, err := strconv.Atoi(o.GetAnnotations()[annotation])
		if o.GetKind() != "Deployment" || err != nil {
			continue
		}
		d := &appsv1.Deployment{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), d); err != nil {
			return 0, err
		}
		patch := client.MergeFrom(d.DeepCopy())
		replicas := int32(n)
		d.Spec.Replicas = &replicas
		if err := c.Patch(ctx, d, patch); err != nil {
			return 0, fmt.Errorf("scaling deployment %s, %w", d.Name, err)
		}
		total += n
	}
	return total, nil
}

// follow prints progress every 2 s until want pods of namespace demo run.
func follow(ctx context.Context, c client.Client, want int, start time.Time) error {
	fmt.Printf("%-7s %-8s %-8s %-10s %-9s %s\n", "TIME", "PENDING", "RUNNING", "NODECLAIMS", "READY", "COST")
	for {
		var pods corev1.PodList
		var claims karpv1.NodeClaimList
		if err := c.List(ctx, &pods, client.InNamespace("demo")); err != nil {
			return err
		}
		if err := c.List(ctx, &claims); err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		ready, cost := 0, 0.0
		for i := range claims.Items {
			if meta.IsStatusConditionTrue(claims.Items[i].Status.Conditions, karpv1.ConditionTypeReady) {
				ready++
			}
			cost += price(&claims.Items[i])
		}
		fmt.Printf("%-7s %-8d %-8d %-10d %-9d $%.3f/h\n", time.Since(start).Round(time.Second), len(pods.Items)-running, running, len(claims.Items), ready, cost)
		if running >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d pods Running when the demo gave up: %w", running, want, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

func price(claim *karpv1.NodeClaim) float64 {
	p, _ := strconv.ParseFloat(claim.Annotations[tailorv1alpha1.PricePerHourAnnotationKey], 64)
	return p
}

// table prints the NodeClaims as `kubectl get nodeclaims` does, with prices and
// pod counts, then the totals.
func table(ctx context.Context, c client.Client, out io.Writer) error {
	var claims karpv1.NodeClaimList
	var pods corev1.PodList
	if err := c.List(ctx, &claims); err != nil {
		return err
	}
	if err := c.List(ctx, &pods, client.InNamespace("demo")); err != nil {
		return err
	}
	podsOn := map[string]int{}
	for _, p := range pods.Items {
		podsOn[p.Spec.NodeName]++
	}
	sort.Slice(claims.Items, func(i, j int) bool { return claims.Items[i].Name < claims.Items[j].Name })
	w := tabwriter.NewWriter(out, 0, 0, 3, ' ', 0)
	fmt.Fprintln(w, "NAME\tTYPE\tCAPACITY\tZONE\tNODE\tREADY\tPODS\tPRICE\tAGE")
	total := 0.0
	for i := range claims.Items {
		cl := &claims.Items[i]
		ready := "Unknown"
		if cond := meta.FindStatusCondition(cl.Status.Conditions, karpv1.ConditionTypeReady); cond != nil {
			ready = string(cond.Status)
		}
		total += price(cl)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t$%.4f\t%s\n", cl.Name, cl.Labels[corev1.LabelInstanceTypeStable],
			cl.Labels[wellknown.CapacityTypeLabelKey], cl.Labels[corev1.LabelTopologyZone], cl.Status.NodeName, ready,
			podsOn[cl.Status.NodeName], price(cl), duration.HumanDuration(time.Since(cl.CreationTimestamp.Time)))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%d nodes for %d pods, $%.3f/h\n", len(claims.Items), len(pods.Items), total)
	return nil
}
