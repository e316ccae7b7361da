package explain

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	wt "github.com/tailor-sh/tailor/pkg/whatif/whatiftest"
)

// The plan holds what the Provisioner would do: a new node of the cheapest
// type for a pending pod, named as its request would be; a pod a request in
// flight lists waits for it; an added pod goes to the room an existing node
// has left; a pod nothing holds is unplaced, with why (a NodePool without a
// catalog included).
func TestPlan(t *testing.T) {
	types, np, orphan := wt.Types(), wt.NodePool("default"), wt.NodePool("orphan")
	orphan.Spec.Template.Spec.NodeClassRef.Name = "gone"
	busy, waits := wt.On(wt.Pod("app", "busy", "1", "1Gi"), "node-r"), wt.Pod("app", "waits", "1", "1Gi")
	s, ctx := newSession(t, objects(wt.Catalog(types), wt.Launched(np, "r", types[1], "test-1a", busy),
		[]client.Object{np, orphan, wt.Class(), busy, waits, wt.Pod("app", "pending", "3", "1Gi"), wt.Request(np, "inflight", types[1], waits)})...)

	added := []*corev1.Pod{wt.Pod("app", "small", "500m", "1Gi"), wt.Pod("app", "huge", "100", "1Gi")}
	r, err := s.plan(ctx, s.cluster.Pending("app", corev1.DefaultSchedulerName), added)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Nodes) != 1 || r.Nodes[0].InstanceType != "a.large" || r.Nodes[0].PricePerHour != 0.03 || strings.Join(r.Nodes[0].Pods, ",") != "app/pending" ||
		!strings.HasPrefix(r.Nodes[0].CapacityRequest, "default-") || r.TotalPricePerHour != 0.03 {
		t.Errorf("new nodes %+v, total %g", r.Nodes, r.TotalPricePerHour)
	}
	if len(r.InFlight) != 1 || r.InFlight[0].Name != "inflight" || r.InFlight[0].Pods[0] != "app/waits" {
		t.Errorf("in flight %+v", r.InFlight)
	}
	if len(r.Existing) != 1 || r.Existing[0].Name != "node-r" || r.Existing[0].Pods[0] != "app/small" {
		t.Errorf("existing %+v", r.Existing)
	}
	if len(r.Unplaced) != 1 || r.Unplaced[0].Pod != "app/huge" || !strings.Contains(r.Unplaced[0].Reason, "EC2NodeClass gone does not exist") {
		t.Errorf("unplaced %+v", r.Unplaced)
	}

	r.SchedulerName = corev1.DefaultSchedulerName
	var table bytes.Buffer
	if err := write(&table, "table", r, r.writeTable); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"default   a.large", "$0.0300", "1 (app/pending)", "1 new node for the default-scheduler profile, $0.0300/h; nothing was launched",
		"capacity request inflight, in flight, takes 1 pod (app/waits)", "existing node node-r takes 1 pod (app/small)", "1 pod cannot be placed:\n  app/huge: "} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	for format, decode := range map[string]func([]byte, any) error{"json": json.Unmarshal, "yaml": func(b []byte, v any) error { return yaml.Unmarshal(b, v) }} {
		var out bytes.Buffer
		var back PlanReport
		if err := write(&out, format, r, nil); err != nil {
			t.Fatal(err)
		}
		if err := decode(out.Bytes(), &back); err != nil || back.Nodes[0].CapacityRequest != r.Nodes[0].CapacityRequest {
			t.Errorf("%s: %v, %+v", format, err, back)
		}
	}
}

func TestFormatsRefused(t *testing.T) {
	if err := checkFormat("wide", "table", "json", "yaml"); err == nil || !strings.Contains(err.Error(), "table, json, yaml") {
		t.Errorf("got %v", err)
	}
}
