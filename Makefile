PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint bench

$(BIN)/cloudwarden: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/cloudwarden
	$(BIN)/cloudwarden demo

lint: $(BIN)/cloudwarden
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Each test file runs whole on one worker (its module fixtures and the emulator it resets are its own).
WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadfile

test: lint
	$(PYTEST)

# The developer's loop: rules, semantics, engine, configuration, reports (no emulator, cluster or browser).
test-fast: $(BIN)/cloudwarden
	$(PYTEST) tests/unit tests/report

bench: $(BIN)/cloudwarden
	$(BIN)/python bench/bench_s3.py 1000 20
	$(BIN)/python bench/bench_security_groups.py 100000 2000
	$(BIN)/python bench/bench_account.py 1.0
	$(BIN)/python bench/bench_account.py 1.0 --latency-ms 50
	$(BIN)/python bench/bench_evaluate.py 1000000
	$(BIN)/python bench/bench_cluster.py 200 50 2,4
