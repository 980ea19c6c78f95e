# AkiDB build and test entry points. See README.md.
SHELL := /bin/bash
export GOFLAGS := -tags=pebblegozstd
export CGO_ENABLED := 1
GO ?= go

.PHONY: build run test bench clients fmt vet clean

build:
	$(GO) build -o bin/akidb ./cmd/akidb
	$(GO) build -o bin/slt ./cmd/slt

run: build
	./bin/akidb --listen 127.0.0.1:5433 --data ./data

# make test installs what the tests need first: bin/minio (a real S3
# server for the tiering tests, built once with go install under a lock,
# about 10 minutes on 2 cores) and the Node.js client libraries.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m -run '^TestStart$$' ./internal/testenv/minio
	$(GO) test -race -timeout 30m $$($(GO) list ./... | grep -v '/e2e/tiering$$')
	# The tiering workflow loads 10k x 512 collections several times over;
	# under the race detector that alone takes most of ten minutes, so the
	# whole suite runs without it and its concurrent tests (moves,
	# shared restores, cancels) run again with it.
	$(GO) test -timeout 30m ./e2e/tiering
	$(GO) test -race -timeout 30m -run 'TestConcurrentDemotion|TestColdQueryNoticesAndSharedRestore|TestCancelWhileRestoring' ./e2e/tiering

# make bench: Go micro benchmarks, then the end-to-end vector benchmark
# (cmd/akidb-bench) against bin/akidb started as a subprocess. Its table
# goes to stdout and its JSON to bench-results/. BENCH_FLAGS passes flags,
# e.g. make bench BENCH_FLAGS=--quick, or --n, --dims, --duration, --addr.
BENCH_FLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) build -o bin/akidb ./cmd/akidb
	$(GO) build -o bin/akidb-bench ./cmd/akidb-bench
	./bin/akidb-bench $(BENCH_FLAGS)

# make clients: only the client-library compatibility tests (pgvector-go,
# pgx, and the Node.js libraries in e2e/js, installed with npm ci when
# missing). They are part of make test too.
clients:
	$(GO) test -count=1 -v -timeout 15m ./e2e/clients/

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin data
