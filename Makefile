# One-command set-up, run and test. Needs only python3 (>= 3.11) with pip and venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# 127.0.0.1: this machine only. ADDRESS=0.0.0.0 shares the app on the network (README: Deploying for a team).
ADDRESS ?= 127.0.0.1
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test test-fast lint typecheck lock browser services clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# Regenerate the lockfile after changing dependencies in pyproject.toml.
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet uv==0.13.9; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

# ROBUSTNESS_DEMO_HISTORY=1: the History page fills an empty run store with the credit demo's history (in the
# background, on its first open: never on the first page's path). `make run ROBUSTNESS_DEMO_HISTORY=0` leaves it empty.
ROBUSTNESS_DEMO_HISTORY ?= 1

run: setup
	ROBUSTNESS_DEMO_HISTORY=$(ROBUSTNESS_DEMO_HISTORY) $(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS) --server.headless true

# Debian's chromium for the browser end-to-end tests and the report's PDF export (no browser
# download at test time), and poppler-utils (pdftoppm, pdftotext) to check the PDFs it prints.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 \
		|| ! command -v pdftoppm >/dev/null 2>&1; then \
		echo "installing Debian's chromium, an emoji font and poppler-utils for the browser and PDF tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-color-emoji poppler-utils >/dev/null; \
	fi

# Debian's postgresql for the run store's tests (tests/history): a fixture starts a throwaway cluster
# (initdb, pg_ctl) in a temporary folder on a free port; no server is left running or enabled.
services:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing Debian's postgresql for the run-store tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; \
	fi

# Style and import order (ruff, configured in pyproject.toml): `ruff format .` and `ruff check --fix .` repair most.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types (mypy, configured in pyproject.toml: the robustness package, untyped third-party libraries listed there).
typecheck: setup
	$(BIN)/mypy

# The suite on every core (pytest-xdist; WORKERS=0 runs it in this one process). tests/conftest.py marks the tests
# (e2e, dask; slow per test) and groups those that share a costly fixture or must not run side by side.
# Python's bytecode cache stays on for the run even where the environment turns it off
# (PYTHONDONTWRITEBYTECODE): the suite starts many interpreters (workers, CLI runs, Streamlit servers, Dask
# worker processes), and each would compile every module it imports again, 5 to 10 s apiece.
WORKERS ?= auto
# PYTEST_ARGS: more pytest options, e.g. `make test PYTEST_ARGS=--durations=40` lists the slowest tests.
PYTEST_ARGS ?=
PYTEST = PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -p no:cacheprovider -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

test: setup browser services lint typecheck
	$(PYTEST)

# Everything but the slow, Dask and browser tests: the quick check while working (under 90 s on 2 cores).
test-fast: setup services
	$(PYTEST) -m "not slow and not dask and not e2e"

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
