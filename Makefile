# Entry points for a fresh machine: `make demo` (try it now, no token), `make run` and `make test`. Each builds .venv
# on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/activate

.PHONY: demo run test test-deep lint bench
# The whole product in the browser at http://127.0.0.1:8080: the real bot, a built-in Bot API stand-in, a demo café.
demo: $(BIN)/activate
	$(BIN)/python -m bot sandbox

run: $(BIN)/activate
	@test -f .env || cp .env.example .env
	$(BIN)/python -m bot

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/mypy

# On as many workers as the machine has cores (pytest-xdist): each test has its own database and servers.
test: lint
	$(BIN)/pytest -q -n auto

# The property tests with many more random examples than `make test` tries (no time limit per test: it takes a while).
test-deep: $(BIN)/activate
	$(BIN)/pytest -q -p no:cacheprovider --timeout=0 --hypothesis-profile=deep --hypothesis-show-statistics \
		tests/models/test_ledger_properties.py

bench: $(BIN)/activate
	$(BIN)/python -m bench
