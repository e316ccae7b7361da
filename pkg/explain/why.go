package explain

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
)

// WhyOptions name the pod and say how to print.
type WhyOptions struct {
	Namespace, Pod string
	// SchedulerConfig is the scheduler's KubeSchedulerConfiguration file; ""
	// for kube-scheduler's default plugins. The pod's schedulerName names the
	// profile.
	SchedulerConfig string
	// Output is text, json or yaml.
	Output string
	// MaxTypes caps the cheaper instance types the text lists (0: all).
	MaxTypes int
}

// WhyReport says why a pod runs where it runs, or why it waits.
type WhyReport struct {
	Pod           string `json:"pod"`
	SchedulerName string `json:"schedulerName"`
	Node          string `json:"node,omitempty"`
	// Launch is how the pod's node was launched, when a capacity request did.
	Launch *Launch `json:"launch,omitempty"`
	// NotProvisioned says why the pod's node is not one the Provisioner asked for.
	NotProvisioned string `json:"notProvisioned,omitempty"`
	// Waiting is the capacity request a pending pod was planned onto.
	Waiting *Waiting `json:"waitingFor,omitempty"`
	// NodePools say, for a pending pod no request in flight holds, what each
	// NodePool makes of it, in the order the planner tries them.
	NodePools []NodePoolVerdict `json:"nodePools,omitempty"`
	// Judged says what the verdicts were judged against.
	Judged string `json:"judged,omitempty"`
}

// RunWhy prints why the pod named in o runs where it runs or waits, reading
// the cluster through cfg and writing nothing to it.
func RunWhy(ctx context.Context, cfg *rest.Config, o WhyOptions, out io.Writer) error {
	if err := checkFormat(o.Output, "text", "json", "yaml"); err != nil {
		return err
	}
	s, ctx, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.close()
	pod := s.pod(o.Namespace, o.Pod)
	if pod == nil {
		return fmt.Errorf("pod %s/%s not found (or being deleted)", o.Namespace, o.Pod)
	}
	if err := s.judgeWith(o.SchedulerConfig, pod.Spec.SchedulerName); err != nil {
		return err
	}
	report, err := s.why(ctx, pod)
	if err != nil {
		return err
	}
	return write(out, o.Output, report, func(w io.Writer) error { return report.writeText(w, o.MaxTypes) })
}

func (s *session) pod(namespace, name string) *corev1.Pod {
	for _, p := range s.cluster.Pods {
		if p.Namespace == namespace && p.Name == name {
			return p
		}
	}
	return nil
}

// why explains a bound pod by its node's launch, a pending one by the request
// it waits for or by what each NodePool makes of it.
func (s *session) why(ctx context.Context, pod *corev1.Pod) (WhyReport, error) {
	r := WhyReport{Pod: podName(pod), SchedulerName: pod.Spec.SchedulerName, Node: pod.Spec.NodeName}
	if pod.Spec.NodeName != "" {
		return r, s.explainBound(ctx, pod, &r)
	}
	return r, s.explainPending(ctx, pod, &r)
}

// judged describes what verdicts are reached against.
func (s *session) judged(with string) string {
	return fmt.Sprintf("judged now by the PreFilter and Filter plugins of scheduler profile %s, against the current instance type catalog%s",
		s.fit.Profile().SchedulerName, with)
}
