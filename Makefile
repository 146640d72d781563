# Two entry points for a fresh machine: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/activate

.PHONY: run test test-deep lint bench
run: $(BIN)/activate
	@test -f .env || cp .env.example .env
	$(BIN)/python -m bot

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# The property tests with many more random examples than `make test` tries (no time limit per test: it takes a while).
test-deep: $(BIN)/activate
	$(BIN)/pytest -q -p no:cacheprovider --timeout=0 --hypothesis-profile=deep --hypothesis-show-statistics \
		tests/models/test_ledger_properties.py

bench: $(BIN)/activate
	$(BIN)/python -m bench
