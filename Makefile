GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# Where ../shared (VADER data) lives, when it does; tests that need it fail
# when it is set and missing, and are skipped when it is not set.
REPMON_SHARED_DIR ?= $(wildcard $(abspath ../shared))
ifneq ($(REPMON_SHARED_DIR),)
export REPMON_SHARED_DIR
endif

.PHONY: build test lint bench fuzz docker clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o repmon ./cmd/repmon

test:
	$(GO) test ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

bench:
	@test -n "$(REPMON_SHARED_DIR)" || { echo "make bench: the corpus benchmarks need the VADER data: set REPMON_SHARED_DIR (../shared is missing)" >&2; exit 2; }
	$(GO) test -run '^$$' -bench . -benchmem ./sentiment/ ./query/
	cd bench && $(GO) test -run '^$$' -bench . -benchmem

fuzz:
	for f in FuzzScore; do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 30s ./sentiment/; done
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 30s ./config/

docker:
	docker build --build-arg VERSION=$(VERSION) -t repmon:$(VERSION) .

clean:
	rm -f repmon
