package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
)

// planResult is what `scheduler plan` prints, as far as the comparison needs it.
type planResult struct {
	NodeCount         int               `json:"nodeCount"`
	TotalPricePerHour float64           `json:"totalPricePerHour"`
	Unplaced          []json.RawMessage `json:"unplaced"`
	PlanningSeconds   float64           `json:"planningSeconds"`
}

// runOurs plans with the project's scheduler binary on the same files.
func runOurs(f flags, pods int) (side, error) {
	args := []string{"plan", "--pods", filepath.Join(f.in, "pods.json"), "--nodepools", f.nodePools,
		"--catalog", filepath.Join(f.in, "catalog.json"), "--zones", f.zones, "--spot-price-factor", fmt.Sprint(f.spotPriceFactor)}
	cmd := exec.Command(f.scheduler, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return side{}, fmt.Errorf("%s %v: %w: %s", f.scheduler, args, err, stderr.String())
	}
	var r planResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return side{}, fmt.Errorf("parsing the plan, %w", err)
	}
	return side{Nodes: r.NodeCount, PricePerHour: r.TotalPricePerHour, Unplaced: len(r.Unplaced),
		Seconds: r.PlanningSeconds, PodsPerSecond: float64(pods) / r.PlanningSeconds}, nil
}
