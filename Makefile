# rulec's entry points. `make test` is the whole test suite; README.md and .ci/run name it.
#
#   make build   debug build of every target
#   make test    build, all tests against a throwaway PostgreSQL 15 and Redis, the operations
#                walkthrough as written (scripts/walkthrough.sh), then a 60 s fuzz run
#   make fuzz    libFuzzer on the parser (FUZZ_SECONDS, default 300)
#   make bench   release build, front-end throughput (docs/performance.md)

SWIFT ?= swift
FUZZ_SECONDS ?= 300

.PHONY: all build test fuzz bench

all: build

build:
	$(SWIFT) build

# swift test's own summary is left untouched (no filtering of its output). The relay tests run
# on their own: they wait on live deliveries, which must not queue behind the long blocking
# tests (pathological parser inputs, database suites) on a 2-core machine's cooperative pool.
test: build
	scripts/with-postgres.sh scripts/with-redis.sh $(SWIFT) test --skip Relay
	scripts/with-postgres.sh scripts/with-redis.sh $(SWIFT) test --filter Relay
	scripts/walkthrough.sh
	scripts/fuzz.sh 60

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

bench:
	scripts/bench-frontend.sh
