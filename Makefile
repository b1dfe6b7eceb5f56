# Kubernetes Networking, illustrated: the entry points people and CI both use.
# Every target installs what it is missing first (system tools, venv, npm packages).
# `make serve` and `make build` install only what building the site needs; `make test`,
# `make lint` and `make bench` add the test and audit tools (the `dev` sets).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# uv installs the locked packages (several times faster than pip from a cold cache). It is
# itself installed by pip, hash-checked, from requirements-uv.lock; `make lock` rewrites that
# file from this pin.
UV_VERSION := 0.13.9
# Each stamp is a copy of the lock it installed, so a changed lock installs again.
PY_BUILD := $(VENV)/.installed-build
PY_DEV := $(VENV)/.installed-dev
NODE_BUILD := node_modules/.installed-build
NODE_DEV := node_modules/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
# Material prints a banner about MkDocs 2.0 on every build; the pin in pyproject.toml covers it.
export NO_MKDOCS_2_WARNING := 1

# uv reads no pip.conf: when pip is pointed at a mirror (index-url in a pip.conf, or
# PIP_INDEX_URL), uv gets the same one, unless uv's own setting is there. Without either, PyPI.
# pip's extra-index-url entries are left out on purpose: uv would rank them above the index.
PIP_INDEX = $(shell $(PYTHON) -m pip config list 2>/dev/null | sed -n "s/^[^.]*\.index-url='\(.*\)'$$/\1/p" | head -n 1)
UV_INDEX = $(if $(UV_DEFAULT_INDEX)$(UV_INDEX_URL),,$(PIP_INDEX))
UV_PIP = $(UV) pip
UV_INSTALL = $(UV_PIP) install --python $(BIN)/python --require-hashes $(if $(UV_INDEX),--default-index $(UV_INDEX))
# One resolution for every platform and Python >= 3.11 (Debian 12's 3.11.2 included).
LOCK_FLAGS = --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock" $(if $(UV_INDEX),--default-index $(UV_INDEX)) \
	$(if $(UPGRADE),--upgrade)

.PHONY: help serve build test lint bench lock clean new-page setup-serve setup-test \
	deps-serve deps-test system-serve system-test

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

serve: setup-serve ## Render the diagrams and serve the site with live reload on 127.0.0.1:8000
	$(BIN)/mkdocs serve --dev-addr $(HOST):$(PORT) --livereload

build: setup-serve ## Build the site into site/
	$(BIN)/mkdocs build --strict

test: setup-test ## Install what is missing, then run every test (lint included)
	$(BIN)/python -m pytest

lint: system-serve $(PY_DEV) ## Lint Python, YAML, spelling and whitespace (part of make test)
	$(BIN)/python -m pytest tests/test_lint.py

bench: setup-test ## Print set-up, build, size and page-speed figures as name: value lines
	$(BIN)/python -m scripts.bench

lock: $(UV) ## Resolve pyproject.toml into the hashed lock files (UPGRADE=1: newest in range)
	$(UV_PIP) compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements-dev.lock
	$(UV_PIP) compile pyproject.toml -c requirements-dev.lock $(LOCK_FLAGS) -o requirements.lock
	echo "uv==$(UV_VERSION)" | $(UV_PIP) compile - $(LOCK_FLAGS) -o requirements-uv.lock

new-page: $(PY_BUILD) ## Scaffold a page: make new-page SLUG=<slug> TITLE="<title>"
	@$(BIN)/python -m scripts.tools new-page "$$SLUG" "$$TITLE"

clean: ## Remove build output and caches (keeps the venv and node_modules)
	rm -rf site build .cache .pytest_cache

# The Python and npm installs do not depend on each other: they run side by side.
setup-serve: system-serve ## Install what make serve and make build need
	@$(MAKE) --no-print-directory --output-sync=target -j2 deps-serve

setup-test: system-test ## Install what make test needs (the serve set, test and audit tools)
	@$(MAKE) --no-print-directory --output-sync=target -j2 deps-test

deps-serve: $(PY_BUILD) $(NODE_BUILD)
	@:

deps-test: $(PY_DEV) $(NODE_DEV)
	@:

system-serve:
	@scripts/setup.sh serve

system-test:
	@scripts/setup.sh test

# The venv comes from python3 -m venv, without pip (faster); uv goes into it, hash-checked,
# through the system's pip when it has one (pip >= 22.3: --python), else through the venv's
# own pip from ensurepip. A .pth file puts the project root on the venv's path: the MkDocs
# hooks import scripts.*.
$(UV): requirements-uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV) || { \
		echo "Cannot create a virtual environment: please install python3-venv (apt-get install python3-venv)." >&2; exit 1; }
	@echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/k8s_networking_illustrated.pth"
	@if $(PYTHON) -m pip --python $(BIN)/python --version >/dev/null 2>&1; then pip="$(PYTHON) -m pip --python $(BIN)/python"; \
	else $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; pip="$(BIN)/python -m pip"; fi; \
	echo "$$pip install uv (requirements-uv.lock)"; \
	$$pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-uv.lock
	@touch $@

$(PY_BUILD): requirements.lock | $(UV)
	$(UV_INSTALL) -r requirements.lock
	@cp requirements.lock $@

$(PY_DEV): requirements-dev.lock | $(UV)
	$(UV_INSTALL) -r requirements-dev.lock
	@cp requirements-dev.lock $@

# npm ci empties node_modules first: a full install writes both stamps.
$(NODE_BUILD): package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@cp package-lock.json $@

$(NODE_DEV): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@cp package-lock.json $@
	@cp package-lock.json $(NODE_BUILD)
