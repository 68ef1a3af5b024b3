# The two commands a newcomer needs: `make run` and `make test`. Everything else is detail.
BUILD_DIR      ?= build
ASAN_DIR       ?= build-asan
FUZZ_DIR       ?= build-fuzz
JOBS           ?= $(shell nproc)
BIND           ?= 127.0.0.1:8000
DATA_DIR       ?= ./data
METRICS_BIND   ?= 127.0.0.1:8080
RUNNER_TYPE    ?= echo
SANDBOX        ?= bwrap
FUZZ_SECONDS   ?= 120
TEST_FUZZ_SECONDS ?= 10

.PHONY: all deps build run test test-asan fuzz fuzz-build fuzz-brief bench bench-auth bench-sse bench-runner bench-session-start bench-tokens bench-cli bench-web bench-scale bench-soak \
	bench-tools format clean deploy-check

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The API server and the control plane together; one Ctrl-C stops both (scripts/run-platform).
run: build
	BIN_DIR=$(BUILD_DIR)/bin BIND=$(BIND) DATA_DIR=$(DATA_DIR) METRICS_BIND=$(METRICS_BIND) \
		RUNNER_TYPE=$(RUNNER_TYPE) SANDBOX=$(SANDBOX) scripts/run-platform

# The manifests under deploy/ rendered with kubectl kustomize and validated (also part of `make
# test`, as the ctest deploy_check); no build needed.
deploy-check:
	scripts/deploy-check

test: build fuzz-brief
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900

test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAMBIENT_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure --timeout 1800

# Each fuzz target runs from its seed corpus, FUZZ_SECONDS each (TEST_FUZZ_SECONDS within
# `make test`); any crash, undefined behaviour or broken invariant fails.
fuzz-build: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMBIENT_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS)

fuzz: fuzz-build
	scripts/run-fuzzers $(FUZZ_DIR)/bin $(FUZZ_SECONDS)

fuzz-brief: fuzz-build
	scripts/run-fuzzers $(FUZZ_DIR)/bin $(TEST_FUZZ_SECONDS)

# The bench helpers are not part of `all`; bench/api/run, bench/auth/run, bench/sse_fanout/run,
# bench/runner/run and bench/scale/run need them.
bench-tools: build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target bench-bare-beast bench-auth-token bench-auth-decision \
		bench-sse-broadcaster bench-sse-client bench-runner-bare bench-runner-client bench-runner-proxy-token \
		bench-session-start bench-token-refresh

# Ten minutes of mixed load with memory and descriptors sampled (issue 15); not part of `bench`.
bench-soak: bench-tools
	bench/soak/run

bench: bench-tools
	bench/api/run
	bench/auth/run
	bench/sse_fanout/run
	bench/runner/run
	bench/session_start/run
	bench/token_refresh/run
	bench/cli/run
	bench/scale/run

bench-auth: bench-tools
	bench/auth/run

# READERS, WATCHERS, MESSAGES, WRITES scale it down (see bench/sse_fanout/run).
bench-sse: bench-tools
	bench/sse_fanout/run

# STARTS, TURNS, REPEAT scale it (see bench/runner/run).
bench-runner: bench-tools
	bench/runner/run

# COUNT, SANDBOX scale it (see bench/session_start/run).
bench-session-start: bench-tools
	bench/session_start/run

# SESSIONS, CONCURRENCY, REPEAT scale it (see bench/token_refresh/run).
bench-tokens: bench-tools
	bench/token_refresh/run

# p50/p99 of three reads over 100,000 sessions and 1,000,000 messages, on SQLite and
# PostgreSQL; SCALE_SESSIONS, SCALE_MESSAGES, BENCH_DURATION scale it (see bench/scale/run).
bench-scale: bench-tools
	bench/scale/run

# acpctl's own cost per command, beside curl making the same request.
bench-cli: build
	bench/cli/run

# The web console's first-load bytes and 10,000-message render (issue 16; docs/performance.md).
bench-web: build
	bench/web/run

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
