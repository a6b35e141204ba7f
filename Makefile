# CPO Portfolio — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format serve install install-dev migrate seed check-deploy clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -U pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## make run: set up and serve the embedded default (SQLite, in-process tasks) with demo data.
run: seed
	@echo "Serving on http://$(HOST):$(PORT)/ — log in with a user printed above."
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: set up and run the whole test suite.
test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## make lint: ruff (check + format) and mypy.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: install
	DJANGO_SETTINGS_MODULE=cpo.settings.production \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-check-deploy-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-cpo.example.com} \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cpo} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(PY) manage.py check --deploy --fail-level WARNING

## make serve: the production shape (gunicorn + celery worker + celery beat)
## against DATABASE_URL and REDIS_URL. Set DJANGO_INSECURE_HTTP=1 for plain http.
serve: install
	@test -n "$$DATABASE_URL" || { echo "make serve needs DATABASE_URL"; exit 2; }
	@test -n "$$REDIS_URL" || { echo "make serve needs REDIS_URL"; exit 2; }
	DJANGO_SETTINGS_MODULE=cpo.settings.production bash scripts/serve.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
