# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint worker beat messages bench clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

# The service with the embedded default: SQLite, tasks in-process, demo data.
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The whole suite against the machine's PostgreSQL and Redis (started if installed but stopped).
test: $(VENV)/.dev
	bin/ensure-services
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 --dist loadgroup

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A config worker -Q verification,notifications,default -l info

beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A config beat -l info

# Regenerate and compile the translation catalogues after changing strings.
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l kk -l ru --no-obsolete --ignore=".venv/*" --ignore="tests/*" --ignore="bench/*"
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
