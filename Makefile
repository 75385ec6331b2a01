# The commands in README.md. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install run test lint format check lock clean bench

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Netværk needs Python >= 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1; then \
		UV_PYTHON_DOWNLOADS=never uv pip install --quiet --python $(PY) -r requirements.lock; \
	else \
		$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock; \
	fi
	@touch $@

install: $(VENV)/.installed

# Links in mails point at the port the app runs on (unless SITE_URL says otherwise).
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@# today's reminders now (beat runs them every morning; each is sent once, so a restart repeats none)
	@for job in cadence digest meeting_reminders minutes_overdue; do $(PY) manage.py run_job $$job || exit 1; done
	@echo "Netværk: http://127.0.0.1:$(PORT)/  (logins kontor / koordinator / konsulent, password: demo). Ctrl-C stops all."
	@export CELERY_FILESYSTEM_BROKER=1; \
	trap 'trap - INT TERM EXIT; kill -TERM 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A netvaerk worker -B --pool=solo -Q celery,outbox-sweep --loglevel=INFO & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) & \
	wait

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# Re-lock after changing dependencies in pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache

# The periodic jobs' decisions and the page times at national scale; DATABASE_URL must point at an
# empty PostgreSQL database (emptied again between the two: each loads its own data).
bench: install
	@test -n "$$DATABASE_URL" || { echo "make bench needs DATABASE_URL=postgres://... (an empty database)"; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) tests/perf/jobs.py
	$(PY) manage.py flush --noinput
	$(PY) tests/perf/national.py
