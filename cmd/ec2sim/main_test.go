package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunPrintsTheEnvironmentAndStops(t *testing.T) {
	cfg, err := parseFlags([]string{"--addr", "127.0.0.1:0", "--region", "eu-central-1", "--throttle-rate", "0.5"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export AWS_ENDPOINT_URL=http://127.0.0.1:", "export AWS_REGION=eu-central-1", "AWS_ACCESS_KEY_ID=", "stopping"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseFlagsRejectsBadThrottleRate(t *testing.T) {
	if _, err := parseFlags([]string{"--throttle-rate", "2"}); err == nil {
		t.Fatal("want an error")
	}
}
