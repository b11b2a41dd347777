# entsync developer tasks.
#
#   make venv   create .venv (Python >= 3.11) and install the package with its
#               test extra; re-installs only when pyproject.toml changed
#   make test   make lint, then the whole test suite (this
#               is what CI runs via .ci/run); extra pytest arguments:
#               make test PYTEST_ARGS='-k smoke -x'
#   make lint   the import contracts (pyproject.toml [tool.importlinter]),
#               ruff's lint rules and its formatting ([tool.ruff]), mypy
#               ([tool.mypy]: strict on events/ and daemon/, daemon/http
#               excepted for now)

SHELL := /bin/bash

VENV        := .venv
VENV_PY     := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=

# Interpreter used to create the venv: python3.11 if present, else python3
# (checked to be 3.11 or newer before use).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

.PHONY: venv test lint

venv: $(STAMP)

$(VENV_PY):
	@test -n "$(PYTHON)" || { echo "make: no python3.11/python3 on PATH" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "make: $(PYTHON) is older than Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip

# Re-install only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install --quiet -e '.[test]'
	@touch $@

# tests.backends is the pytest plugin that prints per-backend counts.
# pytest's exit status is make's: any failure, and exit 5 (no test
# collected), fails the target.
# The sources are byte-compiled first: CI sets PYTHONDONTWRITEBYTECODE, and
# every `entsync` subprocess of the e2e tests would compile them again
# (measured: 1.19 s -> 0.61 s per command). --durations lists the slowest
# tests, to keep CI within its time. The tests run in PYTEST_WORKERS
# processes (pytest-xdist; each starts its own PostgreSQL cluster and
# broker): on this 2-core machine the whole suite took 1032 s in one process
# and 516 s in two, every test passing and counted per backend.
PYTEST_WORKERS ?= 2

# Every check runs even when an earlier one failed, so that one CI run shows
# every problem; the last line names the checks that failed (the same four
# run before each commit with pre-commit, .pre-commit-config.yaml).
LINT_STEPS := \
	"import contracts|$(VENV)/bin/lint-imports --no-cache" \
	"ruff check|$(VENV)/bin/ruff check ." \
	"ruff format|$(VENV)/bin/ruff format --check ." \
	"mypy|$(VENV)/bin/mypy"
lint: venv
	@failed=""; \
	for step in $(LINT_STEPS); do \
		name="$${step%%|*}"; cmd="$${step#*|}"; \
		printf '\n== lint: %s (%s)\n' "$$name" "$$cmd"; \
		$$cmd || failed="$$failed, $$name"; \
	done; \
	if [ -n "$$failed" ]; then printf '\nmake lint: FAILED: %s\n' "$${failed#, }" >&2; exit 1; fi; \
	printf '\nmake lint: passed (import contracts, ruff check, ruff format, mypy)\n'

test: lint
	$(VENV_PY) -m compileall -q adapters daemon events generator projections tests bench >/dev/null
	$(VENV_PY) -m pytest -q -p tests.backends -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)



# The support console's pages as PNGs for the README (issue 16), in build/
# (ignored by git): the browser tests' world and daemon, in Chromium.
.PHONY: console-screenshots
console-screenshots: venv
	$(VENV_PY) -m tests.browser.screenshots build/console

# The main job on SQLite with a locally generated sample académie.
.PHONY: demo
demo: venv
	bash scripts/demo.sh
