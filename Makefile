# citistat: two commands set up and run everything on a fresh machine.
#   make demo   builds the briefing books from the shipped sample data
#   make test   runs the test suite
#   make lint   checks formatting, lint and types (ruff, mypy; settings in pyproject.toml)
# Each installs what is missing first (system libraries, a virtual environment, the package).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PERIOD ?= 2024-03
STAMP   = $(VENV)/.installed

.PHONY: demo test lint setup system-deps bench crash fuzz bench-privacy clean

demo: setup
	bash scripts/demo.sh

test: setup
	$(BIN)/python -m pytest -n 2 -q

# The gate that keeps the code tidy: formatting, lint (ruff) and types (mypy over citistat/).
lint: setup
	$(BIN)/ruff format --check citistat tests bench
	$(BIN)/ruff check citistat tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench run --extrapolate-naive

# kill -9 at seeded random points of ingest, build and publish (21 kills), and during stores (20): prints the counts
crash: setup
	cd tests && PYTHONPATH=$(CURDIR) $(CURDIR)/$(BIN)/python crash_campaign.py --kills 21 --store-kills 20

# A campaign of generated hostile inputs (at least 500 cases); prints a table of outcomes per family.
fuzz: setup
	$(BIN)/python tests/fuzz_campaign.py --cases 520

# What scrubbing personal data costs the parse of 1M tickets (docs/privacy.md).
bench-privacy: setup
	$(BIN)/python -m bench.privacy --rows 1000000

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

# Reinstall only when the package metadata changes.
$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
