package explain

import (
	"bytes"
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/whatif"
	wt "github.com/tailor-sh/tailor/pkg/whatif/whatiftest"
	"github.com/tailor-sh/tailor/plugins"
	"github.com/tailor-sh/tailor/plugins/provisioner"
)

// newSession is a session over a fake API holding objs, judged by the default
// profile with the plugins the scheduler binary registers.
func newSession(t *testing.T, objs ...client.Object) (*session, context.Context) {
	t.Helper()
	cluster, err := whatif.Read(context.Background(), wt.Client(t, objs...))
	if err != nil {
		t.Fatal(err)
	}
	profile, err := whatif.Profile("", corev1.DefaultSchedulerName)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{cluster: cluster, stop: cancel,
		fit: whatif.NewFitForClient(fake.NewClientset(), nil, profile, plugins.Registry(), provisioner.Name)}
	t.Cleanup(s.close)
	return s, ctx
}

// whyOf explains the pod named name in namespace app.
func whyOf(t *testing.T, s *session, ctx context.Context, name string) WhyReport {
	t.Helper()
	pod := s.pod("app", name)
	if pod == nil {
		t.Fatalf("no pod app/%s", name)
	}
	r, err := s.why(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// text is the report as the text output prints it.
func text(t *testing.T, r WhyReport, maxTypes int) string {
	t.Helper()
	var out bytes.Buffer
	if err := r.writeText(&out, maxTypes); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func objects(groups ...[]client.Object) []client.Object {
	var out []client.Object
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
