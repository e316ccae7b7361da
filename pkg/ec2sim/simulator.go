// Package ec2sim is an AWS simulator for tests and the demo. It serves, on one HTTP
// endpoint, the wire protocols the real aws-sdk-go-v2 clients speak: EC2 (Query),
// IAM (Query), SSM and Pricing (JSON 1.1) and SQS (JSON 1.0), over an in-memory
// region built from the catalog package. Faults can be injected per run:
// insufficient capacity per (type, zone, capacity type), throttling, latency,
// subnets out of addresses, spot interruptions.
//
// Point SDK clients at it with BaseEndpoint = Simulator.URL() and static credentials.
package ec2sim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// Options configure a simulated region. Zero values take the defaults noted.
type Options struct {
	// Region, default "us-west-2".
	Region string
	// Zones of the region, default [<region>a, <region>b, <region>c].
	Zones []string
	// InstanceTypes served, default catalog.Default().
	InstanceTypes []catalog.InstanceType
	// SpotPriceFactor scales on-demand prices to spot prices before a per-type,
	// per-zone deterministic variation of +-15%, default 0.35.
	SpotPriceFactor float64
	// PendingDuration is how long an instance stays pending, default 0 (running on
	// the first DescribeInstances after launch).
	PendingDuration time.Duration
	// ShuttingDownDuration is how long an instance stays shutting-down before
	// terminated, default 0.
	ShuttingDownDuration time.Duration
	// PageSize caps items per page of paginated Describe calls, default 100 (EC2's
	// DescribeInstanceTypes serves at most 100 per page).
	PageSize int
	// ClusterName is used in the default discovery tags (karpenter.sh/discovery),
	// default "sim-cluster".
	ClusterName string
	// Now is the clock, default time.Now.
	Now func() time.Time
}

// InstanceState is the EC2 lifecycle state of an instance.
type InstanceState string

// Instance lifecycle: pending -> running -> shutting-down -> terminated.
const (
	StatePending      InstanceState = "pending"
	StateRunning      InstanceState = "running"
	StateShuttingDown InstanceState = "shutting-down"
	StateTerminated   InstanceState = "terminated"
)

// Instance is a simulated EC2 instance.
type Instance struct {
	ID               string
	InstanceType     string
	Zone             string
	SubnetID         string
	ImageID          string
	CapacityType     string // "on-demand" or "spot"
	State            InstanceState
	LaunchTime       time.Time
	PrivateDNSName   string
	PrivateIP        string
	SecurityGroupIDs []string
	Tags             map[string]string
	// UserData is the decoded user data of the launch template it was started from.
	UserData string
	// LaunchTemplateName it was launched from.
	LaunchTemplateName string
}

// ProviderID is the Kubernetes providerID of the instance's node.
func (i Instance) ProviderID() string { return "aws:///" + i.Zone + "/" + i.ID }

// Simulator is a running simulated region.
type Simulator struct {
	opts   Options
	server *httptest.Server

	mu        sync.Mutex
	faults    faults
	listeners []func(Instance)
	calls     map[string]int

	ec2 *ec2State
	aux *auxState
}

// faults are the failures injected into the next calls.
type faults struct {
	latency      time.Duration
	throttleRate float64 // fraction of calls answered with a throttling error
	// insufficientCapacity holds "type/zone/capacityType" keys.
	insufficientCapacity map[string]bool
	// noFreeAddresses holds subnet ids.
	noFreeAddresses map[string]bool
}

// URL is the endpoint to give the SDK clients (BaseEndpoint).
func (s *Simulator) URL() string { return s.server.URL }

// Close stops the HTTP server.
func (s *Simulator) Close() { s.server.Close() }

// Region is the simulated region.
func (s *Simulator) Region() string { return s.opts.Region }

// Zones are the simulated zones.
func (s *Simulator) Zones() []string { return append([]string(nil), s.opts.Zones...) }

// OnInstanceChange registers f to be called (outside the simulator's lock) each time
// an instance changes state, e.g. to register a Node when it is running.
func (s *Simulator) OnInstanceChange(f func(Instance)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, f)
}

// Calls returns how many times an action was called ("CreateFleet",
// "AmazonSSM.GetParameter", ...), counting throttled and failed calls.
func (s *Simulator) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// SetLatency delays every response by d.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

// SetThrottleRate answers this fraction of calls (0..1) with the service's
// throttling error (EC2: RequestLimitExceeded; JSON services: ThrottlingException).
func (s *Simulator) SetThrottleRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.throttleRate = rate
}

// SetInsufficientCapacity makes launches of (instanceType, zone, capacityType) fail
// with InsufficientInstanceCapacity while on is true.
func (s *Simulator) SetInsufficientCapacity(instanceType, zone, capacityType string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := instanceType + "/" + zone + "/" + capacityType
	if on {
		s.faults.insufficientCapacity[key] = true
	} else {
		delete(s.faults.insufficientCapacity, key)
	}
}

// SetNoFreeAddresses makes launches into subnetID fail with
// InsufficientFreeAddressesInSubnet while on is true.
func (s *Simulator) SetNoFreeAddresses(subnetID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.faults.noFreeAddresses[subnetID] = true
	} else {
		delete(s.faults.noFreeAddresses, subnetID)
	}
}

// ServeHTTP routes a request to the service it is for.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AmazonSSM."):
		s.serveSSM(w, r, strings.TrimPrefix(target, "AmazonSSM."))
	case strings.HasPrefix(target, "AWSPriceListService."):
		s.servePricing(w, r, strings.TrimPrefix(target, "AWSPriceListService."))
	case strings.HasPrefix(target, "AmazonSQS."):
		s.serveSQS(w, r, strings.TrimPrefix(target, "AmazonSQS."))
	default:
		s.serveQuery(w, r) // EC2 and IAM: form-encoded Action and Version
	}
}

// New starts a simulated region on a loopback port.
func New(opts Options) *Simulator {
	opts = withDefaults(opts)
	s := &Simulator{
		opts:  opts,
		calls: map[string]int{},
		faults: faults{
			insufficientCapacity: map[string]bool{},
			noFreeAddresses:      map[string]bool{},
		},
	}
	s.ec2 = newEC2State(opts)
	s.aux = newAuxState(opts)
	s.server = httptest.NewServer(s)
	return s
}

func withDefaults(opts Options) Options {
	if opts.Region == "" {
		opts.Region = "us-west-2"
	}
	if len(opts.Zones) == 0 {
		opts.Zones = []string{opts.Region + "a", opts.Region + "b", opts.Region + "c"}
	}
	if opts.InstanceTypes == nil {
		opts.InstanceTypes = catalog.Default()
	}
	if opts.SpotPriceFactor == 0 {
		opts.SpotPriceFactor = 0.35
	}
	if opts.PageSize == 0 {
		opts.PageSize = 100
	}
	if opts.ClusterName == "" {
		opts.ClusterName = "sim-cluster"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// admit counts a call to action, applies the injected latency, and reports whether
// the call is to be answered with a throttling error. Throttling is deterministic:
// with rate r, call n of an action is throttled when floor(n*r) > floor((n-1)*r).
func (s *Simulator) admit(action string) (throttled bool) {
	s.mu.Lock()
	s.calls[action]++
	n := float64(s.calls[action])
	rate, latency := s.faults.throttleRate, s.faults.latency
	s.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}
	return rate > 0 && int(n*rate) > int((n-1)*rate)
}

// notify tells the listeners about instance changes; call without holding s.mu.
func (s *Simulator) notify(changed []Instance) {
	s.mu.Lock()
	listeners := append([]func(Instance){}, s.listeners...)
	s.mu.Unlock()
	for _, inst := range changed {
		for _, f := range listeners {
			f(inst)
		}
	}
}
