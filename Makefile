# partrisk: `make demo` and `make test` are all a new user needs (python3 3.11 and make).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/data/.dagster
# The manifest is parsed with the same warehouse path the CLI uses, so dbt's partial parsing holds.
export PARTRISK_WAREHOUSE ?= $(CURDIR)/data/warehouse/partrisk.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true
DBT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' -o -name '*.md' \) -print)

.PHONY: install manifest demo dev test bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "partrisk needs Python 3.11, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# dbt's manifest, which the Dagster definitions load; rebuilt when a dbt file changes.
manifest: dbt_project/target/manifest.json
dbt_project/target/manifest.json: $(STAMP) $(DBT_FILES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	@touch $@

demo: install manifest
	@mkdir -p $(DAGSTER_HOME)
	time $(BIN)/partrisk refresh

dev: install manifest
	@mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m orchestration.definitions

test: install manifest
	$(BIN)/python -m pytest -q

# Trend-feature benchmark (not a test): tiers S, M4, M + one night at 120/365 days of history.
bench: install manifest
	$(BIN)/python -m bench.run_features --tiers S,M4,M
	$(BIN)/python -m bench.run_backtest

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf data/warehouse data/serving data/quality data/.dagster dbt_project/target dbt_project/logs
