# usage-etl: build, test, demo and benchmarks. Everything a fresh Debian machine needs is
# installed by `make deps` (run by the other targets).
SWIFT       ?= swift
PG          := scripts/pg.sh
APT_PKGS    := libpq-dev libcurl4-openssl-dev libzstd-dev libssl-dev pkg-config postgresql-15 postgresql-client-15 python3-jsonschema chromium fonts-dejavu-core
TEST_DB_URL  = $(shell $(PG) url)

.PHONY: all build release deps pg-start pg-stop test test-unit demo bench chaos fuzz fixtures-check clean

all: build

## deps: install the C libraries, PostgreSQL 15, the schema checker and Chromium (the report's browser test) when missing.
deps:
	@missing=""; \
	pkg-config --exists libpq libcurl libzstd libcrypto 2>/dev/null || missing="yes"; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || missing="yes"; \
	command -v psql >/dev/null || missing="yes"; \
	python3 -c 'import jsonschema' 2>/dev/null || missing="yes"; \
	command -v chromium >/dev/null || missing="yes"; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing $(APT_PKGS)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PKGS) >/dev/null; \
		python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

pg-start: deps
	@$(PG) start
	@echo "PostgreSQL running: $(TEST_DB_URL)"

pg-stop:
	@$(PG) stop

## test: build, start a private PostgreSQL (unless one runs already: then it is left running), run every
## test suite against it, stop it; then check
## every fixture and every answer the simulator gave during the tests against the official schema;
## then fuzz every parser briefly (FUZZ_SHORT_SECONDS each).
SIM_ANSWERS := .build/simulator-answers
test: deps
	$(SWIFT) build --build-tests
	@keep=no; $(PG) running && keep=yes; $(PG) start; \
	rm -rf $(SIM_ANSWERS); status=0; \
	USAGE_ETL_TEST_DATABASE_URL="$(TEST_DB_URL)" USAGE_API_SIM_RECORD_DIR="$(CURDIR)/$(SIM_ANSWERS)" \
		$(SWIFT) test --skip-build || status=$$?; \
	python3 scripts/chaos.py --short --bin "$$($(SWIFT) build --show-bin-path)" || status=1; \
	[ $$keep = yes ] || $(PG) stop; \
	python3 scripts/validate_fixtures.py Fixtures/pages $(SIM_ANSWERS) || status=1; \
	python3 scripts/fuzz.py --seconds $(FUZZ_SHORT_SECONDS) || status=1; \
	exit $$status

## fuzz: every parser of outside data under libFuzzer and AddressSanitizer for FUZZ_SECONDS each
## (default 60); prints executions, coverage and crashes per target; a crash keeps its input in
## .build/fuzz/crashes/TARGET/ and fails. `make test` runs the same for FUZZ_SHORT_SECONDS each.
FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 4
fuzz: deps
	python3 scripts/fuzz.py --seconds $(FUZZ_SECONDS)

## fixtures-check: every fixture validates against its endpoint's schema in the official excerpt.
fixtures-check:
	python3 scripts/validate_fixtures.py Fixtures/pages

## bench: release build, private PostgreSQL, large simulated organisation; prints figures and
## writes bench/results.json (see README "Benchmarks").
bench: release
	@keep=no; $(PG) running && keep=yes; $(PG) start; \
	status=0; python3 bench/run.py || status=$$?; \
	[ $$keep = yes ] || $(PG) stop; exit $$status

## chaos: the full fault drills (20 SIGKILLed backfills, 10% API faults then rerun --failed, a
## PostgreSQL restart mid-backfill, four concurrent syncs, an expired cursor on resume), each
## compared with a clean load; prints `N passed, N failed` and fails on any failure.
chaos: build
	@keep=no; $(PG) running && keep=yes; $(PG) start; \
	status=0; python3 scripts/chaos.py --bin "$$($(SWIFT) build --show-bin-path)" || status=$$?; \
	[ $$keep = yes ] || $(PG) stop; exit $$status

demo: deps
	@scripts/demo.sh

clean:
	rm -rf .build
	@$(PG) stop
