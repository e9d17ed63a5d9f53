# Portlight. `make run` starts the tray app; `make test` installs what the tests
# need on Debian 12 and runs every test.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
# C.UTF-8 is the one UTF-8 locale every Debian 12 has: the desktop tests
# match window titles holding an em dash through xdotool, which needs a UTF-8
# locale that exists (an ungenerated en_US.UTF-8 falls back to C).
export LANG := C.UTF-8
export LC_ALL := C.UTF-8
GO ?= go
BIN := ./portlight
# The window program, started by the tray and by `portlight ui ...`; it lives
# next to portlight (docs/binaries.md).
UI_BIN := ./portlight-ui
# portlight is built without cgo: nothing it does needs C, and a static
# binary starts sooner than one the dynamic loader links against libc
# (docs/binaries.md). portlight-ui needs cgo for Fyne's GL driver.
CORE_ENV := CGO_ENABLED=0
ARTIFACTS ?= $(CURDIR)/artifacts
export PORTLIGHT_ARTIFACTS := $(ARTIFACTS)
FUZZTIME ?= 10s
STATICCHECK ?= v0.8.2

.PHONY: all build run check test test-extra bench lint fuzz measure deps deps-build clean

all: build

deps:
	scripts/deps.sh test

deps-build:
	scripts/deps.sh build

# Both programs, into the repository's root: portlight finds portlight-ui next
# to itself. Two go builds, since only portlight is built without cgo.
build: deps-build
	$(CORE_ENV) $(GO) build -o $(BIN) .
	$(GO) build -o $(UI_BIN) ./cmd/portlight-ui

run: build
	$(BIN)

# The fast loop: go vet and the short tests, on a machine with Go and the
# build packages only. Slow tests (the churn soak) and desktop tests (Xvfb,
# a session bus, dunst, a tray watcher, xdotool) skip, naming what they need.
check:
	$(GO) vet ./...
	$(GO) test -short ./...

# Packages whose tests must not overlap: the churn soak floods the machine
# with listeners (which a real tray and its notifications would then report),
# and the desktop tests each start an Xvfb (xvfb-run -a is not race-free).
SERIAL_PKGS := monitor app/ui e2e

# Every test: gofmt, go vet and staticcheck first, then unit and integration tests, the end-to-end desktop test under
# Xvfb with a private session bus, and a run of each fuzz target with an
# execution budget (scripts/fuzz-budget.txt).
# PORTLIGHT_REQUIRE_DESKTOP=1 turns a missing desktop tool from a skip into
# a failure: the full loop (and CI, which runs it) cannot pass by skipping.
test: export PORTLIGHT_REQUIRE_DESKTOP := 1
test: deps
	mkdir -p $(ARTIFACTS)
	$(MAKE) --no-print-directory lint
	$(GO) test -count=1 -timeout 30m $$($(GO) list ./... | grep -v -x $(SERIAL_PKGS:%=-e portlight/%))
	$(GO) test -count=1 -timeout 30m -p 1 $(SERIAL_PKGS:%=./%)
	scripts/fuzz.sh count
	$(MAKE) --no-print-directory test-extra

# Further checks that `make test` runs, added by the files in mk/ (e.g. the
# Windows cross-build, the darwin vet, the packaging check).
test-extra::
	@true

# Benchmarks print their figures. One package at a time, so they do not
# disturb each other; history first, since it builds the 1,000,000-session
# fixture (cached in $$TMPDIR) that the history window's benchmark reads.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./history/
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m -p 1 $$($(GO) list ./... | grep -v -x portlight/history)

# gofmt, go mod tidy (must change nothing), go vet, staticcheck.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum are not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...

# Each fuzz target runs for FUZZTIME (make fuzz FUZZTIME=5m for longer).
# `make test` runs them by execution count instead (scripts/fuzz.sh says why).
fuzz:
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

# The resident process's idle CPU, wake-ups a second, RSS, PSS and anonymous
# memory over 60 s after 40 s of settling, under Xvfb with a private session
# bus, a tray watcher and dunst, in network and PID namespaces of its own
# (PORTLIGHT_MEASURE_NETNS=1 unless set, or unless PORTLIGHT_MEASURE_EXTRA_NETNS
# asks for other namespaces to read), so other programs' listeners do not count.
measure: deps build
	PORTLIGHT_MEASURE_NETNS=$${PORTLIGHT_MEASURE_NETNS-$$([ -n "$$PORTLIGHT_MEASURE_EXTRA_NETNS" ] || echo 1)} \
		$(GO) test -count=1 -run '^$$' -bench ResidentIdle -benchtime 1x -timeout 10m ./e2e

-include mk/*.mk

clean:
	rm -rf $(BIN) $(UI_BIN) $(ARTIFACTS)
