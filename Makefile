# Two entry points: `make demo` and `make test`. Both create .venv and install Parley into it.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/parley demo

lint: $(BIN)/.installed
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo  # layer contracts: [tool.importlinter]

# Small tests (own database, pretend Telegram, simulated clock) run on every core; the
# end-to-end ones (real processes, real time, SIGKILL) one at a time, as they always did.
test: lint
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --ignore=tests/e2e
	$(BIN)/python -m pytest -q tests/e2e

bench: $(BIN)/.installed
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
