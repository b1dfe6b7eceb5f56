# Kubernetes Networking, illustrated: the entry points people and CI both use.
# Every target installs what it is missing first (system tools, venv, npm packages).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed-lock
NODE_STAMP := node_modules/.installed-lock
HOST ?= 127.0.0.1
PORT ?= 8000
# Material prints a banner about MkDocs 2.0 on every build; the pin in pyproject.toml covers it.
export NO_MKDOCS_2_WARNING := 1

.PHONY: help serve build test lint bench clean new-page system-serve system-test

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

serve: system-serve $(PY_STAMP) $(NODE_STAMP) ## Render the diagrams and serve the site with live reload on 127.0.0.1:8000
	$(BIN)/mkdocs serve --dev-addr $(HOST):$(PORT) --livereload

build: system-serve $(PY_STAMP) $(NODE_STAMP) ## Build the site into site/
	$(BIN)/mkdocs build --strict

test: system-test $(PY_STAMP) $(NODE_STAMP) ## Install what is missing, then run every test (lint included)
	$(BIN)/python -m pytest

lint: system-serve $(PY_STAMP) ## Lint Python, YAML, spelling and whitespace (part of make test)
	$(BIN)/python -m pytest tests/test_lint.py

bench: system-test $(PY_STAMP) $(NODE_STAMP) ## Print build, size and page-speed figures as name: value lines
	$(BIN)/python -m scripts.bench

new-page: $(PY_STAMP) ## Scaffold a page: make new-page SLUG=<slug> TITLE="<title>"
	@$(BIN)/python -m scripts.new_page "$$SLUG" "$$TITLE"

clean: ## Remove build output and caches (keeps the venv and node_modules)
	rm -rf site build .cache .pytest_cache

system-serve:
	@scripts/setup.sh serve

system-test:
	@scripts/setup.sh test

$(PY_STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "Cannot create a virtual environment: please install python3-venv (apt-get install python3-venv)." >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@cp requirements.lock $@

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@cp package-lock.json $@
