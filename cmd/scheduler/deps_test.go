package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The scheduler plans from the generated catalog: it carries neither the EC2
// simulator nor the AWS SDK (the launcher does).
func TestSchedulerCarriesNeitherSimulatorNorSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/tailor-sh/tailor/pkg/ec2sim") || strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2") {
			t.Errorf("cmd/scheduler depends on %s", dep)
		}
	}
}
