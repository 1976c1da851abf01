# Everything bootstraps its own virtualenv: on a fresh machine `make run` and `make test` are enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test test-fast test-snapshot-update lint format bench screenshots clean

# The editable install ships no bytecode; compiling it once saves every start-up from doing so.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q tui_chat
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tui-chat host

serve: $(STAMP)
	$(BIN)/tui-chat serve

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-snapshot-update: $(STAMP)
	$(BIN)/python -m pytest -q --snapshot-update tests/ui

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

screenshots: $(STAMP)
	$(BIN)/python screenshots/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis *.egg-info
