# Everything a fresh machine needs: a virtual environment with exactly the locked, hash-checked
# dependency set (requirements.lock), medlyt itself, and the default Whisper model.
# `make demo` and `make test` both start here; `make lock` is the only step that chooses versions.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.medlyt-installed
LOCK := requirements.lock
# The lock is made for this Python and platform (uv pip compile's names for them).
LOCK_PYTHON := 3.11
LOCK_PLATFORM := x86_64-manylinux_2_28
TOOLS := .venv-tools
LATEST := .venv-latest
# axe-core for the browser tests' accessibility check (the `axe` target below).
AXE_DIR := tests/browser/axe
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

# Debian programs the tests need: espeak-ng speaks the synthetic Danish meetings; chromium is the
# real browser the dashboard tests drive (through Playwright, with Debian's build: no browser download);
# PostgreSQL's server, which the test session starts in a temporary directory (tests/postgres.py).
SYSTEM_PROGRAMS := espeak-ng chromium
SYSTEM_PACKAGES := espeak-ng chromium postgresql
POSTGRES_INITDB := /usr/lib/postgresql/*/bin/initdb

.PHONY: setup demo test test-latest lock bench clean system-deps python-version axe

python-version:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(LOCK_PYTHON)".split("."))))' || \
	{ echo "medlyts låste afhængigheder er lavet til Python $(LOCK_PYTHON); $(PYTHON) er $$($(PYTHON) -V 2>&1). Brug fx: make PYTHON=python$(LOCK_PYTHON) ..."; exit 1; }

# A new lock means a new environment: pip would leave packages the lock no longer names.
# Hash mode makes pip refuse any package, or dependency of one, that the lock does not pin with
# its hashes; wheels only, so no build step fetches unchecked build dependencies.
$(STAMP): $(LOCK) pyproject.toml
	@$(MAKE) --no-print-directory python-version
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary :all: -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --no-index -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/medlyt models install base

demo: setup
	$(BIN)/medlyt demo

# One pytest worker per core (pytest-xdist): one after the other, the tests kept one of two cores busy.
# Work stealing, not a file per worker: a worker left idle takes half of another's remaining
# tests, so the end is not one long file on one core (17 min against 19 on 2 cores).
# At most 4 by default: each worker runs its own PostgreSQL, Chromium and Whisper (1-2 GB seen in ps),
# and beyond that the longest single test (the WER comparison, 3-5 min) sets the time anyway.
# `make test TEST_WORKERS=0` runs the tests in this process, one after the other.
TEST_WORKERS ?= auto
test: $(STAMP) system-deps $(AXE)
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --maxprocesses 4 --dist worksteal

# Regenerate the lock from pyproject.toml's ranges with the newest releases; `make lock UPGRADE=`
# keeps every pin that still fits and only adds or drops what pyproject.toml changed. Then
# `make test`, and commit pyproject.toml and the lock together.
UPGRADE ?= --upgrade
lock: $(TOOLS)/.installed
	$(TOOLS)/bin/uv pip compile pyproject.toml requirements/build.in --extra test $(UPGRADE) \
		--generate-hashes --python-version $(LOCK_PYTHON) --python-platform $(LOCK_PLATFORM) \
		--custom-compile-command 'make lock' --quiet -o $(LOCK)

$(TOOLS)/.installed: requirements/tools.txt
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes --only-binary :all: -r requirements/tools.txt
	touch $@

# The whole suite against the newest releases that pyproject.toml allows, in its own environment,
# so an upgrade is a deliberate, tested step. Not part of CI: its result depends on the day.
test-latest: system-deps $(AXE)
	@$(MAKE) --no-print-directory python-version
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade -e '.[test]'
	@echo "Afviger fra låsen:"; $(LATEST)/bin/python scripts/lock_diff.py $(LOCK)
	MEDLYT_UNLOCKED=1 $(LATEST)/bin/python -m pytest --numprocesses $(TEST_WORKERS) --maxprocesses 4 --dist worksteal

# axe-core, which the browser tests inject into every page (WCAG 2.1 AA), exactly as
# tests/browser/axe/package-lock.json pins it: `npm ci` checks its integrity hash. Installed here,
# never fetched while the tests run.
$(AXE): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "Browsertestene kræver npm (Node.js) til axe-core. Installér med: sudo apt-get install npm"; exit 1; }
	cd $(AXE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

axe: $(AXE)

system-deps:
	@missing=""; for p in $(SYSTEM_PROGRAMS); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	ls $(POSTGRES_INITDB) >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installerer Debian-pakker til testene:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else \
			echo "Testene kræver:$$missing. Installér med: sudo apt-get install $(SYSTEM_PACKAGES)"; exit 1; \
		fi; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/process_vs_whisper.py
	$(BIN)/python benchmarks/feedback_speed.py
	$(BIN)/python benchmarks/dashboard_speed.py
	$(BIN)/python benchmarks/live_recording.py
	$(BIN)/python benchmarks/bad_input_scale.py

clean:
	rm -rf $(VENV) $(TOOLS) $(LATEST) build *.egg-info
