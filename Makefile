# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data
STAMP  := $(VENV)/.installed

.PHONY: run test check lint types contracts pytest install clean bench demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## run: the whole product on embedded defaults (SQLite data folder, fake Magento, simulated QuickBooks)
run: install
	$(BIN)/qbwc-service demo --data-dir $(DATA)

## test: lint, types and the whole test suite
test: install check pytest

check: lint types contracts

lint: install
	$(BIN)/ruff check qbwc_service magento_client tests bench

types: install
	$(BIN)/mypy

## contracts: the one-way import arrows of ARCHITECTURE.md (.importlinter)
contracts: install
	$(BIN)/lint-imports --no-cache

pytest: install
	bash .ci/test-packages
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
