PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench

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

test: lint
	$(BIN)/pytest

bench: $(BIN)/cloudwarden
	$(BIN)/python bench/bench_s3.py 1000 20
	$(BIN)/python bench/bench_security_groups.py 100000 2000
	$(BIN)/python bench/bench_account.py 1.0
	$(BIN)/python bench/bench_account.py 1.0 --latency-ms 50
	$(BIN)/python bench/bench_evaluate.py 1000000
	$(BIN)/python bench/bench_cluster.py 200 50 2,4
