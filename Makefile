# Two entry points for a fresh machine: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/activate

.PHONY: run test lint bench
run: $(BIN)/activate
	@test -f .env || cp .env.example .env
	$(BIN)/python -m bot

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(BIN)/activate
	$(BIN)/python -m bench
