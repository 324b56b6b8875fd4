# Two commands: `make run` (app with demo data on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_PATHWAYS ?= 300
# Two workers on a 2-core machine, and the 25 slowest tests listed at the end; PYTEST_ARGS="-n 0" runs in one process.
PYTEST_ARGS ?= -n 2 --durations=25

.PHONY: run test lint bench soak check-system-libs clean-venv

$(VENV)/.installed-runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

check-system-libs:
	@$(PYTHON) scripts/check_system_libs.py

run: check-system-libs $(VENV)/.installed-runtime
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput -v0
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py sync_roles >/dev/null
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py seed_demo --if-empty --pathways $(DEMO_PATHWAYS) --seed 1
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py render_consent_documents
	@echo ""
	@echo "  Vertebroplasty pathway is running at http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password demo-pass-2026): radiologist, consultant, nurse, manager, admin"
	@echo ""
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: check-system-libs $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	DJANGO_SECRET_KEY=lint-check-only $(PY) manage.py makemigrations --check --dry-run

BENCH_PATHWAYS ?= 100000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vertebroplasty_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/15
BENCH_PORT ?= 8115

# Seeds BENCH_PATHWAYS demo pathways into BENCH_DATABASE_URL (about a minute per 30,000 on PostgreSQL),
# serves the app with gunicorn (gunicorn.conf.py, 3 workers) and Redis, and measures every main page
# with 8 concurrent clients: reads only, then while a nurse saves observations every 2 s; the export,
# worker memory and the load average too. Writes docs/performance.md. Never point it at a live database.
bench: $(VENV)/.installed-runtime
	-createdb -h 127.0.0.1 -U postgres vertebroplasty_bench 2>/dev/null
	$(PY) scripts/bench.py --database-url $(BENCH_DATABASE_URL) --pathways $(BENCH_PATHWAYS) \
		--redis-url $(BENCH_REDIS_URL) --port $(BENCH_PORT) $(BENCH_ARGS)

# Double submits, ten-way races and PDF downloads during saves against the app under gunicorn, on a fresh
# SQLite file and a fresh PostgreSQL database (127.0.0.1:5432, user postgres), both dropped afterwards.
# Under 5 minutes; fails on any 5xx or unexpected row count. Results and how to read them: docs/reliability.md.
soak: check-system-libs $(VENV)/.installed-runtime
	$(PY) scripts/soak.py $(SOAK_ARGS)

clean-venv:
	rm -rf $(VENV)
