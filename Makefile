# AkiDB build and test entry points. See README.md.
SHELL := /bin/bash
export GOFLAGS := -tags=pebblegozstd
export CGO_ENABLED := 1
GO ?= go

.PHONY: build run test bench fmt vet clean

build:
	$(GO) build -o bin/akidb ./cmd/akidb
	$(GO) build -o bin/slt ./cmd/slt

run: build
	./bin/akidb --listen 127.0.0.1:5433 --data ./data

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin data
