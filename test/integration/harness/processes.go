package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Process is a child process of the harness: a control-plane component, kwok,
// or one of the project's binaries.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan error
}

// StartProcess runs bin with args, its output appended to logPath, until Stop.
func StartProcess(name, bin string, args, env []string, logPath string) (*Process, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening log of %s, %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), env...)
	// Its own process group, so that Ctrl-C in a terminal reaches the harness,
	// which stops children in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s (%s), %w", name, bin, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		_ = logFile.Close()
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM, then SIGKILL after 10 s, and waits for the process to end.
func (p *Process) Stop() {
	if exited, _ := p.Exited(); exited {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// StartControllerManager runs kube-controller-manager (from the control plane's
// asset folder) with the controllers the local stack needs: Deployments and
// ReplicaSets create pods, the disruption controller keeps PDB status current
// for the Eviction API, garbage collection removes what owners leave, and
// service accounts exist in every namespace. Nodes are managed by the launcher
// and kwok, not by its node controllers; namespaces are emptied when deleted.
func (e *Environment) StartControllerManager(kubeconfig, logPath string) (*Process, error) {
	bin := filepath.Join(e.env.BinaryAssetsDirectory, "kube-controller-manager")
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--controllers=deployment,replicaset,disruption,garbagecollector,namespace,serviceaccount,statefulset,job",
		"--leader-elect=false",
		"--secure-port=0",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		"--kube-api-qps=200",
		"--kube-api-burst=400",
	}
	return StartProcess("kube-controller-manager", bin, args, nil, logPath)
}

// StartKwok runs kwok (from the control plane's asset folder, built by
// hack/controlplane.sh) over the Nodes annotated kwok.x-k8s.io/node=fake: the
// simulated kubelets' nodes. It keeps them Ready and runs their pods. home is a
// scratch folder (kwok writes ~/.kwok).
func (e *Environment) StartKwok(kubeconfig, home, logPath string) (*Process, error) {
	dir := e.env.BinaryAssetsDirectory
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + filepath.Join(dir, "kwok-stages.yaml"),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-lease-duration-seconds=40",
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	return StartProcess("kwok", filepath.Join(dir, "kwok"), args, []string{"HOME=" + home}, logPath)
}

// WaitFor polls check every 100 ms until it returns nil or ctx ends.
func WaitFor(ctx context.Context, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
