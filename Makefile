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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/e2e/js/node_modules

# The key tables of docs/configuration.md are generated from src/tessera/config/reference.py;
# tests/unit/test_config_docs.py fails until this has been run after a change there.
.PHONY: docs schema

docs: $(VENV)/.installed
	$(BIN)/tessera config-reference --update docs/configuration.md

# The SQLite schema script a first start runs (generated from storage/tables.py).
schema: $(VENV)/.installed
	$(BIN)/python -m tessera.storage.sqlite_schema --update

# Benchmarks (docs/performance.md). `make bench` runs bench/ against a fresh `tessera run`;
# `make bench-compare` first installs Synapse outside the repo (once) with the shared peer
# scripts, runs the same scenarios against it, then against Tessera, and prints the ratios.
#   make bench BENCH_DURATION=5            seconds recorded per scenario (default 10)
#   make bench BENCH_ARGS='--scenarios whoami,mixed --json-out /tmp/bench.json'
BENCH_DURATION ?= 10
BENCH_ARGS ?=
SYNAPSE_PEER ?= ../shared/peers/synapse
SYNAPSE_VENV ?= $(HOME)/.cache/peers/synapse-venv

.PHONY: bench bench-compare synapse-venv

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run --duration $(BENCH_DURATION) $(BENCH_ARGS)

synapse-venv:
	@if "$(SYNAPSE_VENV)/bin/python" -c 'import synapse, authlib' 2>/dev/null; then \
		echo "Synapse is installed in $(SYNAPSE_VENV)"; \
	else \
		SYNAPSE_VENV="$(SYNAPSE_VENV)" NO_POSTGRES=1 PYTHON=$(PYTHON) $(SYNAPSE_PEER)/setup-venv.sh; \
	fi

bench-compare: $(VENV)/.installed-dev synapse-venv
	$(BIN)/python -m bench.run --compare --duration $(BENCH_DURATION) \
		--peers $(SYNAPSE_PEER) --synapse-venv "$(SYNAPSE_VENV)" $(BENCH_ARGS)

# Soak (docs/performance.md; not part of `make test`): a fresh `tessera run` at a fixed rate,
# 95% whoami and 5% JWT logins, with errors, latency percentiles and RSS every 10 s.
#   make soak SOAK_RATE=500 SOAK_MINUTES=30
SOAK_RATE ?= 200
SOAK_MINUTES ?= 5
SOAK_ARGS ?=

.PHONY: soak

soak: $(VENV)/.installed-dev
	$(BIN)/python -m bench.soak --rate $(SOAK_RATE) --minutes $(SOAK_MINUTES) $(SOAK_ARGS)
