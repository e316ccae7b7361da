// Package kubelet stands in for the kubelets of simulated EC2 instances: when an
// instance of an ec2sim.Simulator is running it registers the Node a kubelet on it
// would register (see BuildNode), and, optionally, deletes the Node once the
// instance is terminated, as the cloud node lifecycle controller does.
package kubelet

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/ec2sim"
)

// Options configure the simulated kubelets. Zero values take the defaults noted.
type Options struct {
	// RegistrationDelay is how long after its instance is running a Node appears,
	// default 0.
	RegistrationDelay time.Duration
	// DeleteOnTermination deletes the Node of an instance once it is terminated.
	DeleteOnTermination bool
	// TickInterval is how often the simulator's clock is applied to instance states
	// (Simulator.Tick), so that instances start without EC2 calls; default 1s,
	// negative for never.
	TickInterval time.Duration
	// HeartbeatInterval, when positive, renews each Node's Lease in kube-node-lease
	// at this interval, as kubelets do, so that a node lifecycle controller keeps
	// the Nodes Ready. Default 0: no leases (kwok, if present, keeps the Nodes
	// alive through the kwok.x-k8s.io/node annotation).
	HeartbeatInterval time.Duration
	// KubeletVersion reported in the node info, default "v1.34.12".
	KubeletVersion string
	// MemoryOverheadPercent is the share of an instance type's memory the
	// hypervisor keeps from the Node's capacity, default 0.075; negative for none.
	MemoryOverheadPercent float64
	// Now is the clock of the conditions' times, default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.TickInterval == 0 {
		o.TickInterval = time.Second
	}
	if o.KubeletVersion == "" {
		o.KubeletVersion = "v1.34.12"
	}
	switch {
	case o.MemoryOverheadPercent == 0:
		o.MemoryOverheadPercent = 0.075
	case o.MemoryOverheadPercent < 0:
		o.MemoryOverheadPercent = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// NodeLeaseNamespace holds the kubelets' heartbeat Leases.
const NodeLeaseNamespace = "kube-node-lease"

type kubelets struct {
	sim    *ec2sim.Simulator
	client client.Client
	opts   Options

	mu      sync.Mutex
	claimed map[string]bool   // instance ids whose registration has started
	nodes   map[string]string // instance id -> registered node name
}

// Register starts simulating kubelets for the instances of sim until ctx is done:
// the Nodes of instances already running, and of each instance that starts.
func Register(ctx context.Context, sim *ec2sim.Simulator, c client.Client, opts Options) {
	k := &kubelets{sim: sim, client: c, opts: opts.withDefaults(), claimed: map[string]bool{}, nodes: map[string]string{}}
	sim.OnInstanceChange(func(inst ec2sim.Instance) { k.observe(ctx, inst) })
	for _, inst := range sim.Instances() {
		k.observe(ctx, inst)
	}
	if k.opts.TickInterval > 0 {
		go every(ctx, k.opts.TickInterval, sim.Tick)
	}
	if k.opts.HeartbeatInterval > 0 {
		go every(ctx, k.opts.HeartbeatInterval, func() { k.heartbeat(ctx) })
	}
}

// observe reacts to an instance state; the simulator calls it from its request
// handlers, so the work runs in goroutines.
func (k *kubelets) observe(ctx context.Context, inst ec2sim.Instance) {
	if ctx.Err() != nil {
		return
	}
	switch inst.State {
	case ec2sim.StateRunning:
		k.mu.Lock()
		first := !k.claimed[inst.ID]
		k.claimed[inst.ID] = true
		k.mu.Unlock()
		if first {
			go k.register(ctx, inst.ID)
		}
	case ec2sim.StateTerminated:
		k.mu.Lock()
		delete(k.nodes, inst.ID)
		k.mu.Unlock()
		if k.opts.DeleteOnTermination {
			go k.deleteNode(ctx, inst)
		}
	}
}

// register creates the Node of an instance after the registration delay, if the
// instance is still running then.
func (k *kubelets) register(ctx context.Context, id string) {
	if !sleep(ctx, k.opts.RegistrationDelay) {
		return
	}
	inst, ok := k.sim.Instance(id)
	if !ok || inst.State != ec2sim.StateRunning {
		return
	}
	logger := log.FromContext(ctx).WithValues("instance", id)
	node, err := BuildNode(k.sim, inst, k.opts)
	if err != nil {
		logger.Error(err, "building node")
		return
	}
	err = retry(ctx, func() error { return client.IgnoreAlreadyExists(k.client.Create(ctx, node)) })
	if err != nil {
		logger.Error(err, "registering node", "node", node.Name)
		return
	}
	k.mu.Lock()
	k.nodes[id] = node.Name
	k.mu.Unlock()
}

// deleteNode deletes the Node of a terminated instance, if it is still that
// instance's (same provider id).
func (k *kubelets) deleteNode(ctx context.Context, inst ec2sim.Instance) {
	err := retry(ctx, func() error {
		node := &corev1.Node{}
		if err := k.client.Get(ctx, client.ObjectKey{Name: NodeName(inst)}, node); err != nil {
			return client.IgnoreNotFound(err)
		}
		if node.Spec.ProviderID != inst.ProviderID() {
			return nil
		}
		return client.IgnoreNotFound(k.client.Delete(ctx, node))
	})
	if err != nil {
		log.FromContext(ctx).Error(err, "deleting node of terminated instance", "instance", inst.ID)
	}
}

// heartbeat renews the Lease of every registered Node.
func (k *kubelets) heartbeat(ctx context.Context) {
	k.mu.Lock()
	names := make([]string, 0, len(k.nodes))
	for _, name := range k.nodes {
		names = append(names, name)
	}
	k.mu.Unlock()
	for _, name := range names {
		if err := k.renewLease(ctx, name); err != nil && ctx.Err() == nil {
			log.FromContext(ctx).Error(err, "renewing node lease", "node", name)
		}
	}
}

func (k *kubelets) renewLease(ctx context.Context, name string) error {
	now := metav1.NewMicroTime(k.opts.Now())
	lease := &coordinationv1.Lease{}
	err := k.client.Get(ctx, client.ObjectKey{Namespace: NodeLeaseNamespace, Name: name}, lease)
	if err == nil {
		lease.Spec.RenewTime = &now
		return k.client.Update(ctx, lease)
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	node := &corev1.Node{}
	if err := k.client.Get(ctx, client.ObjectKey{Name: name}, node); err != nil {
		return client.IgnoreNotFound(err) // deleted, e.g. by Karpenter: nothing to renew
	}
	lease = &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: NodeLeaseNamespace,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: name, UID: node.UID}},
		},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(name), LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now},
	}
	return client.IgnoreAlreadyExists(k.client.Create(ctx, lease))
}

// every calls f every interval until ctx is done.
func every(ctx context.Context, interval time.Duration, f func()) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			f()
		}
	}
}

// sleep waits d, reporting false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// retry calls f up to five times, backing off from 100ms, until it succeeds.
func retry(ctx context.Context, f func() error) error {
	var err error
	backoff := 100 * time.Millisecond
	for range 5 {
		if err = f(); err == nil {
			return nil
		}
		if !sleep(ctx, backoff) {
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		}
		backoff *= 2
	}
	return err
}
