PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint bench

# One stamp per installed set, so that `make demo` then `make test` in the same venv adds only what the
# tests need, and an edited pyproject.toml reinstalls. The stamps live in the venv: deleting it resets them.
DEMO_INSTALLED := $(VENV)/.installed-demo
DEV_INSTALLED := $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The scanner and the emulator (moto), nothing else: no test or lint tool chain.
$(DEMO_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[demo]'
	touch $@

# Everything the tests and lint need (the dev extra includes demo and distributed).
$(DEV_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The demo records its run into the scan history STORE (by default history.db here, which
# `.venv/bin/cloudwarden history --store sqlite:///history.db` then reads); `make demo STORE=` records nothing.
STORE ?= sqlite:///history.db

demo: $(DEMO_INSTALLED)
	$(BIN)/cloudwarden demo $(if $(STORE),--store '$(STORE)')

# Style, types, and the declared layers ([tool.importlinter] in pyproject.toml).
lint: $(DEV_INSTALLED)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo --cache-dir $(VENV)/.import_linter_cache

# Each test file runs whole on one worker (its module fixtures and the emulator it resets are its own).
# Three workers on two cores: a worker often waits on its emulator process, which then has the core.
# Files go out in collection order (bench, cluster, e2e... unit): the few slow files first and the
# thousands of quick unit tests last, where they fill the end evenly. xdist's default sends the files
# with the most tests first, which left the benchmarks' smoke tests, a minute and a half on one
# worker, for the very end.
WORKERS ?= 3
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadfile --no-loadscope-reorder

# Every tier: unit, emulator, e2e, live, browser, cluster, bench (markers applied in tests/conftest.py).
test: lint
	$(PYTEST)

# The developer's loop: the unit tier (rules, semantics, engine, configuration, reports), no emulator,
# cluster or browser (the HTML report's rendering tests are unit; its browser test is not); the
# property tests try 40 examples each instead of make test's 200 (tests/properties.py).
test-fast: lint
	CLOUDWARDEN_PROPERTY_EXAMPLES=40 $(PYTEST) -m unit tests/unit tests/report tests/report_html tests/iac

bench: $(DEV_INSTALLED)
	$(BIN)/python bench/bench_s3.py 1000 20
	$(BIN)/python bench/bench_security_groups.py 100000 2000
	$(BIN)/python bench/bench_account.py 1.0
	$(BIN)/python bench/bench_account.py 1.0 --latency-ms 50
	$(BIN)/python bench/bench_evaluate.py 1000000
	$(BIN)/python bench/bench_iac.py 5000
	$(BIN)/python bench/bench_history.py 30 1000000
	$(BIN)/python bench/bench_cluster.py 200 50 2,4
