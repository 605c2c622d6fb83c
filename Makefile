# The two set-up commands of mimeo: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: serve test lint typecheck pytest system-packages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

# What the bundled models (cog.yaml system_packages) and mimeo (system-packages.txt) need from
# Debian: installed when missing and allowed (root or passwordless sudo). `serve` starts without
# what cannot be installed and names the fix; `test` fails with the same line, and also installs
# what only the tests use (system-packages-dev.txt: the browser of the web UI's tests).
serve: $(STAMP)
	$(BIN)/mimeo system-packages
	$(BIN)/mimeo serve $(ARGS)

system-packages: $(STAMP)
	$(BIN)/mimeo system-packages --strict --dev

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy --strict src
	$(BIN)/mypy tests

pytest: $(DEV_STAMP) system-packages
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(DEV_STAMP)
	cd bench && ../$(BIN)/python overhead.py && ../$(BIN)/python streaming.py && ../$(BIN)/python throughput.py && ../$(BIN)/python models.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
