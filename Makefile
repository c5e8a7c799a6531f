# The two commands: `make demo` and `make test`. Both bootstrap everything on a fresh machine
# that has Python >= 3.11 and pip: uv is installed through pip when missing, then every extra
# is synced from the committed lock file.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export UV_PYTHON ?= $(PYTHON)

.PHONY: bootstrap demo test lint typecheck unit bench bench-scale bench-llm clean

bootstrap:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet "uv>=0.5"
	@$(UV) sync --locked --all-extras --quiet

demo: bootstrap
	@$(UV) run --locked memory-core demo

lint: bootstrap
	$(UV) run --locked ruff check memory_core tests benchmarks
	$(UV) run --locked ruff format --check memory_core tests benchmarks

typecheck: bootstrap
	$(UV) run --locked mypy

unit: bootstrap
	$(UV) run --locked pytest -q

test: lint typecheck unit

bench: bootstrap
	$(UV) run --locked python -m benchmarks.run

bench-scale: bootstrap
	$(UV) run --locked python -m benchmarks.run --scale

bench-llm: bootstrap
	$(UV) run --locked python -m benchmarks.llm_cost

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
