#!/usr/bin/env bash
# Fails when generated files are stale, code is unformatted, vet complains, or go.mod
# is untidy: everything `make generate` and `go mod tidy` would change.
set -euo pipefail
cd "$(dirname "$0")/.."

state() { git status --porcelain; git diff; git ls-files --others --exclude-standard | xargs -r cat; }
before=$(state | sha256sum)

./hack/generate.sh
go mod tidy
for d in hack/tools/*/ hack/compare/; do (cd "$d" && go mod tidy); done

unformatted=$(gofmt -l $(git ls-files --cached --others --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
(cd hack/compare && go vet ./...)

if [ "$(state | sha256sum)" != "$before" ]; then
  echo "make generate or go mod tidy changed files; commit their result:" >&2
  git status --short >&2
  exit 1
fi
echo "verify: ok"
