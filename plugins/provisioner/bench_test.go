package provisioner

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	tailorconfig "github.com/tailor-sh/tailor/pkg/apis/config"
)

// inFlightRequests is the load the issue asks PostFilter to be measured under.
const inFlightRequests = 200

func benchPod(i int) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("pod-%d", i), UID: types.UID(fmt.Sprintf("uid-%d", i))},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
		}}}},
	}
}

// BenchmarkPostFilter measures the work PostFilter does on the scheduling cycle
// per pod, with 200 capacity requests in flight holding 10 pods each: half the
// calls are for pods that wait for one of them, half for new pods that join the
// batch. It reports p50 and p99 of the per-call latency.
func BenchmarkPostFilter(b *testing.B) {
	p := &Provisioner{
		window: newWindow(&tailorconfig.ProvisionerArgs{
			BatchIdleDuration: metav1.Duration{Duration: time.Second}, BatchMaxDuration: metav1.Duration{Duration: 10 * time.Second},
			MaxPodsPerBatch: 1 << 30, MaxNewNodesPerBatch: 500,
		}),
		flight: newFlight(),
		now:    time.Now,
	}
	waiting := make([]*corev1.Pod, 0, inFlightRequests*10)
	for r := range inFlightRequests {
		var pods []*corev1.Pod
		for i := range 10 {
			pods = append(pods, benchPod(r*10+i))
		}
		p.flight.assign(fmt.Sprintf("request-%d", r), pods)
		waiting = append(waiting, pods...)
	}
	latencies := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		pod := waiting[i%len(waiting)]
		if i%2 == 1 {
			pod = benchPod(inFlightRequests*10 + i)
		}
		start := time.Now()
		_, status := p.PostFilter(ctx, nil, pod, nil)
		latencies = append(latencies, time.Since(start))
		if status.IsSuccess() {
			b.Fatal("PostFilter must leave the pod unschedulable")
		}
	}
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Nanoseconds()), "p99-ns")
}
