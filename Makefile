# The two commands a new user runs: `make run` and `make test`.
# Both set everything up themselves (virtualenv in .venv/, pinned install, migrations).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Time budgets per test layer (seconds); CI has 2 cores and 90 minutes for everything.
LINT_BUDGET ?= 300
UNIT_BUDGET ?= 420
INTEGRATION_BUDGET ?= 900

.PHONY: run test install lint types unit integration dashboard clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The dashboard's static export, rebuilt when its sources change (needs Node.js and npm).
DASHBOARD_SOURCES := $(shell find dashboard/src dashboard/public -type f 2>/dev/null) \
	dashboard/package.json dashboard/package-lock.json dashboard/next.config.ts

dashboard/out/index.html: $(DASHBOARD_SOURCES)
	@if command -v npm >/dev/null; then \
		cd dashboard && npm ci --no-audit --no-fund && npm run build; \
	else \
		echo "npm not found: the API runs without the dashboard"; \
	fi

dashboard: dashboard/out/index.html

run: install dashboard
	$(BIN)/tradeassist run

lint: install
	timeout $(LINT_BUDGET) $(BIN)/ruff check src tests bench
	timeout $(LINT_BUDGET) $(BIN)/ruff format --check src tests bench

types: install
	timeout $(LINT_BUDGET) $(BIN)/mypy src

unit: install
	timeout $(UNIT_BUDGET) $(BIN)/pytest -q -p no:cacheprovider tests/unit

integration: install
	timeout $(INTEGRATION_BUDGET) $(BIN)/pytest -q -p no:cacheprovider tests/integration

test: lint types unit integration

clean:
	rm -rf $(VENV) build src/*.egg-info
