# Everything a fresh machine needs goes through these targets; nothing is installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# APScheduler 4 cannot share the venv with the 3.x dev dependency: it lives in its own directory,
# which only the tests' APScheduler 4 subprocess puts on its PYTHONPATH (sqlalchemy pinned as in
# pyproject.toml; 4.0.0a6 imports sniffio without declaring it).
APS4 := $(VENV)/apscheduler4
APS4_STAMP := $(APS4)/.installed
# pytest-xdist processes for `make test` (TEST_WORKERS=0 runs the suite in this one process)
TEST_WORKERS ?= 2

.PHONY: run test lint bench install dev clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11+) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $(STAMP)

$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP) $(DEV_STAMP)

install: $(STAMP)

$(APS4_STAMP): $(BIN)/python
	$(BIN)/pip install --quiet --upgrade --target $(APS4) "apscheduler[sqlalchemy]==4.0.0a6" "sqlalchemy==2.1.9" "sniffio==1.3.1"
	@touch $(APS4_STAMP)

dev: $(DEV_STAMP) $(APS4_STAMP)

## make run: install, migrate and start `kairos serve` on http://127.0.0.1:8000 (SQLite under ./data)
run: $(STAMP)
	$(BIN)/kairos migrate
	$(BIN)/kairos serve

## make test: install the dev extras (and Chromium for tests/browser) and run the whole suite
test: $(DEV_STAMP) $(APS4_STAMP)
	sh scripts/ensure-chromium.sh
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

## make bench: fire-rate, lateness, end-to-end and scale benchmarks beside APScheduler and Celery (quick sizes;
## `make bench BENCH_ARGS=` for the full sizes, `BENCH_ARGS="--quick --only e2e"` for one scenario)
BENCH_ARGS ?= --quick
bench: $(DEV_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
