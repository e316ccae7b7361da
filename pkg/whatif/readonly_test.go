package whatif_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tailor-sh/tailor/pkg/whatif"
)

// Through a ReadOnly config reads reach the API server and writes never do.
func TestReadOnlyRefusesWritesBeforeTheyLeave(t *testing.T) {
	var writes atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writes.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"PodList","apiVersion":"v1","items":[]}`))
	}))
	defer server.Close()
	client := kubernetes.NewForConfigOrDie(whatif.ReadOnly(&rest.Config{Host: server.URL}))
	ctx := context.Background()

	if _, err := client.CoreV1().Pods("app").List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("listing pods: %v", err)
	}
	_, err := client.CoreV1().Pods("app").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "only reads") {
		t.Errorf("creating a pod: %v, want it refused", err)
	}
	if err := client.CoreV1().Pods("app").Delete(ctx, "p", metav1.DeleteOptions{}); err == nil {
		t.Error("deleting a pod went through")
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("%d writes reached the server", n)
	}
}
