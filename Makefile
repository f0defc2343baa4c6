# Evenhand: `make demo` to try it, `make test` to check it, `make lint` before a commit.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Stamp files: a step runs again only when what it installs from has changed.
PYTHON_STAMP := $(VENV)/.evenhand-installed
NODE_STAMP := node_modules/.evenhand-installed
# Aequitas needs pandas < 3, so the tests run it in a virtualenv of its own (see requirements/aequitas.txt).
AEQUITAS_VENV := .venv-aequitas
AEQUITAS_STAMP := $(AEQUITAS_VENV)/.evenhand-installed
DEMO_BIND ?= 127.0.0.1:8000
# Test workers (pytest-xdist): one per core, each given tests one by one in pytest-django's order (tests that
# flush the database last). Whole files per worker (loadfile) broke that order: a file with a flushing test went
# early and emptied what data migrations load for the rest. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: help setup demo test lint clean

help:
	@echo "make demo    set up, load a demo region and serve it on http://$(DEMO_BIND)/"
	@echo "make test    set up and run the test suite (DATABASE_URL=postgres://… for PostgreSQL)"
	@echo "make lint    ruff check, ruff format --check, mypy and the import contracts (lint-imports)"
	@echo "make setup   create .venv, install the Python package and the front-end assets"
	@echo "make clean   remove collected static files and tool caches (keeps the database)"

setup: $(PYTHON_STAMP) $(NODE_STAMP)

$(BIN)/python:
	python3 -m venv $(VENV)

$(PYTHON_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $@

$(AEQUITAS_VENV)/bin/python:
	python3 -m venv $(AEQUITAS_VENV)

$(AEQUITAS_STAMP): requirements/aequitas.txt | $(AEQUITAS_VENV)/bin/python
	$(AEQUITAS_VENV)/bin/pip install -r requirements/aequitas.txt
	touch $@

# npm ci empties node_modules first, so the stamp inside it goes too if an install fails half-way.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Evenhand refuses to start without SECRET_KEY and PSEUDONYM_KEY; EVENHAND_DEMO=1 lets this local demo run
# on fixed development keys instead (they are public, so never set it on a real service).
demo: setup
	EVENHAND_DEMO=1 $(BIN)/evenhand migrate
	EVENHAND_DEMO=1 $(BIN)/evenhand collectstatic --noinput
	EVENHAND_DEMO=1 $(BIN)/evenhand demo
	@# The demo is plain HTTP on the loopback address, so its cookies cannot be HTTPS-only. A job worker runs
	@# beside the web server (analyses, publications; the equality figures are computed when it starts).
	EVENHAND_DEMO=1 SECURE_COOKIES=false $(BIN)/evenhand serve --bind $(DEMO_BIND) --with-worker

# pytest exits 5 when it collects no tests: not a failure while the suite is being written. The tests set
# their own keys (tests/settings.py). The import contracts (pyproject.toml, [tool.importlinter]) go first: they
# take a second, and CI runs this target, so an app importing one above it fails CI.
test: setup $(AEQUITAS_STAMP)
	$(BIN)/lint-imports --no-cache --no-logo
	@status=0; $(BIN)/pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; status=0; fi; \
	exit $$status

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# mypy's Django plugin loads the settings, which need keys; type checking needs no real ones.
	EVENHAND_DEMO=1 $(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

clean:
	rm -rf var/static .pytest_cache .mypy_cache .ruff_cache test-results
