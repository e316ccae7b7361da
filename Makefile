# Tailor: a node autoscaler for Kubernetes on AWS that lives inside the scheduler.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

GO_TEST_FLAGS ?= -count=1

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the binaries into bin/
	go build -o bin/ ./cmd/...

generate: ## Write deepcopy functions and CRDs (manifests/crds, copied to charts/tailor/crds) from pkg/apis
	./hack/generate.sh
	$(MAKE) --no-print-directory chart-crds

controlplane: ## Build kube-apiserver and etcd for tests into the cache folder
	./hack/controlplane.sh

verify: ## Regenerate, gofmt, go vet, tidy; fail if anything changed or is unformatted
	./hack/verify.sh

helm: ## Build helm into the cache folder for the chart tests (about 2 minutes cold, then reused)
	./hack/helm.sh

chart-crds: ## Copy manifests/crds into charts/tailor/crds (the chart tests fail when they differ)
	cp manifests/crds/*.yaml charts/tailor/crds/

chart-test: controlplane helm ## Lint, render and install charts/tailor against a real API server (test/integration/chart)
	KUBEBUILDER_ASSETS=$$(./hack/controlplane.sh) go test $(GO_TEST_FLAGS) ./test/integration/chart/

# The control plane (about 8 minutes cold) and helm (about 2) are built first and
# reused afterwards; go test then compiles and runs the tests only, the
# end-to-end suite in two halves at once (hack/test.sh).
test: controlplane helm ## Run all tests (unit and integration, against a real API server; hack/test.sh)
	GO_TEST_FLAGS='$(GO_TEST_FLAGS)' ./hack/test.sh

cluster: ## Start the local stack in the background (control plane, scheduler, launcher on simulated AWS, kwok); KUBECONFIG=out/kubeconfig
	./hack/cluster.sh up

cluster-down: ## Stop the local stack
	./hack/cluster.sh down

demo: ## Scale a Deployment mix from 0 to 200 replicas on the local stack and watch nodes launch (KEEP=1 keeps the cluster up)
	./hack/demo.sh

compare: ## Plan the bench mixes and the sample with our planner and Karpenter's side by side (hack/compare); writes out/compare
	./hack/compare.sh

clean: ## Remove build outputs (not the control plane cache)
	rm -rf bin/ out/

.PHONY: help build generate controlplane helm chart-crds chart-test verify test cluster cluster-down demo compare clean
