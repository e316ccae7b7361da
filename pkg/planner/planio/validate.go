package planio

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/tailor-sh/tailor/pkg/planner"
)

// maxProblems caps the problems Validate lists; the count of the rest follows.
const maxProblems = 20

// Validate checks a plan for pods the way the benchmarks judge it: every pod is
// placed exactly once (on a new node or an in-flight one) or listed as unplaced,
// no other pod is placed, and every new node's chosen instance type (Cheapest)
// has the allocatable cpu, memory and pod slots its pods and DaemonSet pods
// request. It does not re-check scheduling constraints: the scheduler's Filter
// plugins judged those. The error lists the problems found.
func Validate(plan planner.Plan, pods []*corev1.Pod) error {
	var problems []string
	problems = append(problems, checkPlacement(plan, pods)...)
	for _, node := range plan.NewNodes {
		if p := checkNode(node); p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > maxProblems {
		problems = append(problems[:maxProblems], fmt.Sprintf("and %d more problems", len(problems)-maxProblems))
	}
	return errors.New("validating plan, " + strings.Join(problems, "; "))
}

// checkPlacement finds pods placed twice, not at all, or not asked for.
func checkPlacement(plan planner.Plan, pods []*corev1.Pod) []string {
	wanted := make(map[string]bool, len(pods))
	for _, p := range pods {
		wanted[podName(p)] = true
	}
	placedOn := map[string]string{}
	var problems []string
	place := func(p *corev1.Pod, where string) {
		name := podName(p)
		switch first, ok := placedOn[name]; {
		case !wanted[name]:
			problems = append(problems, fmt.Sprintf("pod %s is %s but is not one of the pods to plan", name, where))
		case ok:
			problems = append(problems, fmt.Sprintf("pod %s is %s and also %s", name, first, where))
		default:
			placedOn[name] = where
		}
	}
	for _, node := range plan.NewNodes {
		for _, p := range node.Pods {
			place(p, "on new node "+node.Name)
		}
	}
	for name, list := range plan.InFlight {
		for _, p := range list {
			place(p, "on in-flight node "+name)
		}
	}
	for _, u := range plan.Unplaced {
		place(u.Pod, "listed unplaced")
	}
	for _, p := range pods {
		if _, ok := placedOn[podName(p)]; !ok {
			problems = append(problems, fmt.Sprintf("pod %s is neither placed nor listed unplaced", podName(p)))
		}
	}
	return problems
}

// checkNode says what is wrong with a new node's chosen type, or "".
func checkNode(node *planner.Node) string {
	it, _, ok := Cheapest(node)
	if !ok {
		return fmt.Sprintf("node %s has no instance type with an available offering its requirements allow", node.Name)
	}
	requested := corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(int64(len(node.Pods)+len(node.DaemonSetPods)), resource.DecimalSI)}
	for _, list := range [][]*corev1.Pod{node.Pods, node.DaemonSetPods} {
		for _, p := range list {
			podRequests := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
			for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				sum := requested[name]
				sum.Add(podRequests[name])
				requested[name] = sum
			}
		}
	}
	allocatable := it.Allocatable()
	var over []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods} {
		want, have := requested[name], allocatable[name]
		if want.Cmp(have) > 0 {
			over = append(over, fmt.Sprintf("%s %s > allocatable %s", name, want.String(), have.String()))
		}
	}
	if len(over) == 0 {
		return ""
	}
	return fmt.Sprintf("node %s (%s) is overfull: its %d pods and %d DaemonSet pods request %s",
		node.Name, it.Name, len(node.Pods), len(node.DaemonSetPods), strings.Join(over, ", "))
}
