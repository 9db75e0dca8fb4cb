# aiplus — the commands the README names.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export OMP_NUM_THREADS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test install install-test browser migrate demo lint format bench serve serve-prod check-migrations clean audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	mkdir -p var
	$(BIN)/aiplus migrate --no-input -v 0

demo: migrate
	$(BIN)/aiplus load-citypack suzhou
	$(BIN)/aiplus import-policies --if-present
	$(BIN)/aiplus demo

## make run: install, migrate, load the Suzhou city pack and demo data, serve on 127.0.0.1:$(PORT)
run: demo
	$(BIN)/aiplus runserver 127.0.0.1:$(PORT)

## make serve-prod: production (docs/deploy.md): needs SECRET_KEY and DATABASE_URL; migrates,
## collects static files, runs gunicorn on 127.0.0.1:$(PORT) (WEB_CONCURRENCY workers) and the
## task worker (bin/serve-prod)
serve-prod: install
	PORT=$(PORT) bin/serve-prod

# Headless Chromium for the browser test (Debian's package; needs root, skipped otherwise).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -q chromium >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) || \
		echo "chromium could not be installed: the browser test will be skipped"; fi

## make test: install what tests need and run the whole suite, in parallel (one worker per
## core, each file's tests on one worker; TEST_WORKERS=0 runs in one process)
TEST_WORKERS ?= auto
test: install-test browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

check-migrations: install
	$(BIN)/aiplus makemigrations --check --dry-run

lint: install-test
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

format: install-test
	$(BIN)/ruff check --fix src tests bench tools
	$(BIN)/ruff format src tests bench tools

bench: install-test
	$(BIN)/python bench/bench_scenarios.py
	$(BIN)/python bench/bench_programme.py
	$(BIN)/python bench/bench_policies.py
	$(BIN)/python bench/bench_compute.py

clean:
	rm -rf $(VENV) var .pytest_cache

## make load-test: the load test of issue #8 (bench/load/run): a fresh PostgreSQL database
## aiplus_load with the demo data scaled to 10,000 demands and 5,000 organisations, the
## production stack on a free loopback port, a 1-user baseline, then 200 locust users arriving
## over 40 s (they sign in) and measured for 60 s;
## prints the summary for docs/benchmarks.md (needs PostgreSQL running on the local socket)
.PHONY: load-test
load-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[load]'
	bench/load/run

## make audit: known vulnerabilities in the installed dependencies (pip-audit; tools/audit_deps.py)
audit: install-test
	$(BIN)/python tools/audit_deps.py
