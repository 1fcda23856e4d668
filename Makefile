# Two commands for a fresh Debian machine: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system services test lint typecheck unit demo clean

setup: system services $(STAMP)

system:
	@scripts/setup-system.sh

services: | system
	@scripts/setup-services.sh

$(STAMP): pyproject.toml | system
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

lint: setup
	$(BIN)/ruff check gateway tests scripts
	$(BIN)/ruff format --check gateway tests scripts

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

test: setup lint typecheck unit

demo: setup
	@echo "make demo arrives with the node runtime (issue: node runtime); today: make test, bgw --help" >&2
	@exit 2

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
