# Copse: the two commands are `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install migrate seed worker beat prod-local backup backup-check bench eval clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON) --quiet
	@touch $@

install: $(VENV)/.synced

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Copse is serving on http://$(HOST):$(PORT)/ (demo logins are listed in README.md)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# worksteal: a worker that runs out of tests takes half of what the other still has queued.
test: install
	$(PY) -m pytest -n $${PYTEST_WORKERS:-auto} --dist worksteal $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A cop worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A cop beat --loglevel=info --scheduler cop.ops.beat:LeaderScheduler

# Production on this machine: HAProxy, three web processes, two workers, one beat, Redis and
# PostgreSQL (DATABASE_URL, default the local server's copse_prodlocal). Ctrl-C stops it all.
prod-local: install
	$(PY) -m deploy.prod_local

# pg_dump of DATABASE_URL into backups/; and the drill: dump, restore into a scratch
# database, compare every table, check migrations, serve a page, drop it.
backup: install
	$(PY) -m deploy.backup dump

backup-check: install
	$(PY) -m deploy.backup check

# Pages at two sizes of the repertoire on PostgreSQL (BENCH_SCALE=small for a quick run),
# then the health dashboard's precompute.
bench: install
	$(PY) bench/pages.py
	$(PY) bench/dashboard.py

# Quality of "similar before you post" on the labelled pairs in eval/ (tuning and
# held-back halves), on SQLite or on PostgreSQL when DATABASE_URL points there.
eval: install
	$(PY) eval/similar.py

clean:
	rm -rf $(VENV) .tools staticfiles .pytest_cache .prod-local
