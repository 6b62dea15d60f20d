# The two commands a newcomer needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install run test lint type imports unit conformance bench binary image clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/argoapp up $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check argoapp tests benchmarks scripts app.py
	$(BIN)/ruff format --check argoapp tests benchmarks scripts app.py

type: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest $(ARGS)

test: lint type imports unit

# Argo's examples with their expected outcomes (the corpus lives outside the repo, read in place).
CORPUS ?= ../shared/conformance
MIN_PASS ?= 0.95
conformance: $(STAMP)
	$(BIN)/python $(CORPUS)/run.py $(CORPUS) --jobs 4 \
		--min-pass $(MIN_PASS) --report .conformance.json $(ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(ARGS)

# The README's pictures of the web UI (a temporary argoapp up, Debian's chromium).
screenshots: $(STAMP)
	$(BIN)/python -m scripts.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
