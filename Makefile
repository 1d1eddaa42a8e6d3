# Two commands set everything up on a fresh machine:
#   make run    virtualenv + install + dev config (if none) + migrations + serve on 127.0.0.1:8008
#   make test   virtualenv + dev install + lint + type check + the whole suite (SQLite, and
#               PostgreSQL on a throw-away cluster when its binaries are installed)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= homeserver.yaml

.PHONY: run test lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

$(CONFIG): | $(VENV)/.installed
	$(BIN)/tessera generate-config --output $(CONFIG)

run: $(VENV)/.installed $(CONFIG)
	$(BIN)/tessera run --config $(CONFIG)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	scripts/test.sh

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
