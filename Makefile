# Two commands a newcomer needs: `make run` and `make test` (see README.md).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint venv

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

# The embedded default: SQLite and the local-memory cache, settings.local, on 127.0.0.1:8000.
run: $(STAMP)
	DJANGO_SETTINGS_MODULE=settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=settings.local $(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=settings.test $(PY) manage.py makemigrations --check --dry-run

# Lint and the whole suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL override).
test: $(STAMP)
	$(PY) scripts/check_services.py
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest $(PYTEST_ARGS)
