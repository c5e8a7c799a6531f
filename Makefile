# The two commands: `make demo` and `make test`. Both bootstrap on a fresh machine that has
# Python >= 3.11 and pip: uv is installed through pip when missing or too old (the lock uses
# scoped dependency exclusions, uv >= 0.13); then `make demo` syncs the engine alone and
# `make test` every extra and the dev tools, from the committed lock file.
SHELL := /bin/bash
PYTHON ?= python3
UV_SPEC := uv>=0.13,<1
UV := $(PYTHON) -m uv
export UV_PYTHON ?= $(PYTHON)

.PHONY: uv bootstrap demo test lint typecheck unit cookbooks bench bench-scale bench-llm clean

uv:
	@$(PYTHON) -c 'import importlib.metadata as m, sys; v = tuple(int(x) for x in m.version("uv").split(".")[:2]); sys.exit(v < (0, 13))' 2>/dev/null \
		|| $(PYTHON) -m pip install --quiet "$(UV_SPEC)"

# Everything: every framework extra and the dev tools (what `make test` needs).
bootstrap: uv
	@$(UV) sync --locked --all-extras --quiet

# The demo needs the engine alone: no framework, no dev tools (--inexact keeps what a
# `make test` installed before).
demo: uv
	@$(UV) sync --locked --no-default-groups --inexact --quiet
	@$(UV) run --locked --no-sync memory-core demo

lint: bootstrap
	$(UV) run --locked ruff check memory_core integrations tests benchmarks cookbooks
	$(UV) run --locked ruff format --check memory_core integrations tests benchmarks cookbooks
	$(UV) run --locked lint-imports

typecheck: bootstrap
	$(UV) run --locked mypy

unit: bootstrap
	$(UV) run --locked pytest -q

# Every cookbook, as a user runs it (offline unless OPENAI_API_KEY is set); each cleans up.
cookbooks: bootstrap
	@set -e; for book in cookbooks/[!_]*.py; do \
		echo "== $$book"; (cd cookbooks && $(UV) run --locked --no-sync python "$${book#cookbooks/}"); \
	done

test: lint typecheck unit cookbooks

bench: bootstrap
	$(UV) run --locked python -m benchmarks.run

bench-scale: bootstrap
	$(UV) run --locked python -m benchmarks.run --scale

bench-llm: bootstrap
	$(UV) run --locked python -m benchmarks.llm_cost

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
