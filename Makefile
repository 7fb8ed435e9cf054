# Two entry points on a fresh machine: `make quickstart` and `make test`.
PYTHON ?= python3
VENV ?= .venv
# The CPU build of torch (a bare `torch` pulls a multi-GB CUDA build); override on other platforms.
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: install quickstart test clean-runs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install "$(TORCH_SPEC)"
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed plugins/sracl-example-backbone/pyproject.toml
	$(BIN)/pip install -e ".[test]" -e plugins/sracl-example-backbone
	touch $@

install: $(VENV)/.installed

quickstart: $(VENV)/.installed
	$(BIN)/sracl run recipes/quickstart.toml

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q

clean-runs:
	rm -rf runs
