# CX workbook: the targets mirror the README. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2
BATCH_CLIENTS ?= 100

.DEFAULT_GOAL := help
.PHONY: help install demo test test-fast lint typecheck format hooks data schema benchmark screenshot clean

## help:       list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## //'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# cxlib's bytecode, as pip writes it for an installed package (an editable install gets none;
# without it every run compiles cxlib again where PYTHONDONTWRITEBYTECODE is set: 0.2 s a run)
BYTECODE := $(BIN)/python -m compileall -q cxlib

## install:    create .venv and install the project (reused when unchanged)
install: $(STAMP)

## demo:       write reports/<client_id>/report.html for every demo client
demo: $(STAMP)
	@$(BYTECODE)
	$(BIN)/cxwb batch parameters --jobs $(JOBS) --out reports --pdf

## test:       run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q

## test-fast:  the tests without the end-to-end runs (marked slow): about a minute
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not slow"

## lint:       ruff check and format check
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck:  mypy over cxlib (configuration in pyproject.toml)
typecheck: $(STAMP)
	$(BIN)/mypy

## hooks:      install the git pre-commit hooks (ruff, nbstripout, mypy)
hooks: $(STAMP)
	$(BIN)/pre-commit install

## format:     format the code with ruff
format: $(STAMP)
	$(BIN)/ruff format .

## data:       regenerate the demo clients' data (deterministic)
data: $(STAMP)
	$(BIN)/cxwb demo-data

## schema:     write the JSON Schemas of the parameter files and results.json to docs/
schema: $(STAMP)
	$(BIN)/cxwb schema --out docs/parameters.schema.json
	$(BIN)/cxwb schema --results --out docs/results.schema.json

## benchmark:  run the benchmarks, each against its reference in the same run as a ratio
##             (floor, lifelines, process pool, the big client's 30 s and 2 GB;
##             BATCH_CLIENTS=100 for the Dask batch: ~15 min; BIG=/tmp/big keeps the big client)
BIG ?=
benchmark: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python benchmarks/bench_kpis.py
	$(BIN)/python benchmarks/bench_survival.py
	$(BIN)/python benchmarks/bench_clv.py --customer-base
	$(BIN)/python benchmarks/bench_runs.py
	$(BIN)/python benchmarks/bench_big_client.py $(if $(BIG),--keep $(BIG))
	$(BIN)/python benchmarks/bench_batch_scale.py --clients $(BATCH_CLIENTS) --modes jobs2 dask2

## screenshot: screenshot a demo report to docs/ (needs chromium)
screenshot: $(STAMP)
	$(BIN)/python scripts/screenshot.py reports/stadtwerke-lindenau/report.html docs/report-screenshot.png

## clean:      remove the virtual environment and generated reports
clean:
	rm -rf $(VENV) reports/*/ reports/*.failed
