# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# The orchestration environment (.venv) needs Python 3.12; the engine environments under
# environments/ bring their own (3.12, and 3.11 for synthcity), found on PATH or in pyenv.
PYTHON ?= $(shell PYENV_VERSION=3.12 pyenv which python3.12 2>/dev/null || command -v python3.12)
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export SYNTH_ASSETS_HOME ?= $(CURDIR)/.synth-assets
export DAGSTER_HOME ?= $(SYNTH_ASSETS_HOME)/dagster
export UV_COMPILE_BYTECODE := 1
# The bundled catalog's default generator, and every engine family (the tests exercise them all).
DEFAULT_ENGINE := mostlyai
ENGINES := $(notdir $(patsubst %/,%,$(dir $(wildcard environments/*/uv.lock))))
engine = environments/$(1)/.venv/synth-assets-lock.sha256

.PHONY: demo test lint ui bench mutation clean install engines

demo: $(VENV)/.installed $(call engine,$(DEFAULT_ENGINE))
	$(BIN)/synth-assets demo

test: $(VENV)/.installed $(foreach e,$(ENGINES),$(call engine,$(e)))
	$(BIN)/pytest

# The pipeline against the bare engine scripts at 32k, 100k and 1M rows (~15 min on 2 cores).
bench: $(VENV)/.installed $(foreach e,$(ENGINES),$(call engine,$(e)))
	$(BIN)/python -m benchmarks.pipeline

# Mutation testing of the safety core against its fast tests (35-50 min on 2 cores; not part of `make test`).
mutation: $(VENV)/.installed
	$(BIN)/python -m benchmarks.mutation

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# Dagster on http://127.0.0.1:3000 and, for the embedded store, MLflow on http://127.0.0.1:5000
# (where the links on the publication card point); both stop with Ctrl-C.
ui: $(VENV)/.installed $(call engine,$(DEFAULT_ENGINE))
	mkdir -p $(DAGSTER_HOME)
	@if [ -z "$$MLFLOW_TRACKING_URI" ]; then \
	  $(BIN)/mlflow ui --backend-store-uri "$$($(BIN)/python -c 'from synth_assets import settings; print(settings.mlflow_tracking_uri())')" \
	    --host 127.0.0.1 --port 5000 > $(SYNTH_ASSETS_HOME)/mlflow-ui.log 2>&1 & \
	  trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	  echo "MLflow UI: http://127.0.0.1:5000 (log: $(SYNTH_ASSETS_HOME)/mlflow-ui.log)"; \
	fi; \
	$(BIN)/dagster dev -w workspace.yaml

install: $(VENV)/.installed $(call engine,$(DEFAULT_ENGINE))

engines: $(foreach e,$(ENGINES),$(call engine,$(e)))

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	@test -n "$(PYTHON)" || { echo "synth-assets needs Python 3.12 (python3.12 on PATH, or pyenv); set PYTHON=/path/to/python3.12"; exit 1; }
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

# Each engine environment comes from its own lock (`synth-assets engines install NAME`).
environments/%/.venv/synth-assets-lock.sha256: environments/%/uv.lock environments/%/pyproject.toml $(VENV)/.installed
	$(BIN)/synth-assets engines install $*

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.5"

clean:
	rm -rf $(VENV) .tools .synth-assets environments/*/.venv mutants
