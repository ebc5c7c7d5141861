# Two commands on a fresh machine: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
DEMO_LOGIN ?= owner@example.com
DEMO_PASSWORD ?= recoup-demo-2026

.PHONY: install demo test bench lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, set up recoup.db, load a demo portfolio, print the aging, run a collection cycle, serve http://127.0.0.1:8000
demo: install
	$(BIN)/recoup init --name "Demo Dental & Supply"
	$(BIN)/recoup demo --customers 400 --invoices 4000
	$(BIN)/recoup user add $(DEMO_LOGIN) --password $(DEMO_PASSWORD) --role owner
	$(BIN)/recoup report aging --top 15
	$(BIN)/recoup report kpis
	$(BIN)/recoup cycle --any-hour --limit 15
	@echo ""
	@echo "  Open http://127.0.0.1:8000 and log in as $(DEMO_LOGIN) with the password $(DEMO_PASSWORD)"
	@echo ""
	$(BIN)/recoup serve

## test: install and run every test (SQLite by default; PostgreSQL when DATABASE_URL points at one)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: 1,000,000 invoices / 100,000 customers against raw SQL and DuckDB baselines
bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis recoup.db recoup.db-wal recoup.db-shm
