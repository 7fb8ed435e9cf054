# Two entry points on a fresh machine: `make quickstart` and `make test`.
PYTHON ?= python3
VENV ?= .venv
# The CPU build of torch (a bare `torch` pulls a multi-GB CUDA build); override on other platforms.
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: install quickstart test test-fast lint results clean-runs chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install "$(TORCH_SPEC)"
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed plugins/sracl-example-backbone/pyproject.toml plugins/sracl-example-objective/pyproject.toml
	$(BIN)/pip install -e ".[test]" -e plugins/sracl-example-backbone -e plugins/sracl-example-objective
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -e ".[dev]"
	touch $@

install: $(VENV)/.installed

quickstart: $(VENV)/.installed
	$(BIN)/sracl run --resume recipes/quickstart.toml

# The run-page test opens `sracl page` output in headless Chromium: Debian's package, installed when missing
# and we are root (CI: a clean Debian machine, as root); elsewhere that test skips and says why.
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi

test: $(VENV)/.test-installed chromium
	$(BIN)/python -m pytest -q

# The suite without the end-to-end tests (marked slow): under a minute.
test-fast: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q -m "not slow"

# The rule set and the mypy settings are in pyproject.toml.
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check sracl_cli tests bench scripts plugins
	$(BIN)/mypy sracl_cli

# After the runs of recipes/repro/ finish: copy their records (no weights) and regenerate docs/RESULTS.md's tables.
results: $(VENV)/.installed
	$(BIN)/python scripts/record_runs.py runs/repro docs/results
	for spec in recipes/repro/*/*report.toml; do $(BIN)/sracl report $$spec --update docs/RESULTS.md || exit 1; done

clean-runs:
	rm -rf runs
