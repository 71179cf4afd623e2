# Developer workflow. Every target creates .venv and installs what it needs first.
.PHONY: demo test unit integration lint format typecheck emulator bench clean help
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PKG := langchain_gigachat_ext
LINT_PATHS := $(PKG) tests cookbook benchmarks

help: ## List the targets
	@grep -E '^[a-z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e ".[emulator,agents,postgres,images,progress,rag]" --group dev
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with all extras and dev tools

demo: $(STAMP) ## Run the flagship agent (embedded emulator unless GIGACHAT_CREDENTIALS is set)
	$(PY) cookbook/flagship_agent/main.py

test: $(STAMP) lint typecheck unit integration ## Lint, type-check and run the whole offline suite

unit: $(STAMP) ## Unit tests, sockets disabled
	$(PY) -m pytest tests/unit_tests --disable-socket --allow-unix-socket $(PYTEST_ARGS)

integration: $(STAMP) ## Integration tests against the emulator (loopback only)
	$(PY) -m pytest tests/integration_tests --allow-hosts=127.0.0.1,localhost,::1 $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check + format check
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m ruff format --check $(LINT_PATHS)

format: $(STAMP) ## ruff format + autofix
	$(PY) -m ruff format $(LINT_PATHS)
	$(PY) -m ruff check --fix $(LINT_PATHS)

typecheck: $(STAMP) ## mypy on the package
	$(PY) -m mypy $(PKG)

emulator: $(STAMP) ## Start the GigaChat emulator on 127.0.0.1:8090
	$(PY) -m $(PKG).emulator --host 127.0.0.1 --port 8090

bench: $(STAMP) ## Benchmarks against the emulator (installs comparison packages into .venv-bench)
	$(PY) benchmarks/run.py

clean: ## Remove the virtualenvs and caches
	rm -rf $(VENV) .venv-bench .venv-lowest .pytest_cache .mypy_cache .ruff_cache
