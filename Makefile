# Two commands for a fresh Debian machine: `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system services test lint typecheck unit demo demo-stop clean

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

# make demo: the KZ, UZ and AZ nodes through a scenario (gateway/demo/); the nodes keep running
# until Ctrl-C or make demo-stop. make demo ONCE=1: stop them at the end, exit 0 only if all went through.
demo: setup
	$(BIN)/python -m gateway.demo $(if $(ONCE),--once,)

# SIGTERM to the demo's nodes (pids in var/<side>.pid, written by gateway/demo/nodes.py).
demo-stop:
	@stopped=; for side in kz uz az; do \
	  pidfile=var/$$side.pid; [ -f $$pidfile ] || continue; pid=$$(cat $$pidfile); \
	  if grep -qa gateway.cli.main /proc/$$pid/cmdline 2>/dev/null && kill -TERM $$pid; then \
	    echo "demo-stop: SIGTERM to the $$side node (pid $$pid)"; stopped=1; \
	  fi; \
	  rm -f $$pidfile; \
	done; [ -n "$$stopped" ] || echo "demo-stop: no demo node is running"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
