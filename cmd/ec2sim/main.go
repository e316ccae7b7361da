// Command ec2sim runs the AWS simulator of package ec2sim on a fixed address, for
// demos and for running the provider against it by hand: EC2, IAM, SSM, Pricing
// and SQS on one endpoint. It prints the environment that points AWS SDKs at it
// and runs until interrupted (SIGINT or SIGTERM).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tailor-sh/tailor/pkg/ec2sim"
)

// config is what the flags set.
type config struct {
	addr     string
	opts     ec2sim.Options
	throttle float64
	latency  time.Duration
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ec2sim:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ec2sim:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("ec2sim", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:4566", "address to listen on, host:port")
	fs.StringVar(&cfg.opts.Region, "region", "us-west-2", "simulated region")
	fs.StringVar(&cfg.opts.ClusterName, "cluster-name", "sim-cluster", "cluster name: discovery tags and the interruption queue")
	fs.DurationVar(&cfg.opts.PendingDuration, "pending-duration", 0, "how long instances stay pending")
	fs.DurationVar(&cfg.opts.ShuttingDownDuration, "shutting-down-duration", 0, "how long instances stay shutting-down")
	fs.Float64Var(&cfg.throttle, "throttle-rate", 0, "fraction of calls (0..1) answered with a throttling error")
	fs.DurationVar(&cfg.latency, "latency", 0, "delay added to every response")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if cfg.throttle < 0 || cfg.throttle > 1 {
		return config{}, fmt.Errorf("--throttle-rate %v is not within 0..1", cfg.throttle)
	}
	return cfg, nil
}

// run serves until ctx is done.
func run(ctx context.Context, cfg config, out io.Writer) error {
	sim, err := ec2sim.Serve(cfg.addr, cfg.opts)
	if err != nil {
		return err
	}
	defer sim.Close()
	sim.SetThrottleRate(cfg.throttle)
	sim.SetLatency(cfg.latency)
	printEnv(out, sim, cfg.opts.ClusterName)
	<-ctx.Done()
	fmt.Fprintln(out, "ec2sim: stopping")
	return nil
}

func printEnv(out io.Writer, sim *ec2sim.Simulator, cluster string) {
	fmt.Fprintf(out, "ec2sim: serving EC2, IAM, SSM, Pricing and SQS for %s (zones %v) at %s\n", sim.Region(), sim.Zones(), sim.URL())
	fmt.Fprintf(out, "ec2sim: interruption queue %q\n", cluster)
	fmt.Fprintln(out, "# point AWS SDKs and the AWS CLI at it:")
	fmt.Fprintf(out, "export AWS_ENDPOINT_URL=%s\n", sim.URL())
	fmt.Fprintln(out, "export AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim")
	fmt.Fprintf(out, "export AWS_REGION=%s\n", sim.Region())
}
