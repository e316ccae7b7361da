package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// BenchmarkThousandPods measures 1,000 pending pods (the demo's mix, five times
// over) becoming Running on the local stack with no simulated boot delay, with the
// launcher binary as its own process (simulated mode) so that its peak memory
// (VmHWM) can be read. Run: go test ./test/integration/e2e -run XXX -bench ThousandPods -benchtime 1x
func BenchmarkThousandPods(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "launcher")
	build := exec.Command("go", "build", "-o", bin, "./cmd/launcher")
	build.Dir = harness.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building the launcher: %v\n%s", err, out)
	}
	for i := 0; i < b.N; i++ {
		seconds, peakMB := thousandPods(b, bin, i)
		b.ReportMetric(seconds, "s-to-running")
		b.ReportMetric(peakMB, "launcher-peak-MB")
	}
}

func thousandPods(b *testing.B, bin string, run int) (seconds, peakMB float64) {
	ctx := context.Background()
	logPath := filepath.Join(logDir, fmt.Sprintf("bench-launcher-%d.log", run))
	launcher, err := harness.StartProcess("launcher", bin, []string{
		"--kubeconfig=" + kubeconfig, "--cloud=simulated", "--cluster-name=" + clusterName,
		"--metrics-bind-address=0", "--health-probe-bind-address=0", "--leader-elect=false",
	}, nil, logPath)
	if err != nil {
		b.Fatal(err)
	}
	defer launcher.Stop()
	env.ExpectApplied(b, nodeClass(), nodePool("default"))
	ns := fmt.Sprintf("bench-%d", run)
	env.ExpectApplied(b, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"e2e": "true"}}})
	harness.Eventually(b, 2*time.Minute, "the launcher to publish the catalog", func() error {
		var np karpv1.NodePool
		return env.Client.Get(ctx, client.ObjectKey{Name: "default"}, &np)
	})
	start := time.Now()
	env.ExpectApplied(b,
		deployment(ns, "web", 300, "500m", "1Gi", zoneSpread("web", 1)),
		deployment(ns, "cache", 30, "2", "4Gi", hostAntiAffinity("cache")),
		deployment(ns, "arm", 250, "250m", "512Mi", nodeSelector(corev1.LabelArchStable, "arm64")),
		deployment(ns, "batch", 220, "1", "1Gi", nodeSelector(wellknown.CapacityTypeLabelKey, "spot")),
		deployment(ns, "plain", 200, "100m", "256Mi", nil),
	)
	harness.Eventually(b, 10*time.Minute, "1000 pods Running", func() error {
		var pods corev1.PodList
		if err := env.Client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running < 1000 {
			return fmt.Errorf("%d of 1000 running", running)
		}
		return nil
	})
	seconds = time.Since(start).Seconds()
	peakMB = vmHWM(b, launcher.Pid())
	var claims karpv1.NodeClaimList
	_ = env.Client.List(ctx, &claims)
	b.Logf("1000 pods Running in %.1fs on %d nodes; launcher peak RSS %.0f MB", seconds, len(claims.Items), peakMB)
	// Tear down while the launcher runs, so that it terminates what it launched.
	_ = env.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	_ = env.Client.Delete(ctx, nodePool("default"))
	harness.Eventually(b, 3*time.Minute, "every nodeclaim to be terminated", func() error {
		if err := env.Client.List(ctx, &claims); err != nil {
			return err
		}
		for i := range claims.Items {
			_ = env.Client.Delete(ctx, &claims.Items[i])
		}
		if len(claims.Items) > 0 {
			return fmt.Errorf("%d left", len(claims.Items))
		}
		return nil
	})
	return seconds, peakMB
}

// vmHWM is a process's peak resident set size in MB.
func vmHWM(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
