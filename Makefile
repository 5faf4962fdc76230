# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export SYNTH_ASSETS_HOME ?= $(CURDIR)/.synth-assets
export DAGSTER_HOME ?= $(SYNTH_ASSETS_HOME)/dagster
# synthcity 0.2.12 imports cleanly only with the pins in pyproject.toml; uv.lock holds the resolution.
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test lint ui bench clean install

demo: $(VENV)/.installed
	$(BIN)/synth-assets demo

test: $(VENV)/.installed
	$(BIN)/pytest

# The pipeline against the bare SDV script at 32k, 100k and 1M rows (~15 min on 2 cores).
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.pipeline

lint: $(VENV)/.installed
	$(BIN)/ruff check .

ui: $(VENV)/.installed
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.5"

clean:
	rm -rf $(VENV) .tools .synth-assets
