# The two commands a new user runs: `make demo` and `make test`.
# Both install the Debian packages they need (scripts/install-deps.sh), configure and build.
JOBS ?= $(shell nproc)
FRUGAL := build/release/src/cli/frugal

.PHONY: deps build demo test test-asan bench fuzz clean install package

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

demo: build
	@$(FRUGAL) demo

test: build
	@ctest --preset release -j $(JOBS)

# `make install [PREFIX=/usr/local] [DESTDIR=...]`: the stripped binary, data/, man pages, bash and
# zsh completions, systemd units. `make package`: the same as a .deb in build/release/.
PREFIX ?= /usr/local
install: build
	@DESTDIR="$(DESTDIR)" cmake --install build/release --prefix "$(PREFIX)" --strip

package: build
	@cd build/release && cpack -G DEB

# ASan + UBSan build of the whole test suite (run by .ci/run after `make test`).
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

bench: build
	@build/release/bench/frugal_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@build/release/bench/frugal_sched_bench
	@build/release/bench/frugal_telemetry_bench
	@bench/agent.sh
	@bench/bill_ingest.sh
	@bench/bill_duckdb.sh
	@bench/simulate.sh
	@build/release/bench/frugal_sched_load 10000 64
	@build/release/bench/frugal_loadgen_overhead
	@build/release/bench/frugal_extender_latency

# libFuzzer over the CSV, TOML, unit and bill parsers (clang + ASan/UBSan). Locally it explores for
# FUZZ_SECONDS; CI passes FUZZ_RUNS and FUZZ_SEED so its run is deterministic (what passed here
# passes there).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= -1
FUZZ_SEED ?= 0
fuzz:
	@scripts/install-deps.sh --fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@mkdir -p build/fuzz/corpus && cp -n tests/fuzz/corpus/* build/fuzz/corpus/ 2>/dev/null || true
	@build/fuzz/tests/fuzz/fuzz_parsers -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED) -max_len=4096 -artifact_prefix=build/fuzz/ build/fuzz/corpus

clean:
	rm -rf build
