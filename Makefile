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

.PHONY: help install install-spark manifest demo dev docs test test-fast test-spark test-spark-refresh bench lint clean

help: ## list every target with one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) ## create .venv and install the locked dependencies

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "partrisk needs Python 3.11, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# dbt's manifest, which the Dagster definitions load; rebuilt when a dbt file changes.
manifest: dbt_project/target/manifest.json ## parse the dbt project (the manifest Dagster loads)
dbt_project/target/manifest.json: $(STAMP) $(DBT_FILES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	@touch $@

demo: install manifest ## run the whole pipeline on the sample market and print the summary
	@mkdir -p $(DAGSTER_HOME)
	time $(BIN)/partrisk refresh

dev: install manifest ## open the Dagster UI and daemon at http://127.0.0.1:3000
	@mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m orchestration.definitions

# Two workers, a test file each at a time; the session warehouses are built once and shared (tests/conftest.py).
PYTEST_WORKERS ?= 2
test: install manifest ## run the whole test suite (what CI runs), without the Spark tests
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not spark"

# Without the tests marked slow: warehouse rebuilds, spawned refreshes and daemons, big files, the browser.
test-fast: install manifest ## run the test suite without the slow tests
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not slow and not spark"

# The optional Spark engine: dbt-spark (session mode) and pyspark from the lock; Java 17 must be installed.
SPARK_STAMP := $(VENV)/.installed-spark
install-spark: $(SPARK_STAMP) ## add the spark extra (dbt-spark, pyspark) to .venv
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,spark]"
	touch $(SPARK_STAMP)

# A tiny simulated market built on DuckDB and on Spark local[2]; every mart must be equal.
test-spark: install-spark manifest ## build the marts on a local Spark and compare them with the DuckDB build
	$(BIN)/python -m pytest -q -m "spark and not spark_refresh"

test-spark-refresh: install-spark manifest ## refresh a tiny market through Dagster on Spark and compare every mart
	$(BIN)/python -m pytest -q -m spark_refresh

# Benchmarks (not tests): trend features at tiers S, M4, M + one features night at 120/365 days of history;
# the backtest; feed ingest against bare DuckDB read_json and against reading its columns alone (needs data/sample); a whole night at 30 days of history against the demo warehouse's (make demo builds it);
# with the spark extra installed, the scale line: raw, staging read and features on Spark local[2] vs DuckDB/Polars at tiers S and M;
# the DuckDB path (features tier S, dbt build on copies of the demo warehouse) against the commit before the Spark work.
bench: install manifest ## run the benchmarks (results in bench/RESULTS.md)
	$(BIN)/python -m bench.run_features --tiers S,M4,M
	@if $(BIN)/python -c "import pyspark" 2>/dev/null; then $(BIN)/python -m bench.spark_scale --tiers S,M; \
	else echo "pyspark not installed (pip install -e '.[spark]'): skipping the Spark scale line"; fi
	$(BIN)/python -m bench.run_backtest
	$(BIN)/python -m bench.run_ingest --read-floor
	@test -f $(PARTRISK_WAREHOUSE) || { echo "no warehouse at $(PARTRISK_WAREHOUSE): run make demo first"; exit 2; }
	$(BIN)/python -m bench.night_cost --warehouse $(PARTRISK_WAREHOUSE) --history 30,all
	$(BIN)/python -m bench.duckdb_vs_base --repeats 3 --warehouse $(PARTRISK_WAREHOUSE)

# dbt's documentation site (lineage, every model and column) from the warehouse `make demo` built.
docs: install manifest ## generate the dbt docs from the warehouse and serve them at http://127.0.0.1:8080
	@test -f $(PARTRISK_WAREHOUSE) || { echo "no warehouse at $(PARTRISK_WAREHOUSE): run make demo first"; exit 2; }
	cd dbt_project && ../$(BIN)/dbt docs generate --quiet --profiles-dir .
	cd dbt_project && ../$(BIN)/dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080 --no-browser

lint: install ## ruff on the Python code
	$(BIN)/ruff check .

clean: ## remove everything generated (warehouse, serving copy, quality reports, Dagster home, dbt target)
	rm -rf data/warehouse data/serving data/quality data/.dagster data/spark dbt_project/target dbt_project/logs
