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
DASHBOARD_BUDGET ?= 420
BROWSER_BUDGET ?= 300

.PHONY: run test install kernels bytecode lint types dashboard-check unit integration browser dashboard \
	dashboard-deps openapi clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The screener's kernels compiled ahead of time for these sources (about 20 s, once per
# change of the screener); without them numba compiles the kernels when they are first used.
kernels: $(STAMP)
	@$(BIN)/python -m tradeassist.screener.precompile --if-missing || true

# The package's bytecode, written ahead as pip does for an installed package (an editable
# install is imported from src/, and with PYTHONDONTWRITEBYTECODE set every command would
# compile each module again: about 50 ms per command).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q src >/dev/null

install: $(STAMP) kernels bytecode

# The dashboard's packages, reinstalled when the lock file changes (needs Node.js and npm).
DASHBOARD_DEPS := dashboard/node_modules/.package-lock.json

$(DASHBOARD_DEPS): dashboard/package.json dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund
	@touch $@

dashboard-deps: $(DASHBOARD_DEPS)

# The dashboard's static export, rebuilt when its sources change. Without npm the
# API still runs (without the dashboard), so `make run` works on a machine without Node.
DASHBOARD_SOURCES := $(shell find dashboard/src dashboard/public -type f 2>/dev/null) \
	dashboard/package.json dashboard/package-lock.json dashboard/next.config.ts

dashboard/out/index.html: $(DASHBOARD_SOURCES)
	@if command -v npm >/dev/null; then \
		$(MAKE) --no-print-directory dashboard-deps && cd dashboard && npm run build; \
	else \
		echo "npm not found: the API runs without the dashboard"; \
	fi

dashboard: dashboard/out/index.html

# After an API change: copy the app's OpenAPI schema to the dashboard and regenerate its client.
openapi: install $(DASHBOARD_DEPS)
	$(BIN)/python tests/unit/api/test_openapi_snapshot.py
	cd dashboard && npm run gen:api

run: install dashboard
	$(BIN)/tradeassist run

lint: install
	timeout $(LINT_BUDGET) $(BIN)/ruff check src tests bench
	timeout $(LINT_BUDGET) $(BIN)/ruff format --check src tests bench

types: install
	timeout $(LINT_BUDGET) $(BIN)/mypy src

# The dashboard's generated client is current, then its type check, ESLint and build.
dashboard-check: $(DASHBOARD_DEPS)
	cd dashboard && timeout $(DASHBOARD_BUDGET) bash -c \
		'set -e; npm run check:api; npm run typecheck; npm run lint; npm run build'

unit: install
	timeout $(UNIT_BUDGET) $(BIN)/pytest -q -p no:cacheprovider tests/unit

integration: install
	timeout $(INTEGRATION_BUDGET) $(BIN)/pytest -q -p no:cacheprovider tests/integration

# Headless Chromium against a real `tradeassist run` (Debian's chromium; .ci/run installs it).
browser: install dashboard
	timeout $(BROWSER_BUDGET) $(BIN)/pytest -q -p no:cacheprovider tests/browser

test: lint types dashboard-check unit integration browser

clean:
	rm -rf $(VENV) build src/*.egg-info dashboard/out dashboard/.next
