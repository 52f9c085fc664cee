# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv
SANDBOX_PORT ?= 12111
APP_PORT ?= 8000
SANDBOX_HEALTHY = import urllib.request as u; u.urlopen('http://127.0.0.1:$(SANDBOX_PORT)/_sandbox/health')
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: install run dev test lint format bench clean

# The venv gets no pip of its own (ensurepip takes seconds): the system's pip installs uv into it,
# or, where the system has no pip, the venv's own after all.
$(VENV)/bin/uv:
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(VENV)/bin/python install --quiet "uv>=0.13,<0.14" 2>/dev/null \
	  || { $(VENV)/bin/python -m ensurepip --default-pip >/dev/null \
	       && $(VENV)/bin/pip install --quiet "uv>=0.13,<0.14"; }

install: $(VENV)/bin/uv
	$(UV) sync --frozen --quiet

# `run` and `dev` write bytecode (under __pycache__/, ignored by git): a fresh clone otherwise
# compiles every module it imports again in each of the processes these targets start. The system
# checks run once, in db_prepare; the commands after it skip them (a second each).
run dev: export PYTHONDONTWRITEBYTECODE =

# What `run` and `dev` share: a prepared SQLite database, the Stripe sandbox beside the app (its
# state kept in var/sandbox.sqlite3; stopped with make), demo data and the webhook registered;
# then $(1), the web server.
define with_sandbox
	@mkdir -p var/mail var/static
	$(PY) manage.py db_prepare
	@$(PY) -m stripe_sandbox --host 127.0.0.1 --port $(SANDBOX_PORT) --data var/sandbox.sqlite3 & \
	  SANDBOX=$$!; trap 'kill $$SANDBOX 2>/dev/null' EXIT INT TERM; \
	  for _ in $$(seq 50); do $(PY) -c "$(SANDBOX_HEALTHY)" 2>/dev/null && break; sleep 0.2; done; \
	  $(PY) manage.py seed_demo --skip-checks && \
	  $(PY) manage.py stripe_webhook_register --skip-checks --base-url http://127.0.0.1:$(APP_PORT) && \
	  echo "Stripe sandbox: http://127.0.0.1:$(SANDBOX_PORT)   App: http://127.0.0.1:$(APP_PORT)" && \
	  $(1)
endef

# The app on embedded defaults (SQLite, eager Celery, e-mail to var/mail/, the sandbox), served
# by gunicorn as in production.
run: export STRIPE_API_BASE ?= http://127.0.0.1:$(SANDBOX_PORT)
run: export SITE_URL ?= http://127.0.0.1:$(APP_PORT)
run: install
	$(call with_sandbox,GUNICORN_BIND=127.0.0.1:$(APP_PORT) WEB_CONCURRENCY=4 GUNICORN_THREADS=4 $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi)

# As `run`, with Django's development server reloading on every code change (one client at a time:
# it resets connections under a few dozen concurrent ones, which gunicorn in `run` serves).
dev: export STRIPE_API_BASE ?= http://127.0.0.1:$(SANDBOX_PORT)
dev: export SITE_URL ?= http://127.0.0.1:$(APP_PORT)
dev: install
	$(call with_sandbox,$(PY) manage.py runserver 127.0.0.1:$(APP_PORT))

# Figures for bench/RESULTS.md (see each script's docstring for what it measures).
bench: install
	$(PY) bench/sandbox_throughput.py --clients 8 --requests 20000 --seconds 20
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/coursepay_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	  $(PY) bench/purchase.py --learners 16 --courses 25 --concurrency 8

# The suite under coverage.py; payments/ must keep every line and 95% of branches covered.
test: install
	$(PY) -m coverage erase
	$(PY) -m coverage run -m pytest $(PYTEST_ARGS)
	$(PY) tests/coverage_gate.py --lines 100 --branches 95

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
