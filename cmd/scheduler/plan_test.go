package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

func runPlanCommand(t *testing.T, args ...string) (planio.Result, error) {
	t.Helper()
	cmd := newPlanCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		return planio.Result{}, err
	}
	var result planio.Result
	if err := json.Unmarshal(out.Bytes(), &result); err != nil {
		t.Fatalf("plan printed no JSON result: %v\n%s", err, out.String())
	}
	return result, nil
}

func TestPlanTheSampleWorkload(t *testing.T) {
	result, err := runPlanCommand(t, "--pods", filepath.Join("..", "..", "hack", "samples", "workload.yaml"))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	pods, zones := 0, map[string]bool{}
	for _, n := range result.Nodes {
		pods += len(n.Pods)
		zones[n.Zone] = true
		if n.InstanceType == "" || n.PricePerHour <= 0 {
			t.Errorf("node without a priced instance type: %+v", n)
		}
	}
	if pods != 24 || len(result.Unplaced) != 0 || result.NodeCount != len(result.Nodes) {
		t.Errorf("placed %d of 24 pods on %d nodes, unplaced %v", pods, result.NodeCount, result.Unplaced)
	}
	if len(zones) != 3 {
		t.Errorf("nodes in zones %v, want all three (the web tier spreads over zones)", zones)
	}
	if result.PlanningSeconds <= 0 {
		t.Errorf("planningSeconds = %v, want the measured planning time", result.PlanningSeconds)
	}
}

func TestPlanRefusesAMissingPodsFile(t *testing.T) {
	_, err := runPlanCommand(t, "--pods", "does-not-exist.yaml")
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Errorf("plan with a missing file = %v, want an error naming it", err)
	}
}
