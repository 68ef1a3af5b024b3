# The two commands a newcomer needs: `make run` and `make test`. Everything else is detail.
BUILD_DIR      ?= build
ASAN_DIR       ?= build-asan
FUZZ_DIR       ?= build-fuzz
JOBS           ?= $(shell nproc)
BIND           ?= 127.0.0.1:8000
DATA_DIR       ?= ./data
FUZZ_SECONDS   ?= 20

.PHONY: all deps build run test test-asan fuzz bench bench-auth bench-sse bench-runner bench-tokens bench-tools format clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/ambient-api-server serve --api-server-bindaddress $(BIND) --data-dir $(DATA_DIR)

test: build fuzz
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900

test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAMBIENT_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure --timeout 1800

# Each fuzz target runs briefly from its seed corpus; any crash or sanitizer report fails.
fuzz: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMBIENT_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	scripts/run-fuzzers $(FUZZ_DIR)/bin $(FUZZ_SECONDS)

# The bench helpers are not part of `all`; bench/auth/run, bench/sse_fanout/run and
# bench/runner/run need them.
bench-tools: build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target bench-auth-token bench-auth-decision \
		bench-sse-broadcaster bench-sse-client bench-runner-bare bench-runner-client bench-runner-proxy-token \
		bench-token-refresh

bench: bench-tools
	bench/api/run
	bench/auth/run
	bench/sse_fanout/run
	bench/runner/run
	bench/token_refresh/run

bench-auth: bench-tools
	bench/auth/run

# READERS, WATCHERS, MESSAGES, WRITES scale it down (see bench/sse_fanout/run).
bench-sse: bench-tools
	bench/sse_fanout/run

# STARTS, TURNS, REPEAT scale it (see bench/runner/run).
bench-runner: bench-tools
	bench/runner/run

# SESSIONS, CONCURRENCY, REPEAT scale it (see bench/token_refresh/run).
bench-tokens: bench-tools
	bench/token_refresh/run

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
