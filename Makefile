# Two entry points, each doing all of its own setup: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint docs clean sbc

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "pymc-symplectic needs Python >= 3.12 (pyenv reads .python-version)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/pymc-symplectic demo --out outputs/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite runs on every core (pytest-xdist): about 15 minutes on 2 cores, twice that serially.
test: lint
	$(BIN)/python -m pytest -n auto

# The documentation, built into docs/_build/html with warnings as errors (also a test).
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) outputs .pytest_cache .ruff_cache

# Simulation-based calibration of every step-method family (about 30 minutes on 2 cores):
# writes docs/validation/sbc_results.inc and docs/validation/sbc_ecdf.png.
sbc: $(STAMP)
	$(BIN)/python benchmarks/sbc.py
