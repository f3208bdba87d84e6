# One command to run, one to test. Everything the commands need is installed here:
# uv (into .tools), the locked Python dependencies (into .venv), and, for `make test`,
# the Debian packages postgresql, chromium and fonts-nanum when they are missing.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON      ?= python3.11
UV_VERSION  := 0.13.8
TOOLS       := .tools
VENV        := .venv
UV          := $(TOOLS)/bin/uv
STAMP       := $(VENV)/.synced
BIN         := $(VENV)/bin
CLI         := $(BIN)/usage-tracker

# Extra arguments: make test PYTEST_ARGS='-k budgets -x'   make bench BENCH_ARGS='--days 90'
# PYTEST_JOBS: pytest-xdist workers (default: one more than the cores, since a worker waits on its
# Chromium, dashboard and PostgreSQL; auto = one per core; 0 = no workers, in this process).
PYTEST_ARGS ?=
PYTEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
BENCH_ARGS  ?=

APT_GET := $(if $(filter 0,$(shell id -u)),,sudo )apt-get

.PHONY: help venv run test check lint fmt bench bench-postgres system-packages clean distclean

help: ## List the targets
	@grep -E '^[a-z.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# --- bootstrap ------------------------------------------------------------------------------

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==$(UV_VERSION)

# Bytecode is compiled here, so a process with PYTHONDONTWRITEBYTECODE=1 (common in containers)
# does not recompile every module it imports on every start: --compile-bytecode for the installed
# packages, compileall for our own (installed editable).
$(STAMP): uv.lock pyproject.toml | $(UV)
	UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON) \
		--compile-bytecode
	$(BIN)/python -m compileall -q src
	touch $@

venv: $(STAMP) ## Create or update .venv from uv.lock (with the dev group)
.venv: $(STAMP)

# --- the two README commands ----------------------------------------------------------------

run: $(STAMP) ## Migrate, then sync (OPENAI_ADMIN_KEY set) or load the demo into an empty database, and serve
	$(CLI) db upgrade
	@if [ -n "$${OPENAI_ADMIN_KEY:-}" ]; then \
		echo "+ $(CLI) sync"; \
		$(CLI) sync || echo "The sync reported errors (above); the dashboard starts anyway."; \
	else \
		echo "+ $(CLI) demo --if-empty"; $(CLI) demo --if-empty; \
	fi
	$(CLI) serve

test: $(STAMP) system-packages ## Lint, type-check and run every test (SQLite and a temp PostgreSQL)
	scripts/with-tmpfs.sh scripts/with-postgres.sh $(MAKE) --no-print-directory check

# --- pieces ---------------------------------------------------------------------------------

check: $(STAMP) ## Lint and run pytest (xdist, PYTEST_JOBS workers) against the database env already set
	@# Bytecode once, up front: with PYTHONDONTWRITEBYTECODE set, every process the tests start
	@# (workers, servers, the console script) would compile the sources and helpers again. --dist loadscope keeps a
	@# module on one worker: a browser module's server and Chromium start once, its tests in order.
	@# The linters run beside pytest (their output is printed when both have ended): mypy's
	@# ≈ 13 s of CPU on a fresh clone then shares the cores instead of coming first. pytest runs
	@# without PYTHONDONTWRITEBYTECODE: it keeps its assertion-rewritten test modules only as
	@# bytecode, so with it set every worker rewrote every test module it collected (≈ 4 s of CPU each).
	$(BIN)/python -m compileall -q src tests benchmarks >/dev/null
	@lint_log=$$(mktemp); \
	$(MAKE) --no-print-directory lint >"$$lint_log" 2>&1 & lint_pid=$$!; \
	tests=0; env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(PYTEST_JOBS) --dist loadscope \
		$(PYTEST_ARGS) || tests=$$?; \
	linted=0; wait $$lint_pid || linted=$$?; \
	echo "--- make lint (ran beside pytest)"; cat "$$lint_log"; rm -f "$$lint_log"; \
	if [ $$linted -ne 0 ]; then echo "make lint failed (above)" >&2; fi; \
	if [ $$tests -ne 0 ]; then echo "pytest failed (exit $$tests)" >&2; fi; \
	[ $$linted -eq 0 ] && [ $$tests -eq 0 ]

lint: $(STAMP) ## ruff check, ruff format --check, mypy, import contracts (lint-imports)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

fmt: $(STAMP) ## Format and autofix
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP) ## Generate (once) both bench datasets, import them, time CLI, reports, pages (BENCH_ARGS=...)
	$(BIN)/python -m compileall -q src benchmarks
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-postgres: $(STAMP) system-packages ## The same benchmarks on a throwaway PostgreSQL (BENCH_ARGS=...)
	$(BIN)/python -m compileall -q src benchmarks
	scripts/with-postgres.sh bash -c '$(BIN)/python -m benchmarks.run --no-sqlite --postgres "$$USAGE_TRACKER_TEST_PG_URL" $(BENCH_ARGS)'

system-packages: ## Install postgresql, chromium and a Korean font (screenshots) with apt-get when missing
	@need=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	[ -d /usr/share/fonts/truetype/nanum ] || need="$$need fonts-nanum"; \
	if [ -n "$$need" ]; then \
		echo "+ $(APT_GET) update && $(APT_GET) install -y$$need"; \
		$(APT_GET) update -q; \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -q $$need; \
	fi

clean: ## Remove caches and build output (keeps .venv and .tools)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist test-artifacts
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv and .tools
	rm -rf $(VENV) $(TOOLS)
