# Kabinet — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run dev test test-fast test-pg test-prod test-upgrade test-e2e lint typecheck security api-fuzz install install-prod assets db worker messages clean bench bench-quick bench-tools

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

MO := locale/ru/LC_MESSAGES/django.mo

# Compiled translations are built, not committed (branches merge the .po file only).
$(MO): locale/ru/LC_MESSAGES/django.po $(VENV)/.installed
	cd locale/.. && $(PY) manage.py compilemessages -l ru --verbosity 0

# Development and CI: runtime packages plus the test, lint and type-checking tools.
install: $(VENV)/.installed node_modules/.installed $(MO)

# A server (systemd, docs/operations.md): runtime packages only (requirements-prod.txt), the front-end
# packages, compiled translations and the static files. Needs python3-venv, nodejs, npm and gettext.
install-prod:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-prod.txt
	npm ci --no-audit --no-fund --silent
	$(PY) manage.py compilemessages -l ru --verbosity 0
	$(PY) manage.py collectstatic --noinput --verbosity 0

assets: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

db: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

# Production-style serving: gunicorn (WSGI) + whitenoise, and the task worker beside it. The portal's
# links (PORTAL_URL: e-mails, the calendar subscription) name HOST:PORT unless PORTAL_URL is set.
# The worker and the daily-job scheduler run beside it; all stop together on Ctrl-C.
run: assets db
	@echo "Kabinet: http://$(HOST):$(PORT)/  (sign in: +7 900 000-00-01 / kabinet-demo)"
	$(PY) manage.py serve --bind $(HOST):$(PORT) --workers $(WORKERS)

# Auto-reloading development server and worker.
dev: db
	DEBUG=1 $(PY) manage.py serve --bind $(HOST):$(PORT) --workers 1 --reload

worker: install
	$(PY) manage.py db_worker

# The suite runs in parallel (pytest-xdist): TEST_WORKERS processes (`auto`: one per core), each with a
# test database of its own (pytest-django suffixes the name: test_kabinet_gw0, …; SQLite's is in memory),
# and, for the browser journeys, one live server and one Chromium of its own. `worksteal` gives each
# worker half of the tests in order (a module's tests mostly stay together, so its fixtures are made once) and
# lets an idle worker take from the busy one's queue, so a few 30-second tests do not hold the run up.
# Not loadfile/loadscope/loadgroup: they hand tests out by node id, and schemathesis gives its tests (one
# per API operation) a single node id, so 17 of 18 never ran; under pytest 9 `xdist_group` marks are
# ignored anyway. TEST_WORKERS=0 runs everything in this process.
# PYTHONDONTWRITEBYTECODE is emptied for the tests (container images often set it): otherwise every worker,
# and every test that starts Python (settings refusals, logs, Sentry), compiles the project from source,
# and pytest rewrites ~450 test and plugin modules again in each process; ~5 s of CPU a worker.
TEST_WORKERS ?= auto
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

# The whole suite: unit, integration and browser tests (browser tests need /usr/bin/chromium).
test: install
	$(PYTEST)

# Everything but the browser journeys (e2e/): the inner loop.
test-fast: install
	$(PYTEST) -m "not e2e"

test-pg: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kabinet} $(PYTEST)

# The production shape with faults (deploy/prodtest.py): nginx → two gunicorn processes, PostgreSQL
# primary + streaming replica, Redis, S3 (moto), an RQ worker and the scheduler, all on free ports.
# Needs nginx, redis-server, openssl and PostgreSQL's server binaries (PG_BIN, default /usr/lib/postgresql/15/bin).
test-prod: assets
	$(PY) deploy/prodtest.py

# Upgrades keep every kopeck (deploy/upgradetest.py): each previous release named in CHANGELOG.md runs
# from a git worktree of its commit against a throw-away PostgreSQL database, gets data through its own
# API, is migrated with today's code and its figures compared (UPGRADE_PG, default the local server).
# Only the Python side is needed (run `make install` first): no npm ci through a shared node_modules.
test-upgrade: $(VENV)/.installed
	$(PY) deploy/upgradetest.py

typecheck: install
	$(VENV)/bin/mypy config kabinet

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

# Security checks: bandit over our code (medium and higher fail, unless triaged with a reason
# in pyproject.toml), then short authenticated wapiti3 scans of a locally started portal — the client
# side as a company administrator, the back office as a view-only staff member signed in with the
# SMS code (findings triaged in security/wapiti-triage.toml) — then `make api-fuzz`. wapiti3 pins
# versions that would downgrade ours (asgiref, Flask, cryptography), so it lives in its own venv,
# .venv-security. SECURITY_DATABASE_URL=postgres://…/name runs both on PostgreSQL (dropped, created).
SECURITY_VENV := .venv-security
WAPITI_VERSION := 3.2.3
API_FUZZ_SECONDS ?= 180

$(SECURITY_VENV)/.installed:
	test -x $(SECURITY_VENV)/bin/python || $(PYTHON) -m venv $(SECURITY_VENV)
	$(SECURITY_VENV)/bin/pip install --quiet --upgrade pip
	$(SECURITY_VENV)/bin/pip install --quiet 'wapiti3==$(WAPITI_VERSION)'
	touch $@

security: assets $(SECURITY_VENV)/.installed
	$(VENV)/bin/bandit -q -c pyproject.toml -r config kabinet -x '*/tests/*,*/migrations/*' --severity-level medium
	$(PY) security/wapiti_scan.py --wapiti $(SECURITY_VENV)/bin/wapiti
	API_FUZZ_SECONDS=$(API_FUZZ_SECONDS) $(PY) security/api_fuzz.py

# schemathesis against the integration API of a locally started portal with a creditor's token for
# API_FUZZ_SECONDS (default 180); any 5xx fails it. Prints the requests sent and the answers by status.
api-fuzz: assets
	API_FUZZ_SECONDS=$(API_FUZZ_SECONDS) $(PY) security/api_fuzz.py

messages: install
	$(PY) manage.py makemessages -l ru --no-obsolete --no-location --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages -l ru --verbosity 0

clean:
	rm -rf $(VENV) $(SECURITY_VENV) node_modules staticfiles var

# Load benchmark: generate a tier on PostgreSQL, then every client page against page B.
# BENCH_DATABASE_URL's database is dropped and created again. Results: bench/results.json.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kabinet_bench

bench-tools:
	command -v wrk >/dev/null 2>&1 || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)

# Tier M: 5,000 organizations, ~900,000 payments, 150,000 documents; 8 min 46 s end to end on 2 shared cores
# (load average ~12): collectstatic, generation 65 s, load run 291 s.
bench-quick: assets bench-tools
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/generate.py --tier M
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/load.py --tier M --seconds 6 --seconds-c1 3

# Tier L: 50,000 organizations, 9M payments, 5M documents (20 GB); generation 16.4 minutes on 2 idle cores (8.8 of
# them building the indexes, the documents' GIN the longest; 29 minutes on shared cores), the load run ~8 minutes
# (see bench/RESULTS.md).
bench: assets bench-tools
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/generate.py --tier L
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/load.py --tier L --seconds 15 --seconds-c1 5
