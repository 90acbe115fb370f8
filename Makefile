# Banso: `make run` serves the site with a Celery worker and beat;
# `make test` runs the whole suite against PostgreSQL and Redis.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/banso
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint format services browser pdf-libraries setup migrate reference-data demo-data lock bench clean messages
.PHONY: check-deploy audit fuzz

$(BIN)/uv: requirements/bootstrap.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/bootstrap.txt
	touch $@

# One environment for running and testing, synced exactly to the lock file.
$(VENV)/.synced: $(BIN)/uv requirements/dev.txt
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.txt
	touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.synced node_modules/.synced

migrate: setup
	$(BIN)/python manage.py migrate --no-input

reference-data: migrate
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py load_measures

demo-data: reference-data
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_year

run: pdf-libraries demo-data
	PORT=$(PORT) exec $(BIN)/honcho --procfile Procfile start

# Start PostgreSQL and Redis when they are installed but stopped; install them when missing.
services:
	@bash scripts/ensure_services.sh

# Debian's Chromium and Japanese fonts for the browser tests (apt-get when missing).
browser:
	@bash scripts/ensure_browser.sh

# Pango and Japanese fonts for the monthly report's PDF (apt-get when missing).
pdf-libraries:
	@bash scripts/ensure_pdf_libraries.sh

test: setup services browser pdf-libraries
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/python manage.py spectacular --settings config.settings.test --validate --fail-on-warn --file /dev/null
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS)

# Schemathesis against a live server on 127.0.0.1 with a fresh database of its
# own (FUZZ_DATABASE_URL, dropped and created); fails on any server error.
# Bounded: FUZZ_MAX_EXAMPLES per operation, FUZZ_MAX_SECONDS in all.
FUZZ_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/banso_fuzz
FUZZ_REDIS_URL ?= redis://127.0.0.1:6379/13
fuzz: setup services
	FUZZ_DATABASE_URL=$(FUZZ_DATABASE_URL) FUZZ_REDIS_URL=$(FUZZ_REDIS_URL) bash scripts/fuzz.sh

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --lint frontend/templates metrics/templates measures/templates accounts/templates library/templates

# Django's deployment checks against the production settings, with a throwaway key.
check-deploy: $(VENV)/.synced
	DJANGO_SETTINGS_MODULE=config.settings.production \
		DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		DJANGO_ALLOWED_HOSTS=banso.example.go.jp \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Known vulnerabilities with a fix in the locked Python and npm packages (pip-audit, npm audit).
audit: $(VENV)/.synced node_modules/.synced
	$(BIN)/python scripts/audit.py

format: $(VENV)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint --reformat frontend/templates metrics/templates measures/templates accounts/templates

# Regenerate the lock files from requirements/*.in.
lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 requirements/base.in -o requirements/base.txt
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 requirements/dev.in -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 requirements/bootstrap.in -o requirements/bootstrap.txt

# Benchmarks print figures; BENCH=name runs one.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/banso_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench: setup services
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) node_modules var staticfiles

# Re-extract the translatable strings and compile the English catalogue
# (the compiled .mo is committed so that a fresh machine needs no gettext).
messages: $(VENV)/.synced
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=var --ignore=bench --ignore=tests
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv
