# Tailor: a node autoscaler for Kubernetes on AWS that lives inside the scheduler.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

GO_TEST_FLAGS ?= -count=1

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the binaries into bin/
	go build -o bin/ ./cmd/...

generate: ## Write deepcopy functions and CRDs (manifests/crds) from pkg/apis
	./hack/generate.sh

controlplane: ## Build kube-apiserver and etcd for tests into the cache folder
	./hack/controlplane.sh

verify: ## Regenerate, gofmt, go vet, tidy; fail if anything changed or is unformatted
	./hack/verify.sh

test: controlplane ## Run all tests (unit and integration, against a real API server)
	KUBEBUILDER_ASSETS=$$(./hack/controlplane.sh) go test $(GO_TEST_FLAGS) ./...

demo: controlplane ## Start a local control plane, apply the seed NodePools and show them
	./hack/demo.sh

clean: ## Remove build outputs (not the control plane cache)
	rm -rf bin/ out/

.PHONY: help build generate controlplane verify test demo clean
