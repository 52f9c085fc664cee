# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv
SANDBOX_PORT ?= 12111
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: install run test lint format bench sandbox clean

$(VENV)/bin/uv:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet "uv>=0.13,<0.14"

install: $(VENV)/bin/uv
	$(UV) sync --frozen --quiet

# The app on embedded defaults: SQLite, eager Celery, e-mail to var/mail/, the Stripe sandbox.
run: install
	@mkdir -p var/mail var/static
	$(PY) manage.py migrate --no-input
	@echo "Demo accounts:"
	@$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
